// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ISettlementToken} from "../interfaces/ISettlementToken.sol";
import {Roles} from "../access/Roles.sol";

/// @title SettlementToken
/// @notice Settlement yuan (fen) issued by the exchange's settlement bank against real deposits
/// (R-16). Holders approve spending by transaction or by an ERC-2612 permit signed in their wallet.
contract SettlementToken is ISettlementToken, ERC20, ERC20Permit, AccessControl {
    bytes32 public constant SETTLEMENT_BANK_ROLE = Roles.SETTLEMENT_BANK;

    uint256 private _issued;
    uint256 private _redeemed;

    constructor(address admin) ERC20("Settlement yuan", "CNYS") ERC20Permit("Settlement yuan") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Amounts are fen: 2 decimals.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @inheritdoc ISettlementToken
    function issue(address to, uint256 fen, bytes32 voucher) external onlyRole(SETTLEMENT_BANK_ROLE) {
        if (fen == 0) revert SettlementZeroAmount();
        _issued += fen;
        _mint(to, fen);
        emit Issued(to, fen, voucher, msg.sender);
    }

    /// @inheritdoc ISettlementToken
    function redeem(address from, uint256 fen, bytes32 voucher) external onlyRole(SETTLEMENT_BANK_ROLE) {
        if (fen == 0) revert SettlementZeroAmount();
        if (from != msg.sender) _spendAllowance(from, msg.sender, fen);
        _redeemed += fen;
        _burn(from, fen);
        emit Redeemed(from, fen, voucher, msg.sender);
    }

    /// @inheritdoc ISettlementToken
    function totalIssued() external view returns (uint256) {
        return _issued;
    }

    /// @inheritdoc ISettlementToken
    function totalRedeemed() external view returns (uint256) {
        return _redeemed;
    }
}
