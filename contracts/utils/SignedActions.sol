// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {SignatureCheck} from "./SignatureCheck.sol";

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
        if (!SignatureCheck.isValidNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert SignedActionInvalidSignature(signer);
        }
    }
}
