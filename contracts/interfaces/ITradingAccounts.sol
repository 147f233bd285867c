// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ITradingAccounts
/// @notice Members' trading accounts at the exchange (交易资金账户): settlement money paid in from
/// a member's wallet is booked here as `available`; bids and deposits (交易保证金) lock part of it;
/// settlements move it between accounts by book entry in the same transaction as the rights (R-16).
/// The contract holds exactly the settlement money its book says: Σ (available + locked) =
/// `totalBooked()` = the token balance of this contract. Only the exchange's market contracts
/// (`MARKET_ROLE`) lock, release and move money; members withdraw what is available.
interface ITradingAccounts {
    /// @notice One account's money, in fen (one storage slot).
    struct Funds {
        uint128 available;
        uint128 locked; // behind bids and deposits (R-16)
    }

    event FundsDeposited(address indexed account, address indexed from, uint256 fen);
    event FundsWithdrawn(address indexed account, uint256 fen);
    event FundsLocked(address indexed account, uint256 fen, address indexed market);
    event FundsUnlocked(address indexed account, uint256 fen, address indexed market);
    /// @notice A settlement's payment by book entry: `from` (its locked money if `fromLocked`) to
    /// `to`'s available money.
    event FundsTransferred(address indexed from, address indexed to, uint256 fen, bool fromLocked);
    /// @notice Money paid out of the book to a wallet (fees and forfeits to the treasury, R-29).
    event FundsPaidOut(address indexed from, address indexed to, uint256 fen, bool fromLocked);

    error ExchangeZeroAmount();
    error ExchangeAmountTooLarge(uint256 fen);
    error ExchangeInsufficientFunds(address account, uint256 available, uint256 needed);
    error ExchangeInsufficientLocked(address account, uint256 locked, uint256 needed);
    /// A relayed deposit whose permit the settlement token refused: nothing moves.
    error ExchangeInvalidPermit(address owner);

    /// @notice Pay `fen` from the caller's wallet into `account`'s trading account (the caller
    /// approved this contract on the settlement token).
    function deposit(address account, uint256 fen) external;

    /// @notice The same from `owner`'s wallet with an ERC-2612 permit `owner` signed (relayable).
    /// Anyone but the owner is refused (`ExchangeInvalidPermit`) unless the token accepts the
    /// permit in this call: an existing allowance alone never lets a third party move the money.
    function depositWithPermit(address owner, uint256 fen, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external;

    /// @notice Pay `fen` of the caller's available money back to its wallet.
    function withdraw(uint256 fen) external;

    /// @notice The same for `account`, signed as typed data
    /// `Withdrawal(address account,uint256 amountFen,uint256 nonce,uint256 deadline)` (relayable;
    /// the money goes to `account`'s wallet only).
    function withdrawBySig(address account, uint256 fen, uint256 deadline, bytes calldata signature) external;

    // ---- market contracts (MARKET_ROLE) ----

    /// @notice Lock `fen` of `account`'s available money behind a bid or deposit.
    function lock(address account, uint256 fen) external;

    /// @notice Release `fen` of `account`'s locked money (refund of a deposit or an outbid bid).
    function unlock(address account, uint256 fen) external;

    /// @notice Settlement payment by book entry: `fen` of `from`'s locked money to `to`'s available.
    function transferLocked(address from, address to, uint256 fen) external;

    /// @notice Pay `fen` of `from`'s money (locked if `fromLocked`, else available) to the wallet `to`.
    function payOut(address from, address to, uint256 fen, bool fromLocked) external;

    // ---- views ----

    function fundsOf(address account) external view returns (Funds memory);

    /// @notice Σ of every account's available and locked money; equals this contract's token balance.
    function totalBooked() external view returns (uint256);
}
