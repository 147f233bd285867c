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

    /// @notice `from` paid `fen` into `account`'s trading account.
    /// @param account the member's trading account
    /// @param from the paying account or wallet
    /// @param fen the amount, fen
    event FundsDeposited(address indexed account, address indexed from, uint256 fen);
    /// @notice `account` took `fen` of its available money back to its wallet.
    /// @param account the member's trading account
    /// @param fen the amount, fen
    event FundsWithdrawn(address indexed account, uint256 fen);
    /// @notice `fen` of `account`'s money was locked behind a bid or deposit (R-16).
    /// @param account the member's trading account
    /// @param fen the amount, fen
    /// @param market the market contract that locked or unlocked it
    event FundsLocked(address indexed account, uint256 fen, address indexed market);
    /// @notice `fen` of `account`'s locked money became available again.
    /// @param account the member's trading account
    /// @param fen the amount, fen
    /// @param market the market contract that locked or unlocked it
    event FundsUnlocked(address indexed account, uint256 fen, address indexed market);
    /// @notice A settlement's payment by book entry: `from` (its locked money if `fromLocked`) to
    /// `to`'s available money.
    /// @param from the paying account or wallet
    /// @param to the receiving account or wallet
    /// @param fen the amount, fen
    /// @param fromLocked true when paid from locked money
    event FundsTransferred(address indexed from, address indexed to, uint256 fen, bool fromLocked);
    /// @notice Money paid out of the book to a wallet (fees and forfeits to the treasury, R-29).
    /// @param from the paying account or wallet
    /// @param to the receiving account or wallet
    /// @param fen the amount, fen
    /// @param fromLocked true when paid from locked money
    event FundsPaidOut(address indexed from, address indexed to, uint256 fen, bool fromLocked);

    /// @notice An amount of zero fen.
    error ExchangeZeroAmount();
    /// @notice An amount beyond what a trading account keeps (uint112 fen).
    /// @param fen the amount, fen
    error ExchangeAmountTooLarge(uint256 fen);
    /// @notice The account's available money does not cover the step.
    /// @param account the member's trading account
    /// @param available its available money, fen
    /// @param needed what the step needs, fen
    error ExchangeInsufficientFunds(address account, uint256 available, uint256 needed);
    /// @notice The account's locked money does not cover the step.
    /// @param account the member's trading account
    /// @param locked its locked money, fen
    /// @param needed what the step needs, fen
    error ExchangeInsufficientLocked(address account, uint256 locked, uint256 needed);
    /// A relayed deposit whose permit the settlement token refused: nothing moves.
    /// @param owner the wallet that signed the permit
    error ExchangeInvalidPermit(address owner);

    /// @notice Pay `fen` from the caller's wallet into `account`'s trading account (the caller
    /// approved this contract on the settlement token).
    /// @param account the member's trading account
    /// @param fen the amount, fen
    function deposit(address account, uint256 fen) external;

    /// @notice The same from `owner`'s wallet with an ERC-2612 permit `owner` signed (relayable).
    /// Anyone but the owner is refused (`ExchangeInvalidPermit`) unless the token accepts the
    /// permit in this call: an existing allowance alone never lets a third party move the money.
    /// @param owner the wallet that signed the permit
    /// @param fen the amount, fen
    /// @param deadline the permit's or signature's last valid time, unix seconds
    /// @param v the permit signature's v
    /// @param r the permit signature's r
    /// @param s the permit signature's s
    function depositWithPermit(address owner, uint256 fen, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external;

    /// @notice Pay `fen` of the caller's available money back to its wallet.
    /// @param fen the amount, fen
    function withdraw(uint256 fen) external;

    /// @notice The same for `account`, signed as typed data
    /// `Withdrawal(address account,uint256 amountFen,uint256 nonce,uint256 deadline)` (relayable;
    /// the money goes to `account`'s wallet only).
    /// @param account the member's trading account
    /// @param fen the amount, fen
    /// @param deadline the permit's or signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function withdrawBySig(address account, uint256 fen, uint256 deadline, bytes calldata signature) external;

    // ---- market contracts (MARKET_ROLE) ----

    /// @notice Lock `fen` of `account`'s available money behind a bid or deposit.
    /// @param account the member's trading account
    /// @param fen the amount, fen
    function lock(address account, uint256 fen) external;

    /// @notice Release `fen` of `account`'s locked money (refund of a deposit or an outbid bid).
    /// @param account the member's trading account
    /// @param fen the amount, fen
    function unlock(address account, uint256 fen) external;

    /// @notice Settlement payment by book entry: `fen` of `from`'s locked money to `to`'s available.
    /// @param from the paying account or wallet
    /// @param to the receiving account or wallet
    /// @param fen the amount, fen
    function transferLocked(address from, address to, uint256 fen) external;

    /// @notice Pay `fen` of `from`'s money (locked if `fromLocked`, else available) to the wallet `to`.
    /// @param from the paying account or wallet
    /// @param to the receiving account or wallet
    /// @param fen the amount, fen
    /// @param fromLocked true when paid from locked money
    function payOut(address from, address to, uint256 fen, bool fromLocked) external;

    // ---- views ----

    /// @notice The money of `account`'s trading account, available and locked.
    /// @param account the member's trading account
    /// @return the funds, fen
    function fundsOf(address account) external view returns (Funds memory);

    /// @notice Σ of every account's available and locked money; equals this contract's token balance.
    /// @return the sum, fen
    function totalBooked() external view returns (uint256);
}
