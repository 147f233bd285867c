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
    event Issued(address indexed to, uint256 fen, bytes32 indexed voucher, address indexed bank);
    /// @notice The bank burned `fen` of `from` and paid them out to `from`'s bank account.
    event Redeemed(address indexed from, uint256 fen, bytes32 indexed voucher, address indexed bank);

    error SettlementZeroAmount();

    /// @notice Issue `fen` to `to` against a deposit received by the settlement bank.
    function issue(address to, uint256 fen, bytes32 voucher) external;

    /// @notice Burn `fen` of `from` on a withdrawal the bank pays out. `from` authorises it by an
    /// allowance to the bank (`approve`, or `permit` signed in its wallet), unless `from` is the bank.
    function redeem(address from, uint256 fen, bytes32 voucher) external;

    /// @notice Every fen ever issued.
    function totalIssued() external view returns (uint256);

    /// @notice Every fen ever redeemed.
    function totalRedeemed() external view returns (uint256);
}
