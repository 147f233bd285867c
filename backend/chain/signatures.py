"""Signatures as parties send them: an account's 65 bytes or a contract wallet's (ERC-1271).

An account's signature is ``r‖s‖v`` with a low ``s`` (as OpenZeppelin's ``ECDSA`` requires); a
contract wallet (a multi-signature, a smart account) signs by answering ``isValidSignature``
with the ERC-1271 magic value for the digest it approves.
"""

from __future__ import annotations

import re

from eth_abi import encode as abi_encode
from web3.exceptions import ContractLogicError

from backend.chain.client import Chain
from backend.chain.errors import ServiceError

SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


ERC1271_MAGIC = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)


MAX_CONTRACT_SIGNATURE = 4096


def contract_signature(text: str) -> bytes:
    """A contract wallet's signature: any bytes (multi-signature wallets concatenate)."""
    if not isinstance(text, str) or not re.fullmatch(r"0x(?:[0-9a-fA-F]{2})+", text):
        raise ServiceError("SignatureMalformed", "expected 0x followed by hex bytes")
    if len(text) > 2 + 2 * MAX_CONTRACT_SIGNATURE:
        raise ServiceError("SignatureMalformed", f"longer than {MAX_CONTRACT_SIGNATURE} bytes")
    return bytes.fromhex(text[2:])


def erc1271_accepts(chain: Chain, wallet: str, digest: bytes, signature: bytes) -> bool:
    data = ERC1271_MAGIC + abi_encode(["bytes32", "bytes"], [digest, signature])
    try:
        answer = chain.w3.eth.call({"to": wallet, "data": "0x" + data.hex()})
    except (ContractLogicError, ValueError):
        return False
    return bytes(answer)[:4] == ERC1271_MAGIC


def parse_signature(text: str) -> bytes:
    """A 65-byte ``r‖s‖v`` signature, ``v`` normalised to 27/28, low ``s`` (as OpenZeppelin)."""
    if not isinstance(text, str) or not re.fullmatch(r"0x[0-9a-fA-F]{130}", text):
        raise ServiceError("SignatureMalformed", "expected 0x followed by 130 hex digits")
    raw = bytearray(bytes.fromhex(text[2:]))
    if raw[64] in (0, 1):
        raw[64] += 27
    if raw[64] not in (27, 28):
        raise ServiceError("SignatureMalformed", f"recovery id v={raw[64]} is not 27 or 28")
    if int.from_bytes(raw[32:64], "big") > SECP256K1_HALF_N:
        raise ServiceError("SignatureMalformed", "s is in the upper half of the curve order")
    return bytes(raw)


def account_signature(text: str) -> bytes | None:
    """``text`` as an account's signature, or ``None`` if it is not one (it may still be a
    contract wallet's)."""
    try:
        return parse_signature(text)
    except ServiceError:
        return None
