// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {SignatureCheck} from "../utils/SignatureCheck.sol";
import {ISettlementToken} from "../interfaces/ISettlementToken.sol";
import {Roles} from "../access/Roles.sol";

/// @title SettlementToken
/// @notice Settlement yuan (fen) issued by the exchange's settlement bank against real deposits
/// (R-16). Holders approve spending by transaction or by an ERC-2612 permit signed in their wallet.
/// Money out (R-16): the holder signs a redemption to its bank account in its wallet (typed data
/// `Redemption`, relayable: no gas of its own); the amount waits in this contract until the bank
/// confirms the payout (burned) or refuses it (returned).
contract SettlementToken is ISettlementToken, ERC20Upgradeable, ERC20PermitUpgradeable, CouncilUpgradeable {
    bytes32 public constant SETTLEMENT_BANK_ROLE = Roles.SETTLEMENT_BANK;
    bytes32 public constant REDEMPTION_TYPEHASH = keccak256(
        "Redemption(address holder,uint256 amountFen,bytes32 bankAccount,uint256 nonce,uint256 deadline)"
    );

    uint256 private _issued;
    uint256 private _redeemed;
    uint256 private _pending;
    uint256 private _requestCount;
    mapping(uint256 id => RedemptionRequest) private _requests;

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        __ERC20_init("Settlement yuan", "CNYS");
        __ERC20Permit_init("Settlement yuan");
        _initCouncilAdmin(admin);
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
    function requestRedemptionBySig(
        address holder,
        uint256 amountFen,
        bytes32 bankAccount,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id) {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(REDEMPTION_TYPEHASH, holder, amountFen, bankAccount, _useNonce(holder), deadline))
        );
        if (!SignatureCheck.isValidNow(holder, digest, signature)) {
            revert ERC2612InvalidSigner(address(0), holder);
        }
        if (amountFen == 0) revert SettlementZeroAmount();
        id = ++_requestCount;
        _requests[id] = RedemptionRequest(holder, uint128(amountFen), bankAccount, RedemptionStatus.Requested);
        _pending += amountFen;
        emit RedemptionRequested(id, holder, amountFen, bankAccount);
        _transfer(holder, address(this), amountFen);
    }

    /// @inheritdoc ISettlementToken
    function confirmRedemption(uint256 id, bytes32 voucher) external onlyRole(SETTLEMENT_BANK_ROLE) {
        RedemptionRequest storage r = _open(id);
        uint256 fen = r.amountFen;
        r.status = RedemptionStatus.PaidOut;
        _pending -= fen;
        _redeemed += fen;
        emit Redeemed(r.holder, fen, voucher, msg.sender);
        emit RedemptionPaid(id, voucher);
        _burn(address(this), fen);
    }

    /// @inheritdoc ISettlementToken
    function rejectRedemption(uint256 id, string calldata reason) external onlyRole(SETTLEMENT_BANK_ROLE) {
        RedemptionRequest storage r = _open(id);
        uint256 fen = r.amountFen;
        r.status = RedemptionStatus.Rejected;
        _pending -= fen;
        emit RedemptionRejected(id, reason, msg.sender);
        _transfer(address(this), r.holder, fen);
    }

    /// @inheritdoc ISettlementToken
    function redemption(uint256 id) external view returns (RedemptionRequest memory) {
        return _requests[id];
    }

    /// @inheritdoc ISettlementToken
    function redemptionCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @inheritdoc ISettlementToken
    function pendingRedemptions() external view returns (uint256) {
        return _pending;
    }

    /// @inheritdoc ISettlementToken
    function nonces(address owner) public view override(ERC20PermitUpgradeable, ISettlementToken) returns (uint256) {
        return super.nonces(owner);
    }

    function _open(uint256 id) private view returns (RedemptionRequest storage r) {
        r = _requests[id];
        if (r.status != RedemptionStatus.Requested) revert SettlementRedemptionNotOpen(id, r.status);
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
