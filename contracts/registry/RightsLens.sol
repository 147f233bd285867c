// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {Sector} from "../interfaces/Types.sol";

/// @title RightsLens
/// @notice Read-only figures derived from the ledger for wallets, the service and the explorer:
/// what an account can use for surrender and what it can sell now. Holds no state.
contract RightsLens {
    IRightsLedger public immutable ledger;
    IAccountRegistry public immutable registry;

    constructor(IRightsLedger ledger_, IAccountRegistry registry_) {
        ledger = ledger_;
        registry = registry_;
    }

    /// @notice What the account could surrender now: unpledged holdings plus leased-in rights (R-24).
    function usable(address holder, uint32 pollutant) external view returns (uint64) {
        IRightsLedger.Balance memory b = ledger.balanceOf(holder, pollutant);
        return b.paid + b.free + b.waived - b.pledged + ledger.positionOf(holder, pollutant).leasedIn;
    }

    /// @notice What the account could sell now: unpledged paid rights (R-05, R-07), above the
    /// permit while it is valid (R-06), within the certified quantity unless it is the reserve (R-39).
    function sellable(address holder, uint32 pollutant) external view returns (uint64 kg) {
        IRightsLedger.Balance memory b = ledger.balanceOf(holder, pollutant);
        IRightsLedger.Position memory pos = ledger.positionOf(holder, pollutant);
        kg = b.paid - b.pledged;
        if (ledger.permitValid(holder)) {
            uint64 unencumbered = b.paid + b.free + b.waived - b.pledged;
            uint64 excess = unencumbered > pos.permitted ? unencumbered - pos.permitted : 0;
            if (excess < kg) kg = excess;
        }
        if (registry.profile(holder).sector != Sector.Government && pos.tradable < kg) kg = pos.tradable;
    }
}
