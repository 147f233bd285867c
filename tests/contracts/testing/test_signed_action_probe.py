"""The reference signed action (docs/signing.md): signature, nonce, deadline, pre-check.

Each reason code of ``canTransfer`` names the custom error ``transferBySig`` reverts with,
so the service's pre-check and the contract can never disagree.
"""

import pytest
from brownie import chain

from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key
from backend.chain.typed_data import domain_of, sign, typed_data
from tests.helpers import reverts

POLLUTANT = 2
FIELDS = [
    ("from", "address"),
    ("to", "address"),
    ("pollutant", "uint32"),
    ("kg", "uint64"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


@pytest.fixture(scope="module")
def probe(regulator):
    from brownie import SignedActionProbe

    return SignedActionProbe.deploy(regulator, {"from": regulator})


@pytest.fixture(scope="module")
def keys():
    return [dev_key(FIRST_COMPANY_INDEX + i) for i in range(3)]


@pytest.fixture(scope="module", autouse=True)
def opened(probe, regulator, keys):
    for key in keys[:2]:
        probe.openAccount(key.address, {"from": regulator})
    probe.credit(keys[0].address, POLLUTANT, 1_000, {"from": regulator})


def signed_transfer(probe, signer, frm, to, kg, *, nonce=None, deadline=None):
    """Arguments of ``transferBySig`` as ``signer`` signs them in its wallet."""
    from brownie import web3

    contract = web3.eth.contract(address=probe.address, abi=probe.abi)
    nonce = probe.nonces(frm) if nonce is None else nonce
    deadline = chain.time() + 600 if deadline is None else deadline
    message = {
        "from": frm,
        "to": to,
        "pollutant": POLLUTANT,
        "kg": kg,
        "nonce": nonce,
        "deadline": deadline,
    }
    data = typed_data(domain_of(contract), "Transfer", {"Transfer": FIELDS}, message)
    return frm, to, POLLUTANT, kg, deadline, sign(data, signer.private_key)


def test_typehash_is_the_documented_struct(probe):
    from eth_utils import keccak

    encoded = "Transfer(" + ",".join(f"{t} {n}" for n, t in FIELDS) + ")"
    assert bytes(probe.TRANSFER_TYPEHASH()) == keccak(text=encoded)


def test_signed_transfer_moves_rights_and_uses_the_nonce(probe, keys, accounts):
    acme, beta = keys[0], keys[1]
    args = signed_transfer(probe, acme, acme.address, beta.address, 300)
    tx = probe.transferBySig(*args, {"from": accounts[9]})  # anyone may submit it
    assert probe.balanceOf(beta.address, POLLUTANT) == 300
    assert probe.nonces(acme.address) == 1
    assert tx.events["ProbeTransferred"]["nonce"] == 0


def test_replayed_signature_is_refused(probe, keys, accounts):
    acme, beta = keys[0], keys[1]
    args = signed_transfer(probe, acme, acme.address, beta.address, 300)
    probe.transferBySig(*args, {"from": accounts[9]})
    with reverts("SignedActionInvalidSignature", acme.address):
        probe.transferBySig(*args, {"from": accounts[9]})
    assert probe.balanceOf(beta.address, POLLUTANT) == 300


def test_signature_of_another_account_is_refused(probe, keys, accounts):
    acme, beta = keys[0], keys[1]
    args = signed_transfer(probe, beta, acme.address, beta.address, 300)
    with reverts("SignedActionInvalidSignature", acme.address):
        probe.transferBySig(*args, {"from": accounts[9]})


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _malleated(signature: bytes) -> bytes:
    """The same signature with s → n − s and v flipped: valid for ecrecover, not canonical."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 ↔ 28


@pytest.mark.parametrize(
    "mangle",
    [
        _malleated,
        lambda sig: sig[:64],  # no v
        lambda sig: sig + b"\x00",  # a byte too many
        lambda sig: sig[:64] + bytes([sig[64] + 2]),  # v neither 27 nor 28
        lambda sig: b"",
    ],
    ids=["high_s", "64_bytes", "66_bytes", "bad_v", "empty"],
)
def test_malformed_signatures_are_refused_and_change_nothing(probe, keys, accounts, mangle):
    """Only a canonical 65-byte r‖s‖v signature of the signer's key counts: the high-s twin of a
    valid signature (which ecrecover would accept), a wrong length or v are refused, no nonce moves
    and no right moves; the untouched signature then still works."""
    acme, beta = keys[0], keys[1]
    *args, signature = signed_transfer(probe, acme, acme.address, beta.address, 10)
    before = (probe.nonces(acme.address), probe.balanceOf(beta.address, POLLUTANT))
    with reverts("SignedActionInvalidSignature", acme.address):
        probe.transferBySig(*args, mangle(bytes(signature)), {"from": accounts[9]})
    assert (probe.nonces(acme.address), probe.balanceOf(beta.address, POLLUTANT)) == before
    probe.transferBySig(*args, signature, {"from": accounts[9]})
    assert probe.nonces(acme.address) == before[0] + 1


def test_expired_signature_is_refused(probe, keys, accounts):
    acme, beta = keys[0], keys[1]
    deadline = chain.time() + 60
    args = signed_transfer(probe, acme, acme.address, beta.address, 300, deadline=deadline)
    chain.sleep(120)
    with reverts("SignedActionExpired"):
        probe.transferBySig(*args, {"from": accounts[9]})
    assert probe.nonces(acme.address) == 0


@pytest.mark.parametrize(
    ("case", "reason", "error"),
    [
        ("zero", 1, "ProbeZeroQuantity"),
        ("self", 2, "ProbeSelfTransfer"),
        ("unknown", 3, "ProbeUnknownAccount"),
        ("frozen", 4, "ProbeFrozenAccount"),
        ("too-much", 5, "ProbeInsufficientBalance"),
    ],
)
def test_reason_code_names_the_revert(probe, regulator, keys, accounts, case, reason, error):
    acme, beta, stranger = keys
    to = {"self": acme, "unknown": stranger}.get(case, beta).address
    kg = {"zero": 0, "too-much": 5_000}.get(case, 10)
    if case == "frozen":
        probe.freeze(beta.address, {"from": regulator})
    assert probe.canTransfer(acme.address, to, POLLUTANT, kg) == reason
    with reverts(error):
        probe.transferBySig(
            *signed_transfer(probe, acme, acme.address, to, kg), {"from": accounts[9]}
        )
    assert probe.balanceOf(acme.address, POLLUTANT) == 1_000


def test_pre_check_is_ok_for_an_allowed_transfer(probe, keys):
    assert probe.canTransfer(keys[0].address, keys[1].address, POLLUTANT, 1_000) == 0


def test_operator_functions_need_the_role(probe, keys, accounts):
    with reverts("AccessControlUnauthorizedAccount"):
        probe.credit(keys[0].address, POLLUTANT, 1, {"from": accounts[12]})
    with reverts("AccessControlUnauthorizedAccount"):
        probe.openAccount(accounts[13], {"from": accounts[12]})
    with reverts("AccessControlUnauthorizedAccount"):
        probe.freeze(keys[0].address, {"from": accounts[12]})
