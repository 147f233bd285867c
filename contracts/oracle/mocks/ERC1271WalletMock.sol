// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ERC1271WalletMock
/// @notice Test double of a verifier organisation's contract wallet (ERC-1271): it approves a
/// digest signed by its owner key. Used only by the tests; never deployed by the deploy script.
contract ERC1271WalletMock is IERC1271 {
    address private immutable _owner;

    constructor(address owner) {
        _owner = owner;
    }

    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError error, bytes32 detail) = ECDSA.tryRecover(digest, signature);
        return error == ECDSA.RecoverError.NoError && detail == bytes32(0) && recovered == _owner ? this.isValidSignature.selector : bytes4(0);
    }
}
