// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Roles} from "../access/Roles.sol";

/// @title RelayBatch
/// @notice Many signed actions in one transaction. The service's relayer collects the signed
/// orders that arrive together (each already checked on its own: its pre-check and simulation)
/// and sends them here as one batch. Each call runs on its own: a call that reverts is reported
/// with its revert data in `CallRelayed` and the batch goes on, so one refused order never fails
/// the others. The batch holds no rights, money or roles anywhere: every call it makes is a
/// `…BySig` entry point (or a permit) that checks its signer's signature itself, so calling
/// through the batch grants nothing that calling directly would not. OpenZeppelin's `Multicall`
/// does not fit: it delegate-calls one contract and reverts the whole batch on the first failure.
contract RelayBatch is AccessControl {
    /// The service's relayer keys (docs/operations.md: granted by the council's time lock).
    bytes32 public constant RELAYER_ROLE = Roles.RELAYER;
    /// More calls than this in one batch are refused (a batch must fit a block with room to spare).
    uint256 public constant MAX_CALLS = 256;

    struct Call {
        address target;
        bytes data;
    }

    /// One per call of a batch, in order, after the call's own events: `ok` false means the call
    /// reverted (nothing of it happened) with `revertData` (the target's custom error).
    event CallRelayed(uint256 indexed index, address indexed target, bool ok, uint256 gasUsed, bytes revertData);

    error RelayBatchEmpty();
    error RelayBatchTooLarge(uint256 calls, uint256 maxCalls);
    /// The revert data of a call to an address without code (reported in `CallRelayed`).
    error RelayTargetNotContract(uint256 index, address target);

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Run each call in order, each isolated from the others; returns each call's outcome
    /// and, for a call that reverted, its revert data (what `CallRelayed` reports).
    function relay(Call[] calldata calls)
        external
        onlyRole(RELAYER_ROLE)
        returns (bool[] memory ok, bytes[] memory revertData)
    {
        uint256 n = calls.length;
        if (n == 0) revert RelayBatchEmpty();
        if (n > MAX_CALLS) revert RelayBatchTooLarge(n, MAX_CALLS);
        ok = new bool[](n);
        revertData = new bytes[](n);
        for (uint256 i = 0; i < n; ++i) {
            address target = calls[i].target;
            uint256 before = gasleft();
            bytes memory result;
            if (target.code.length == 0) {
                result = abi.encodeWithSelector(RelayTargetNotContract.selector, i, target);
            } else {
                (ok[i], result) = target.call(calls[i].data);
            }
            if (!ok[i]) revertData[i] = result;
            emit CallRelayed(i, target, ok[i], before - gasleft(), revertData[i]);
        }
    }
}
