"""The service's EIP-712 hashing (backend/chain/typed_data.py) gives the digest eth-account's
generic encoder gives, for every atomic type and for what only the generic encoder takes; the
signer recovered from it is the one who signed, and terms changed after signing are not theirs."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data, hash_domain
from eth_utils import keccak

from backend.chain.typed_data import (
    Domain,
    digest_of,
    domain_separator,
    recover_signer,
    sign,
    typed_data,
)

DOMAIN = Domain("PledgeBook", "1", 31337, "0x" + "ab" * 20)
FIELDS = [
    ("holder", "address"),
    ("bank", "address"),
    ("pollutant", "uint32"),
    ("quantityKg", "uint64"),
    ("change", "int128"),
    ("secured", "bool"),
    ("document", "bytes32"),
    ("short", "bytes4"),
    ("note", "string"),
    ("proof", "bytes"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


def _message(**changes):
    message = {
        "holder": Account.from_key(b"\x01" * 32).address,
        "bank": ("0x" + "cd" * 20),  # lower case, as some wallets send it
        "pollutant": 7,
        "quantityKg": 2**64 - 1,
        "change": -(2**127),
        "secured": True,
        "document": bytes(range(32)),
        "short": b"\x00\x01\x02\x03",
        "note": "化学需氧量 排污权",
        "proof": b"\xfe" * 70,
        "nonce": 2**256 - 1,
        "deadline": 1_900_000_000,
    }
    return {**message, **changes}


def _generic(full) -> bytes:
    signable = encode_typed_data(full_message=dict(full))
    return keccak(b"\x19\x01" + signable.header + signable.body)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"change": 5, "secured": False, "note": "", "proof": b""},
        {"pollutant": 0, "quantityKg": 0, "nonce": 0},
        {"bank": "0x" + "CD" * 20},  # upper case: no checksum to check
    ],
)
def test_flat_struct_digest_is_the_generic_encoders(changes):
    full = typed_data(DOMAIN, "Pledge", {"Pledge": FIELDS}, _message(**changes))
    assert digest_of(full) == _generic(full)
    assert domain_separator(full["domain"]) == bytes(hash_domain(full["domain"]))


def test_what_the_fast_path_leaves_is_hashed_by_the_generic_encoder():
    nested = {
        "types": {
            "EIP712Domain": typed_data(DOMAIN, "A", {"A": []}, {})["types"]["EIP712Domain"],
            "Order": [{"name": "leg", "type": "Leg"}, {"name": "ids", "type": "uint256[]"}],
            "Leg": [{"name": "kg", "type": "uint64"}],
        },
        "primaryType": "Order",
        "domain": DOMAIN.as_dict(),
        "message": {"leg": {"kg": 3}, "ids": [1, 2]},
    }
    assert digest_of(nested) == _generic(nested)
    # a number written as a decimal string: the generic encoder reads it
    full = typed_data(DOMAIN, "Pledge", {"Pledge": FIELDS}, _message(pollutant="7"))
    assert digest_of(full) == _generic(full)


def test_values_out_of_their_type_are_judged_as_before():
    too_big = typed_data(DOMAIN, "Pledge", {"Pledge": FIELDS}, _message(pollutant=2**32))
    with pytest.raises(Exception):  # noqa: B017 - eth-abi's own error, as before
        digest_of(too_big)
    # a mixed-case address whose checksum is wrong: hashed as the generic encoder hashes it
    # (the request's address fields are checked before: backend/chain/wallet_formats.py)
    bad_checksum = "0x" + "cD" * 20
    wrong = typed_data(DOMAIN, "Pledge", {"Pledge": FIELDS}, _message(bank=bad_checksum))
    assert digest_of(wrong) == _generic(wrong)


def test_recovered_signer_is_the_one_who_signed_these_terms():
    key = Account.from_key(b"\x07" * 32)
    full = typed_data(DOMAIN, "Pledge", {"Pledge": FIELDS}, _message(holder=key.address))
    signature = sign(full, key.key)
    assert recover_signer(full, signature) == key.address
    assert recover_signer(full, "0x" + signature.hex()) == key.address
    changed = typed_data(
        DOMAIN, "Pledge", {"Pledge": FIELDS}, _message(holder=key.address, quantityKg=1)
    )
    assert recover_signer(changed, signature) != key.address
