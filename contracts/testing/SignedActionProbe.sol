// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Roles} from "../access/Roles.sol";
import {SignedActions} from "../utils/SignedActions.sol";
import {ISignedActionProbe} from "./ISignedActionProbe.sol";

/// @title SignedActionProbe
/// @notice TEST ONLY: the reference implementation of the signed-action pattern (docs/signing.md).
contract SignedActionProbe is ISignedActionProbe, AccessControl, SignedActions {
    /// The probe stands in for the exchange: its operator role is the exchange operator's.
    bytes32 public constant OPERATOR_ROLE = Roles.EXCHANGE_OPERATOR;
    bytes32 public constant TRANSFER_TYPEHASH = keccak256(
        "Transfer(address from,address to,uint32 pollutant,uint64 kg,uint256 nonce,uint256 deadline)"
    );

    struct Account {
        bool open;
        bool frozen;
    }

    mapping(address holder => Account) private _accounts;
    mapping(address holder => mapping(uint32 pollutant => uint64 kg)) private _balances;

    constructor(address admin) SignedActions("SignedActionProbe", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, admin);
    }

    /// @inheritdoc ISignedActionProbe
    function openAccount(address holder) external onlyRole(OPERATOR_ROLE) {
        _accounts[holder].open = true;
        emit ProbeAccountOpened(holder);
    }

    /// @inheritdoc ISignedActionProbe
    function credit(address holder, uint32 pollutant, uint64 kg) external onlyRole(OPERATOR_ROLE) {
        _credit(holder, pollutant, kg);
    }

    /// @inheritdoc ISignedActionProbe
    function creditMany(address[] calldata holders, uint32 pollutant, uint64 kg) external onlyRole(OPERATOR_ROLE) {
        for (uint256 i = 0; i < holders.length; ++i) {
            _credit(holders[i], pollutant, kg);
        }
    }

    /// @inheritdoc ISignedActionProbe
    function freeze(address holder) external onlyRole(OPERATOR_ROLE) {
        if (!_accounts[holder].open) revert ProbeUnknownAccount(holder);
        _accounts[holder].frozen = true;
        emit ProbeAccountFrozen(holder);
    }

    /// @inheritdoc ISignedActionProbe
    function transferBySig(
        address from,
        address to,
        uint32 pollutant,
        uint64 kg,
        uint256 deadline,
        bytes calldata signature
    ) external {
        uint256 nonce = nonces(from);
        _useSignature(from, abi.encode(TRANSFER_TYPEHASH, from, to, pollutant, kg), deadline, signature);
        _requireAllowed(from, to, pollutant, kg);
        _balances[from][pollutant] -= kg;
        _balances[to][pollutant] += kg;
        emit ProbeTransferred(from, to, pollutant, kg, nonce);
    }

    /// @inheritdoc ISignedActionProbe
    function canTransfer(address from, address to, uint32 pollutant, uint64 kg) public view returns (Reason) {
        if (kg == 0) return Reason.ZeroQuantity;
        if (from == to) return Reason.SelfTransfer;
        if (!_accounts[from].open || !_accounts[to].open) return Reason.UnknownAccount;
        if (_accounts[from].frozen || _accounts[to].frozen) return Reason.FrozenAccount;
        if (_balances[from][pollutant] < kg) return Reason.InsufficientBalance;
        return Reason.Ok;
    }

    /// @inheritdoc ISignedActionProbe
    function balanceOf(address holder, uint32 pollutant) external view returns (uint64) {
        return _balances[holder][pollutant];
    }

    /// @inheritdoc ISignedActionProbe
    function isOpen(address holder) external view returns (bool) {
        return _accounts[holder].open;
    }

    function _credit(address holder, uint32 pollutant, uint64 kg) private {
        if (!_accounts[holder].open) revert ProbeUnknownAccount(holder);
        if (kg == 0) revert ProbeZeroQuantity();
        _balances[holder][pollutant] += kg;
        emit ProbeCredited(holder, pollutant, kg);
    }

    /// @dev Reverts with the custom error of the first rule `canTransfer` reports, so the
    /// pre-check and the action can never disagree.
    function _requireAllowed(address from, address to, uint32 pollutant, uint64 kg) private view {
        Reason reason = canTransfer(from, to, pollutant, kg);
        if (reason == Reason.Ok) return;
        if (reason == Reason.ZeroQuantity) revert ProbeZeroQuantity();
        if (reason == Reason.SelfTransfer) revert ProbeSelfTransfer(from);
        if (reason == Reason.UnknownAccount) revert ProbeUnknownAccount(_accounts[from].open ? to : from);
        if (reason == Reason.FrozenAccount) revert ProbeFrozenAccount(_accounts[from].frozen ? from : to);
        revert ProbeInsufficientBalance(from, pollutant, kg, _balances[from][pollutant]);
    }
}
