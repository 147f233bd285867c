// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IRuleModule} from "../interfaces/IRuleModule.sol";
import {Op, Sector} from "../interfaces/Types.sol";

/// @title BasinSaleBan
/// @notice A rule a city adds without a new ledger (worked example of a rule module): no rights
/// of `pollutant` move into basin `basin` from a unit outside it — by sale, enforced sale or
/// lease — whatever the basin's attainment status (seed 000 四(一): 不得卖向环境质量不达标的流域;
/// a city closes a basin before the regulator's non-attainment list does, R-18B). The government
/// reserve may still take rights in (buy-backs, reclaims).
contract BasinSaleBan is IRuleModule {
    /// @notice Rights of `pollutant` may not go to `buyer` in the closed basin `basin`.
    error BasinSaleBanned(address buyer, uint32 pollutant, uint16 basin);

    IAccountRegistry public immutable registry;
    uint32 public immutable pollutant;
    uint16 public immutable basin;

    constructor(IAccountRegistry registry_, uint32 pollutant_, uint16 basin_) {
        registry = registry_;
        pollutant = pollutant_;
        basin = basin_;
    }

    /// @inheritdoc IRuleModule
    function ruleId() external pure returns (string memory) {
        return "R-18B";
    }

    /// @inheritdoc IRuleModule
    function check(IRightsLedger.Movement calldata m) public view returns (bool allowed, uint256 value) {
        if (m.pollutant != pollutant || (m.op != Op.Trade && m.op != Op.EnforcedSale && m.op != Op.LeaseOut)) {
            return (true, 0);
        }
        IAccountRegistry.Profile memory buyer = registry.profile(m.to);
        if (buyer.basin != basin || buyer.sector == Sector.Government) return (true, 0);
        if (registry.profile(m.from).basin == basin) return (true, 0);
        return (false, basin);
    }

    /// @inheritdoc IRuleModule
    function enforce(IRightsLedger.Movement calldata m) external view {
        (bool allowed,) = check(m);
        if (!allowed) revert BasinSaleBanned(m.to, pollutant, basin);
    }
}
