// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {Op, Origin, Sector, TradeMode} from "../interfaces/Types.sol";
import {LedgerRefusals} from "../registry/LedgerRefusals.sol";

/// @title SellerOffer
/// @notice The seller's side of a sale before there is a buyer (a listing, an auction lot), checked
/// when the rights are offered so that no one bids on rights the seller could not deliver.
library SellerOffer {
    /// @dev The ledger's `Op.Offer` rules — not blacklisted (R-17), recognised for the quantity
    /// (R-39), unpledged paid rights above the permit (R-05 – R-07), the seller's sector open to
    /// trading where the city's policy rolls trading out by sector (R-38). Reverts with the
    /// ledger's named error, the one the settlement would give. Returns whether the seller is the
    /// government reserve.
    function requireDeliverable(
        IRightsLedger ledger,
        IAccountRegistry registry,
        address seller,
        uint32 pollutant,
        uint64 kg
    ) internal view returns (bool reserve) {
        LedgerRefusals.requireAllowed(
            ledger,
            IRightsLedger.Movement(Op.Offer, seller, address(0), pollutant, kg, 0, TradeMode.None, 0, Origin.Paid, false)
        );
        reserve = registry.profile(seller).sector == Sector.Government;
    }
}
