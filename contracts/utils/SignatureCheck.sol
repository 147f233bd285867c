// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title SignatureCheck
/// @notice Whether `signer` signed `digest`: its account key (ECDSA) or, for a contract wallet,
/// its ERC-1271 `isValidSignature`. The one signature check of the product: every signed action
/// (`SignedActions` and the contracts built on it, the settlement token's redemption,
/// the oracle's signed attestations) asks it; no contract recovers a signer on its own.
library SignatureCheck {
    /// @dev OpenZeppelin's SignatureChecker.isValidSignatureNow for ECDSA and ERC-1271 signers,
    /// ECDSA first (as Solady's SignatureCheckerLib): a signature the signer's key made is valid
    /// without reading the signer's code (a cold account access, 2 600 gas per signature); only
    /// when it is not does the signer's code decide (ERC-1271). No key can be found for a
    /// contract's address, so a contract wallet's signatures are still only ERC-1271's.
    /// (OpenZeppelin 5.4's SignatureChecker pulls in `mcopy`, which the paris EVM target lacks.)
    function isValidNow(address signer, bytes32 digest, bytes calldata signature)
        internal
        view
        returns (bool)
    {
        if (signature.length == 65) {
            // r‖s‖v read from calldata as they are, without copying the signature to memory
            (address recovered, ECDSA.RecoverError err, bytes32 detail) = ECDSA.tryRecover(
                digest, uint8(signature[64]), bytes32(signature[0:32]), bytes32(signature[32:64])
            );
            if (err == ECDSA.RecoverError.NoError && detail == bytes32(0) && recovered == signer) return true;
        }
        if (signer.code.length == 0) return false;
        (bool ok, bytes memory result) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        return ok && result.length >= 32 && abi.decode(result, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }
}
