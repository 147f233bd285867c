"""RelayBatch: many relayed calls in one transaction, each isolated from the others.

The service's relayer (RELAYER_ROLE) sends the signed orders that arrive together through
`relay`; a call that reverts is reported with its revert data and the others still happen.
"""

import brownie
import pytest
from brownie import RelayBatch, TestMoney
from eth_abi import encode as abi_encode
from eth_utils import keccak

from tests.helpers import reverts


@pytest.fixture(scope="module")
def batch(deployment):
    return RelayBatch.at(deployment.contracts["RelayBatch"].address)


@pytest.fixture(scope="module")
def relayer(parties):
    return parties["relayer"]


@pytest.fixture(scope="module")
def money(regulator):
    return TestMoney.deploy({"from": regulator}, silent=True)


def mint(money, to, fen):
    return (money.address, money.mint.encode_input(to, fen))


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def test_deployment_grants_the_relayer_role_to_the_service_key_only(batch, relayer, stranger):
    assert batch.hasRole(batch.RELAYER_ROLE(), relayer)
    assert not batch.hasRole(batch.RELAYER_ROLE(), stranger)


def test_calls_run_in_order_and_a_reverting_call_fails_alone(batch, relayer, money, stranger):
    first, third = brownie.accounts[3], brownie.accounts[4]
    overdraw = (money.address, money.transfer.encode_input(stranger, 5))  # the batch holds 0
    tx = batch.relay([mint(money, first, 7), overdraw, mint(money, third, 11)], {"from": relayer})
    assert tx.return_value[0] == (True, False, True)
    assert money.balanceOf(first) == 7 and money.balanceOf(third) == 11
    assert money.balanceOf(stranger) == 0
    outcomes = tx.events["CallRelayed"]
    assert [e["index"] for e in outcomes] == [0, 1, 2]
    assert [e["ok"] for e in outcomes] == [True, False, True]
    assert all(e["target"] == money.address for e in outcomes)
    expected = selector("ERC20InsufficientBalance(address,uint256,uint256)") + abi_encode(
        ["address", "uint256", "uint256"], [batch.address, 0, 5]
    )
    assert bytes(outcomes[1]["revertData"]) == expected
    assert bytes(tx.return_value[1][1]) == expected
    assert outcomes[0]["revertData"] == "0x" and outcomes[2]["revertData"] == "0x"
    assert all(e["gasUsed"] > 0 for e in outcomes)
    # each call's own events come before its outcome: mint 0, outcome 0, outcome 1, mint 2, …
    names = [e.name for e in tx.events]
    assert names == ["Transfer", "CallRelayed", "CallRelayed", "Transfer", "CallRelayed"]


def test_a_target_without_code_is_reported_not_called(batch, relayer, stranger):
    tx = batch.relay([(stranger.address, b"\x12\x34")], {"from": relayer})
    (outcome,) = tx.events["CallRelayed"]
    assert not outcome["ok"]
    assert bytes(outcome["revertData"]) == selector(
        "RelayTargetNotContract(uint256,address)"
    ) + abi_encode(["uint256", "address"], [0, stranger.address])


def test_only_the_relayer_role_may_relay(batch, money, stranger):
    with reverts("AccessControlUnauthorizedAccount", stranger, batch.RELAYER_ROLE()):
        batch.relay([mint(money, stranger, 1)], {"from": stranger})
    assert money.balanceOf(stranger) == 0


def test_an_empty_batch_is_refused(batch, relayer):
    with reverts("RelayBatchEmpty"):
        batch.relay([], {"from": relayer})


def test_a_batch_beyond_the_maximum_is_refused(batch, relayer, money, stranger):
    calls = [mint(money, stranger, 1)] * (batch.MAX_CALLS() + 1)
    with reverts("RelayBatchTooLarge", 257, 256):
        batch.relay(calls, {"from": relayer, "gas_limit": 29_000_000})
    assert money.balanceOf(stranger) == 0


def test_the_admin_grants_and_revokes_the_relayer_role(batch, regulator, stranger, money):
    batch.grantRole(batch.RELAYER_ROLE(), stranger, {"from": regulator})
    batch.relay([mint(money, stranger, 2)], {"from": stranger})
    assert money.balanceOf(stranger) == 2
    batch.revokeRole(batch.RELAYER_ROLE(), stranger, {"from": regulator})
    with reverts("AccessControlUnauthorizedAccount", stranger, batch.RELAYER_ROLE()):
        batch.relay([mint(money, stranger, 1)], {"from": stranger})
