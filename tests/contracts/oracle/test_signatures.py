"""Attestations signed by the verifier's own key and relayed by anyone (R-23, EIP-712)."""

from __future__ import annotations

import brownie

from backend.chain.typed_data import Domain, recover_signer
from backend.oracle.attestation import attestation_typed_data
from tests.contracts.oracle.conftest import COD, DAY, PERIOD, raw
from tests.helpers import reverts


def test_relayed_attestation_counts_for_the_signer_R23(
    oracle, make_signed, verifier_a, relayer, unit, domain
):
    """R-23: a relayer submits what the verifier signed; the verifier is on record, not it."""
    attestation, signature = make_signed(verifier_a, unit, COD, 4_321)
    assert recover_signer(attestation_typed_data(domain, attestation), signature) == verifier_a
    tx = oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})
    assert tx.events["UsageAttested"]["verifier"] == verifier_a
    exists, record = oracle.attestationOf(unit, COD, PERIOD, verifier_a)
    assert exists and record["kg"] == 4_321
    assert oracle.attestationOf(unit, COD, PERIOD, relayer)[0] is False
    assert oracle.nonceUsed(verifier_a, attestation.nonce)


def test_domain_is_read_from_the_contract_R23(oracle, domain):
    """R-23: the signing domain is the oracle's ERC-5267 domain on this chain."""
    assert domain == Domain("VerificationOracle", "1", brownie.chain.id, oracle.address)


def test_contract_digest_matches_the_signed_typed_data_R23(
    oracle, make_signed, verifier_a, unit, domain
):
    """R-23: the contract hashes exactly the struct the wallet shows."""
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak

    attestation, _ = make_signed(verifier_a, unit, COD, 1)
    signable = encode_typed_data(full_message=attestation_typed_data(domain, attestation))
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert oracle.hashAttestation(attestation.as_tuple()) == "0x" + digest.hex()


def test_signature_not_replayable_R23(oracle, make_signed, verifier_a, verifier_b, relayer, unit):
    """R-23: a signed attestation works once: its nonce is consumed."""
    attestation, signature = make_signed(verifier_a, unit, COD, 500)
    oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})
    with reverts("OracleNonceUsed", verifier_a, attestation.nonce):
        oracle.attestBySig(attestation.as_tuple(), signature, {"from": verifier_b})


def test_signature_after_deadline_refused_R23(oracle, make_signed, verifier_a, relayer, unit):
    """R-23: a signature cannot be used after its deadline."""
    deadline = brownie.chain.time() + DAY
    attestation, signature = make_signed(verifier_a, unit, COD, 500, deadline=deadline)
    brownie.chain.sleep(2 * DAY)
    brownie.chain.mine()
    with reverts("OracleSignatureExpired"):
        oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})
    assert oracle.attestationCount(unit, COD, PERIOD) == 0


def test_signature_for_another_contract_refused_R23(
    oracle, make_signed, verifier_a, relayer, regulator, unit, domain
):
    """R-23: a signature made for another oracle (or another chain) is not valid here."""
    other_contract = Domain(domain.name, domain.version, domain.chain_id, relayer.address)
    other_chain = Domain(
        domain.name, domain.version, domain.chain_id + 1, domain.verifying_contract
    )
    for wrong in (other_contract, other_chain):
        attestation, signature = make_signed(verifier_a, unit, COD, 500, sign_domain=wrong)
        with reverts("OracleInvalidSignature", verifier_a):
            oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})


def test_tampered_attestation_refused_R23(oracle, make_signed, verifier_a, relayer, unit):
    """R-23: a relayer cannot change the figure it relays."""
    attestation, signature = make_signed(verifier_a, unit, COD, 500)
    fields = attestation.as_tuple()
    tampered = (*fields[:4], 5_000, *fields[5:])
    with reverts("OracleInvalidSignature", verifier_a):
        oracle.attestBySig(tampered, signature, {"from": relayer})


def test_signature_by_someone_else_refused_R23(oracle, make_signed, verifier_a, verifier_b, unit):
    """R-23: a verifier cannot sign in another verifier's name."""
    attestation, signature = make_signed(verifier_a, unit, COD, 500, signer=verifier_b)
    with reverts("OracleInvalidSignature", verifier_a):
        oracle.attestBySig(attestation.as_tuple(), signature, {"from": verifier_b})


def test_non_verifier_refused_R23(oracle, make_signed, relayer, unit, companies):
    """R-23: only holders of VERIFIER_ROLE attest, directly or by signature."""
    role = oracle.VERIFIER_ROLE()
    outsider = companies[2]
    with reverts("AccessControlUnauthorizedAccount", outsider, raw(role)):
        oracle.attest(unit, COD, PERIOD, 1, b"\x01" * 32, {"from": outsider})
    attestation, signature = make_signed(outsider, unit, COD, 1)
    with reverts("AccessControlUnauthorizedAccount", outsider, raw(role)):
        oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})
    # the unit itself cannot attest its own usage either
    with reverts("AccessControlUnauthorizedAccount", unit, raw(role)):
        oracle.attest(unit, COD, PERIOD, 1, b"\x01" * 32, {"from": unit})
    assert oracle.attestationCount(unit, COD, PERIOD) == 0


def test_revoked_verifier_refused_R23(oracle, make_signed, regulator, verifier_a, relayer, unit):
    """R-23: a signature made before the verifier lost its role is no longer accepted."""
    attestation, signature = make_signed(verifier_a, unit, COD, 500)
    oracle.revokeRole(oracle.VERIFIER_ROLE(), verifier_a, {"from": regulator})
    with reverts("AccessControlUnauthorizedAccount", verifier_a, raw(oracle.VERIFIER_ROLE())):
        oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})


def test_cancelled_nonce_refused_R23(oracle, make_signed, verifier_a, relayer, unit):
    """R-23: a verifier withdraws a signed attestation by cancelling its nonce."""
    attestation, signature = make_signed(verifier_a, unit, COD, 500)
    tx = oracle.cancelNonce(attestation.nonce, {"from": verifier_a})
    assert tx.events["NonceCancelled"]["nonce"] == attestation.nonce
    with reverts("OracleNonceUsed", verifier_a, attestation.nonce):
        oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})
    with reverts("OracleNonceUsed", verifier_a, attestation.nonce):
        oracle.cancelNonce(attestation.nonce, {"from": verifier_a})


def test_refused_signature_leaves_nonce_unused_R23(oracle, make_signed, verifier_a, relayer, unit):
    """R-23: a refused submission changes nothing; the same signature can be sent again later."""
    attestation, signature = make_signed(verifier_a, unit, COD, 500)
    oracle.attest(unit, COD, PERIOD, 500, attestation.evidence, {"from": verifier_a})
    with reverts("OracleAttestationUnchanged"):
        oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})
    assert not oracle.nonceUsed(verifier_a, attestation.nonce)


def test_contract_wallet_verifier_signs_by_erc1271_R23(
    oracle, make_signed, regulator, relayer, unit, companies, domain
):
    """R-23: a verifier organisation may hold its role in a contract wallet (ERC-1271)."""
    from brownie import ERC1271WalletMock

    owner = companies[3]
    wallet = ERC1271WalletMock.deploy(owner, {"from": owner})
    oracle.grantRole(oracle.VERIFIER_ROLE(), wallet, {"from": regulator})
    attestation, signature = make_signed(wallet.address, unit, COD, 900, signer=owner)
    tx = oracle.attestBySig(attestation.as_tuple(), signature, {"from": relayer})
    assert tx.events["UsageAttested"]["verifier"] == wallet.address
    forged, bad = make_signed(wallet.address, unit, COD, 901, signer=relayer)
    with reverts("OracleInvalidSignature", wallet.address):
        oracle.attestBySig(forged.as_tuple(), bad, {"from": relayer})
