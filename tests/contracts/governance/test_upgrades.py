"""Replacing a contract's code (docs/operations.md "Upgrades"): only the regulator council's time
lock may upgrade an ERC-1967 proxy (proposal → a second member's approval → the delay →
execution), every record stays, an initializer runs once, and rolling back is the same path.
Runs on the production role layout (fixture ``production``, dev delays)."""

from __future__ import annotations

import pytest
from brownie import web3

from scripts.council import call, enact, jump
from scripts.upgrade import implementation_of
from tests.helpers import reverts

TIMELOCK_ROLE = web3.keccak(text="TIMELOCK_ROLE")
FEN = 123_456


@pytest.fixture(scope="module")
def money(production):
    from brownie import SettlementToken

    return SettlementToken.at(production.contracts["SettlementToken"].address)


@pytest.fixture(scope="module")
def council(production):
    from brownie import RegulatorCouncil

    return RegulatorCouncil.at(production.contracts["RegulatorCouncil"].address)


@pytest.fixture(scope="module")
def candidate(regulator):
    from brownie import SettlementTokenV2

    return SettlementTokenV2.deploy({"from": regulator})


def held(money, holders) -> list:
    """The money's records: balances, allowances, nonces, totals, name and signing domain."""
    return [
        *(money.balanceOf(h) for h in holders),
        money.allowance(holders[0], holders[1]),
        *(money.nonces(h) for h in holders),
        money.totalSupply(),
        money.totalIssued(),
        money.name(),
        money.symbol(),
        money.DOMAIN_SEPARATOR(),
    ]


def test_the_deployment_record_keeps_the_proxy_and_its_implementation(production, money):
    record = production.contracts["SettlementToken"]
    assert record.address == money.address
    assert record.implementation == implementation_of(web3, money.address) != money.address
    for name in ("AccountRegistry", "RightsLedger", "PolicyBook", "PledgeBook", "LeaseBook"):
        entry = production.contracts[name]
        assert entry.implementation == implementation_of(web3, entry.address)
    # the council itself, its time lock and the stateless helpers are plain contracts
    for name in ("RegulatorCouncil", "CouncilTimelock", "RightsLens", "RelayBatch"):
        assert production.contracts[name].implementation is None


def test_only_the_council_time_lock_may_upgrade(production, money, candidate, parties, members):
    assert money.hasRole(TIMELOCK_ROLE, production.contracts["CouncilTimelock"].address)
    for key in (parties["city_regulator"], parties["settlement_bank"], members[0]):
        with reverts("AccessControlUnauthorizedAccount", key.address, TIMELOCK_ROLE):
            money.upgradeToAndCall(candidate, b"", {"from": key})
    assert (
        implementation_of(web3, money.address)
        == production.contracts["SettlementToken"].implementation
    )


def test_an_initializer_runs_once_and_never_on_the_implementation(production, money, stranger):
    from brownie import SettlementToken

    with reverts("InvalidInitialization"):
        money.initialize(stranger, {"from": stranger})
    implementation = SettlementToken.at(production.contracts["SettlementToken"].implementation)
    with reverts("InvalidInitialization"):
        implementation.initialize(stranger, {"from": stranger})
    with reverts("UUPSUnauthorizedCallContext"):
        implementation.upgradeToAndCall(implementation, b"", {"from": stranger})


def test_the_council_upgrades_the_money_every_record_stays_and_it_rolls_back(
    production, money, council, candidate, parties, companies
):
    bank, holders = parties["settlement_bank"], companies[:2]
    money.issue(holders[0], FEN, b"\x01" * 32, {"from": bank})
    money.transfer(holders[1], 456, {"from": holders[0]})
    money.approve(holders[1], 789, {"from": holders[0]})
    before = held(money, holders)
    old = implementation_of(web3, money.address)

    upgrade = [call(money, "upgradeToAndCall", candidate, b"")]
    proposal = council.propose(
        [t for t, _ in upgrade],
        [d for _, d in upgrade],
        "结算资金合约升级",
        {"from": members_of(parties)[0]},
    ).return_value
    tx = council.approve(proposal, {"from": members_of(parties)[1]})
    eta = tx.events["ProposalScheduled"]["eta"]
    with reverts("CouncilNotReady", proposal, eta, ...):
        council.execute(proposal, {"from": members_of(parties)[0]})
    jump(eta)
    executed = council.execute(proposal, {"from": members_of(parties)[0]})
    assert executed.events["Upgraded"]["implementation"] == candidate.address
    upgraded = web3.keccak(text="Upgraded(address)")
    logs = web3.eth.get_transaction_receipt(executed.txid)["logs"]
    assert [log["address"] for log in logs if log["topics"][0] == upgraded] == [money.address]

    assert implementation_of(web3, money.address) == candidate.address
    v2 = web3.eth.contract(address=money.address, abi=candidate.abi)
    assert v2.functions.codeVersion().call() == 2
    assert held(money, holders) == before
    assert money.hasRole(money.SETTLEMENT_BANK_ROLE(), bank)
    money.issue(holders[1], 1, b"\x02" * 32, {"from": bank})  # the money goes on
    assert money.balanceOf(holders[1]) == before[1] + 1

    enact(council, [call(money, "upgradeToAndCall", old, b"")], "回退", parties, wait=jump)
    assert implementation_of(web3, money.address) == old
    assert money.balanceOf(holders[0]) == before[0]
    assert money.totalIssued() == before[-5] + 1


def members_of(parties) -> list:
    return [parties[n] for n in ("council_director", "council_deputy_a", "council_deputy_b")]


@pytest.fixture(scope="module")
def members(parties):
    return members_of(parties)
