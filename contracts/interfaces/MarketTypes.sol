// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Why the exchange refuses a market action before the rule engine is asked: the
/// procedure of the order, the auction or the money (0 = allowed). The trading rules themselves
/// (R-05 … R-39) are answered by the ledger's `Reason` (see Types.sol); a pre-check returns
/// `RuleRefused` with that reason. Each value has a named custom error in the contract that refuses.
enum MarketReason {
    Ok,
    RuleRefused, // the ledger's rule engine refuses the movement: see the Reason returned with it
    TooLarge, // a price beyond what the book stores
    UnknownOrder, // no such listing, lot or application
    WrongStatus, // the order is not in a state (or of a kind) that allows the action
    Ended, // the order's time is over (listing, bidding, the signature's deadline)
    NotEnded, // bidding (or revealing) still running
    InsufficientFunds, // available money in the trading account is below what is needed (R-16)
    BidTooLow, // below the ask, the reserve price or the leading bid plus the step
    NotJoined, // the bidder has not lodged the lot's deposit (R-16)
    AlreadyJoined,
    HasBids, // the listing is in electronic bidding: it can no longer be taken
    InvalidMode, // a trade mode a negotiated trade cannot settle
    OutsideRegion, // a primary lot of one district and a bidder of another (R-10)
    ApplicationUnusable, // the bidder's application does not cover the primary lot (R-08, R-09)
    PledgeNotEnforcing, // the pledge is no longer under enforcement (R-34)
    BadReveal // sealed bids: nothing committed, or already revealed
}
