// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {PledgeBook} from "../registry/PledgeBook.sol";
import {SettlementToken} from "../market/SettlementToken.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {RightsLedger} from "../registry/RightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPolicyBook} from "../interfaces/IPolicyBook.sol";

/// @notice TESTS ONLY: the next version of the pledge book (one view added, every stored
/// variable where it was), which the upgrade tests install through the council.
contract PledgeBookV2 is PledgeBook {
    constructor(IRightsLedger ledger_, IAccountRegistry registry_) PledgeBook(ledger_, registry_) {}

    /// @notice The code's version (1 before the upgrade had no such view).
    function codeVersion() external pure returns (uint256) {
        return 2;
    }
}

/// @notice TESTS ONLY: the next version of the settlement money (one view added).
contract SettlementTokenV2 is SettlementToken {
    /// @notice The code's version (1 before the upgrade had no such view).
    function codeVersion() external pure returns (uint256) {
        return 2;
    }
}

/// @notice TESTS ONLY: one variable placed before the pledge book's own.
abstract contract InsertedVariable {
    uint256 private _inserted;
}

/// @notice TESTS ONLY: a replacement that would move every stored variable of the pledge book by
/// one slot; the storage-layout check refuses it (backend/toolchain/storage_layout.py).
contract PledgeBookShifted is InsertedVariable, PledgeBook {
    constructor(IRightsLedger ledger_, IAccountRegistry registry_) PledgeBook(ledger_, registry_) {}
}

/// @notice TESTS ONLY: the next version of the rights ledger (one view added).
contract RightsLedgerV2 is RightsLedger {
    constructor(IAccountRegistry registry_, IPolicyBook policy_) RightsLedger(registry_, policy_) {}

    /// @notice The code's version (1 before the upgrade had no such view).
    function codeVersion() external pure returns (uint256) {
        return 2;
    }
}
