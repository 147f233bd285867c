"""Fixtures of the verification oracle's contract tests (R-23)."""

from __future__ import annotations

import pytest

from backend.chain.devkeys import dev_key
from backend.chain.typed_data import domain_of
from backend.oracle.attestation import Attestation, new_nonce, sign_attestation

COD, NH3N, SO2 = 1, 2, 3
PERIOD = 1
EVIDENCE = bytes.fromhex("11" * 32)
OTHER_EVIDENCE = bytes.fromhex("22" * 32)
DAY = 24 * 3600


@pytest.fixture(scope="module", autouse=True)
def fresh_chain(module_isolation):
    """Reset the chain before this module's fixtures deploy anything (an explicitly requested
    module fixture could otherwise deploy before Brownie's module reset)."""


@pytest.fixture(scope="module")
def oracle(deployment):
    from brownie import VerificationOracle

    return VerificationOracle.at(deployment.contracts["VerificationOracle"].address)


@pytest.fixture(scope="module")
def verifier_a(parties):
    return parties["verifier_a"]


@pytest.fixture(scope="module")
def verifier_b(parties):
    return parties["verifier_b"]


@pytest.fixture(scope="module")
def relayer(parties):
    return parties["relayer"]


@pytest.fixture(scope="module")
def unit(companies):
    return companies[0]


@pytest.fixture
def verifier_c(oracle, regulator, parties):
    """A third, independent verifier."""
    from brownie import accounts

    third = accounts[15]
    oracle.grantRole(oracle.VERIFIER_ROLE(), third, {"from": regulator})
    return third


@pytest.fixture(scope="module")
def w3_oracle(oracle):
    from brownie import web3

    return web3.eth.contract(address=oracle.address, abi=oracle.abi)


@pytest.fixture(scope="module")
def domain(w3_oracle):
    return domain_of(w3_oracle)


def private_key_of(account) -> str:
    """The dev key behind a Brownie account of the local chain."""
    from brownie import accounts

    return dev_key(list(accounts).index(account)).private_key


@pytest.fixture(scope="module")
def make_signed(domain):
    """Build and sign an attestation as ``signer`` (default: the verifier itself)."""

    from brownie import chain

    def build(
        verifier,
        unit,
        pollutant,
        kg,
        *,
        period=PERIOD,
        evidence=EVIDENCE,
        nonce=None,
        deadline=None,
        signer=None,
        sign_domain=None,
    ):
        attestation = Attestation(
            verifier=verifier.address if hasattr(verifier, "address") else verifier,
            unit=unit.address if hasattr(unit, "address") else unit,
            pollutant=pollutant,
            period=period,
            kg=kg,
            evidence=evidence,
            nonce=new_nonce() if nonce is None else nonce,
            deadline=deadline if deadline is not None else chain.time() + 100 * DAY,
        )
        key = private_key_of(signer or verifier)
        signature = sign_attestation(sign_domain or domain, attestation, key)
        return attestation, signature

    return build


def raw(role) -> bytes:
    """A bytes32 argument as Brownie renders it inside a decoded custom error."""
    return bytes(role)
