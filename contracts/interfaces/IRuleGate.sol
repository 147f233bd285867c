// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRightsLedger} from "./IRightsLedger.sol";
import {Reason} from "./Types.sol";

/// @title IRuleGate
/// @notice The ledger's rules asked at a market's first step, answered with the ledger's own named
/// errors (`LedgerRefusals`). The exchange answers for the market contracts that lead up to a
/// movement without holding the refusal table themselves (the auction house: EIP-170).
interface IRuleGate {
    /// @notice Reverts with the ledger's named error if its rule engine refuses `m` now.
    /// @param m the movement the ledger would make
    function requireAllowed(IRightsLedger.Movement calldata m) external view;

    /// @notice The seller's side of an offer before there is a buyer (`SellerOffer`): reverts with
    /// the ledger's named error; returns whether the seller is the government reserve.
    /// @param seller the offering seller
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @return reserve true when the seller is the government reserve
    function requireDeliverable(address seller, uint32 pollutant, uint64 kg) external view returns (bool reserve);

    /// @notice R-10: reverts with `LedgerNoCap` or `LedgerCapExceeded` unless `kg` new rights of
    /// `pollutant` fit in `region`'s cap now (an offer of new rights; the allocation checks again).
    /// @param region the district's code
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    function requireCapacity(uint16 region, uint32 pollutant, uint64 kg) external view;
}
