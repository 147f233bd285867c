// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {Sector, PollutantClass} from "../interfaces/Types.sol";

/// @title RuleContext
/// @notice The three words of `IAccountRegistry.ruleContext` and their decoding into the
/// `MovementContext` the rule engine reads. A profile word is the `Profile` storage slot as
/// Solidity packs it (fields from the lowest byte up, in declaration order): registered (byte 0),
/// closed (1), policyRestricted (2), qualifiedSeller (3), restrictions (4), sector (5),
/// district (bytes 6–7), basin (8–9), updatedAtBlock (10–17). The facts word: the pollutant
/// exists (bit 0), its class (bits 8–15), the sending and the receiving party's sector enabled
/// (bits 16, 17, R-38; read only when the city rolls trading out by sector), the receiving
/// party's district and basin in non-attainment (bits 18, 19, R-18; read only when the city bans
/// sales into non-attainment areas).
library RuleContext {
    uint256 private constant _EXISTS = 1;
    uint256 private constant _FROM_ENABLED = 1 << 16;
    uint256 private constant _TO_ENABLED = 1 << 17;
    uint256 private constant _TO_DISTRICT_LISTED = 1 << 18;
    uint256 private constant _TO_BASIN_LISTED = 1 << 19;

    /// @dev The facts word's pollutant part.
    function pollutantFacts(bool exists, PollutantClass class) internal pure returns (uint256) {
        return (exists ? _EXISTS : 0) | (uint256(uint8(class)) << 8);
    }

    /// @dev The facts word's roll-out part (R-38).
    function rolloutFacts(bool fromEnabled, bool toEnabled) internal pure returns (uint256 facts) {
        if (fromEnabled) facts |= _FROM_ENABLED;
        if (toEnabled) facts |= _TO_ENABLED;
    }

    /// @dev The facts word's non-attainment part (R-18).
    function listFacts(bool toDistrictListed, bool toBasinListed) internal pure returns (uint256 facts) {
        if (toDistrictListed) facts |= _TO_DISTRICT_LISTED;
        if (toBasinListed) facts |= _TO_BASIN_LISTED;
    }

    function sector(uint256 profileWord) internal pure returns (uint8) {
        return uint8(profileWord >> 40);
    }

    function district(uint256 profileWord) internal pure returns (uint16) {
        return uint16(profileWord >> 48);
    }

    function basin(uint256 profileWord) internal pure returns (uint16) {
        return uint16(profileWord >> 64);
    }

    /// @dev The three words as the rule engine reads them (the pollutant's code is not read).
    function decode(uint256 fromWord, uint256 toWord, uint256 facts)
        internal
        pure
        returns (IAccountRegistry.MovementContext memory c)
    {
        _fill(c.from, fromWord);
        _fill(c.to, toWord);
        c.pollutant.exists = facts & _EXISTS != 0;
        c.pollutant.class = PollutantClass(uint8(facts >> 8));
        c.fromSectorEnabled = facts & _FROM_ENABLED != 0;
        c.toSectorEnabled = facts & _TO_ENABLED != 0;
        c.toDistrictNonAttainment = facts & _TO_DISTRICT_LISTED != 0;
        c.toBasinNonAttainment = facts & _TO_BASIN_LISTED != 0;
    }

    /// @dev `p` := the `Profile` a profile word stores.
    function _fill(IAccountRegistry.Profile memory p, uint256 w) private pure {
        p.registered = uint8(w) != 0;
        p.closed = uint8(w >> 8) != 0;
        p.policyRestricted = uint8(w >> 16) != 0;
        p.qualifiedSeller = uint8(w >> 24) != 0;
        p.restrictions = uint8(w >> 32);
        p.sector = Sector(sector(w));
        p.district = district(w);
        p.basin = basin(w);
        p.updatedAtBlock = uint64(w >> 80);
    }
}
