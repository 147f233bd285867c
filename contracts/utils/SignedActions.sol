// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title SignedActions
/// @notice Actions a party signs in its own wallet as EIP-712 typed data and anyone may submit
/// (the service's relayer). Each action's struct ends with `uint256 nonce,uint256 deadline`; the
/// nonce is the signer's next one (so a signature works once), the deadline is checked here, and
/// the domain binds the signature to this contract on this chain. Contract wallets (ERC-1271) sign
/// too. The domain is readable through ERC-5267 `eip712Domain()`.
abstract contract SignedActions is EIP712, Nonces {
    error SignedActionExpired(uint256 deadline, uint256 nowTime);
    error SignedActionInvalidSignature(address signer);

    /// @param version "1", raised whenever one of the contract's signed structs changes (docs/signing.md)
    constructor(string memory name, string memory version) EIP712(name, version) {}

    /// @dev Consumes `signer`'s nonce: `structHead` is the abi-encoded struct fields
    /// before `nonce` (type hash first); the nonce and deadline are appended here.
    function _useSignature(address signer, bytes memory structHead, uint256 deadline, bytes calldata signature)
        internal
    {
        if (block.timestamp > deadline) revert SignedActionExpired(deadline, block.timestamp);
        bytes32 structHash = keccak256(bytes.concat(structHead, bytes32(_useNonce(signer)), bytes32(deadline)));
        if (!_isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert SignedActionInvalidSignature(signer);
        }
    }

    /// @dev OpenZeppelin's SignatureChecker.isValidSignatureNow for ECDSA and ERC-1271 signers,
    /// ECDSA first (as Solady's SignatureCheckerLib): a signature the signer's key made is valid
    /// without reading the signer's code (a cold account access, 2 600 gas per signature); only
    /// when it is not does the signer's code decide (ERC-1271). No key can be found for a
    /// contract's address, so a contract wallet's signatures are still only ERC-1271's.
    /// (OpenZeppelin 5.4's SignatureChecker pulls in `mcopy`, which the paris EVM target lacks.)
    function _isValidSignatureNow(address signer, bytes32 digest, bytes calldata signature)
        private
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
