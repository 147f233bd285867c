// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {Reason} from "../interfaces/Types.sol";

/// @title LedgerRefusals
/// @notice The rule engine's reason → the ledger's named custom error, in one place. The ledger
/// reverts with it when a movement is refused; the modules that lead up to a movement (a listing,
/// a lot, an approval, a release or lease offer) revert with it at their first step, so a party
/// learns there, with the same error and values, what the last step would refuse.
library LedgerRefusals {
    /// @dev Reverts with the ledger's pre-check verdict on `m`, if it refuses it.
    function requireAllowed(IRightsLedger ledger, IRightsLedger.Movement memory m) internal view {
        (Reason reason, uint256 have, uint256 need) = ledger.check(m);
        if (reason != Reason.Ok) refuse(reason, m, have, need);
    }

    /// @dev Reverts with the named error of `reason` (never `Reason.Ok`).
    function refuse(Reason reason, IRightsLedger.Movement memory m, uint256 have, uint256 need) internal pure {
        if (reason == Reason.ZeroQuantity) revert IRightsLedger.LedgerZeroQuantity();
        if (reason == Reason.UnknownPollutant) revert IRightsLedger.LedgerUnknownPollutant(m.pollutant);
        if (reason == Reason.NotRegistered) revert IRightsLedger.LedgerNotRegistered(address(uint160(have)));
        if (reason == Reason.AccountClosed) revert IRightsLedger.LedgerAccountClosed(address(uint160(have)));
        if (reason == Reason.InsufficientRights) {
            revert IRightsLedger.LedgerInsufficientRights(m.from, m.pollutant, need, have);
        }
        if (reason == Reason.BelowPermit) revert IRightsLedger.LedgerBelowPermit(m.from, m.pollutant, have, need);
        if (reason == Reason.CapExceeded) revert IRightsLedger.LedgerCapExceeded(m.region, m.pollutant, need, have);
        if (reason == Reason.NoCap) revert IRightsLedger.LedgerNoCap(m.region, m.pollutant);
        if (reason == Reason.PolicyRestricted) revert IRightsLedger.LedgerPolicyRestricted(address(uint160(have)));
        if (reason == Reason.PriceBelowBenchmark) {
            revert IRightsLedger.LedgerPriceBelowBenchmark(m.pollutant, have, need);
        }
        if (reason == Reason.NoBenchmark) revert IRightsLedger.LedgerNoBenchmark(m.pollutant, uint16(need));
        if (reason == Reason.Blacklisted) revert IRightsLedger.LedgerBlacklisted(address(uint160(have)), need);
        if (reason == Reason.NonAttainmentDestination) {
            revert IRightsLedger.LedgerNonAttainmentDestination(m.to, m.pollutant);
        }
        if (reason == Reason.ThermalPowerAirPollutant) {
            revert IRightsLedger.LedgerThermalPowerAirPollutant(m.from, m.to, m.pollutant);
        }
        if (reason == Reason.IndustryLivestock) revert IRightsLedger.LedgerIndustryLivestock(m.from, m.to);
        if (reason == Reason.GreenChannelLimit) revert IRightsLedger.LedgerGreenChannelLimit(m.to, have, need);
        if (reason == Reason.SectorNotEnabled) {
            revert IRightsLedger.LedgerSectorNotEnabled(address(uint160(have)), need);
        }
        if (reason == Reason.SellerNotQualified) revert IRightsLedger.LedgerSellerNotQualified(m.from);
        if (reason == Reason.NotCertifiedTradable) {
            revert IRightsLedger.LedgerNotCertifiedTradable(m.from, m.pollutant, need, have);
        }
        if (reason == Reason.SameAccount) revert IRightsLedger.LedgerSameAccount(m.from);
        if (reason == Reason.NotReserve) revert IRightsLedger.LedgerNotReserve(address(uint160(have)));
        if (reason == Reason.NotInPolicy) revert IRightsLedger.LedgerNotInPolicy(uint8(have));
        if (reason == Reason.ModuleRefused) revert IRightsLedger.LedgerModuleRefused(address(uint160(have)), need);
    }
}
