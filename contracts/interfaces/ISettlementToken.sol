// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ISettlementToken
/// @notice The exchange's settlement money (R-16): yuan in fen (2 decimals), issued by the
/// exchange's settlement bank against real deposits in its books and redeemed (burned) when the
/// holder withdraws to a bank account. Deposits (交易保证金), paid-use fees and trade payments are
/// made in it. `totalIssued() − totalRedeemed() = totalSupply()` at all times.
interface ISettlementToken {
    /// @notice The bank credited `to` with `fen` against a deposit it received (`voucher`: the
    /// bank's own voucher number, public so that the deposit can be traced).
    /// @param to the credited holder
    /// @param fen the amount, fen
    /// @param voucher the bank's reference of the money movement
    /// @param bank the settlement bank's account that acted
    event Issued(address indexed to, uint256 fen, bytes32 indexed voucher, address indexed bank);
    /// @notice The bank burned `fen` of `from` and paid them out to `from`'s bank account.
    /// @param from the holder whose money is burned
    /// @param fen the amount, fen
    /// @param voucher the bank's reference of the money movement
    /// @param bank the settlement bank's account that acted
    event Redeemed(address indexed from, uint256 fen, bytes32 indexed voucher, address indexed bank);

    /// @notice A holder's request to be paid out to its bank account (R-16).
    enum RedemptionStatus {
        None,
        Requested, // the amount waits in this contract
        PaidOut, // the bank paid it to the account and burned it
        Rejected // the bank refused it (e.g. an unknown account): the amount went back
    }

    struct RedemptionRequest {
        address holder;
        uint128 amountFen;
        bytes32 bankAccount; // keccak256 of the account's details: personal data stays off chain
        RedemptionStatus status;
    }

    /// @notice `holder` asked to be paid `fen` out to the bank account whose hash is `bankAccount`.
    /// @param id the redemption's number
    /// @param holder the rights holder's account
    /// @param fen the amount, fen
    /// @param bankAccount keccak256 of the bank account's details (personal data stays off chain)
    event RedemptionRequested(uint256 indexed id, address indexed holder, uint256 fen, bytes32 bankAccount);
    /// @notice The bank paid redemption `id` out (`voucher`: its payment reference, hashed).
    /// @param id the redemption's number
    /// @param voucher the bank's reference of the money movement
    event RedemptionPaid(uint256 indexed id, bytes32 voucher);
    /// @notice The bank refused redemption `id`; the money went back to the holder.
    /// @param id the redemption's number
    /// @param reason why the bank refused, in words
    /// @param bank the settlement bank's account that acted
    event RedemptionRejected(uint256 indexed id, string reason, address indexed bank);

    /// @notice An amount of zero fen.
    error SettlementZeroAmount();
    /// @notice The redemption is no longer waiting for the bank (paid out or refused).
    /// @param id the redemption's number
    /// @param status its status
    error SettlementRedemptionNotOpen(uint256 id, RedemptionStatus status);

    /// @notice Issue `fen` to `to` against a deposit received by the settlement bank.
    /// @param to the credited holder
    /// @param fen the amount, fen
    /// @param voucher the bank's reference of the money movement
    function issue(address to, uint256 fen, bytes32 voucher) external;

    /// @notice Burn `fen` of `from` on a withdrawal the bank pays out. `from` authorises it by an
    /// allowance to the bank (`approve`, or `permit` signed in its wallet), unless `from` is the bank.
    /// @param from the holder whose money is burned
    /// @param fen the amount, fen
    /// @param voucher the bank's reference of the money movement
    function redeem(address from, uint256 fen, bytes32 voucher) external;

    /// @notice The holder's signed request to be paid `amountFen` out to its bank account, typed
    /// data `Redemption(address holder,uint256 amountFen,bytes32 bankAccount,uint256 nonce,uint256 deadline)`
    /// under this token's domain, with its permit nonce (relayable: the holder needs no gas). The
    /// amount leaves the holder's wallet and waits here for the bank.
    /// @param holder the rights holder's account
    /// @param amountFen the amount, fen
    /// @param bankAccount keccak256 of the bank account's details (personal data stays off chain)
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    /// @return id the redemption's number
    function requestRedemptionBySig(
        address holder,
        uint256 amountFen,
        bytes32 bankAccount,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice The settlement bank paid redemption `id` out: its amount is burned (`Redeemed`).
    /// @param id the redemption's number
    /// @param voucher the bank's reference of the money movement
    function confirmRedemption(uint256 id, bytes32 voucher) external;

    /// @notice The settlement bank refuses redemption `id`: its amount goes back to the holder.
    /// @param id the redemption's number
    /// @param reason why the bank refused, in words
    function rejectRedemption(uint256 id, string calldata reason) external;

    /// @notice The redemption request numbered `id`.
    /// @param id the redemption's number
    /// @return the request
    function redemption(uint256 id) external view returns (RedemptionRequest memory);
    /// @notice How many redemptions were requested (numbers 1 … this).
    /// @return the number of requests
    function redemptionCount() external view returns (uint256);

    /// @notice Money waiting for the bank's payout (part of `totalSupply`, held by this contract).
    /// @return the amount, fen
    function pendingRedemptions() external view returns (uint256);

    /// @notice The next signature nonce of `owner` (its permits and redemptions).
    /// @param owner the holder
    /// @return the nonce
    function nonces(address owner) external view returns (uint256);

    /// @notice Every fen ever issued.
    /// @return the amount, fen
    function totalIssued() external view returns (uint256);

    /// @notice Every fen ever redeemed.
    /// @return the amount, fen
    function totalRedeemed() external view returns (uint256);
}
