"""Replacing a contract's code (docs/operations.md "Upgrades"): only the regulator council's time
lock, owner of every proxy's ``ProxyAdmin``, may upgrade a transparent ERC-1967 proxy (proposal →
a second member's approval → the delay → execution), every record stays, an initializer runs
once, and rolling back is the same path. Runs on the production role layout (fixture
``production``, dev delays)."""

from __future__ import annotations

import pytest
from brownie import web3

from scripts.council import enact, jump
from scripts.upgrade import council_call, implementation_of, proxy_admin_of
from tests.helpers import reverts

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
    from brownie import ProxyAdmin

    timelock = production.contracts["CouncilTimelock"].address
    for name, entry in production.contracts.items():
        if entry.implementation:  # every proxy's admin is owned by the time lock alone
            assert ProxyAdmin.at(proxy_admin_of(web3, entry.address)).owner() == timelock, name
    admin = ProxyAdmin.at(proxy_admin_of(web3, money.address))
    for key in (parties["city_regulator"], parties["settlement_bank"], members[0]):
        with reverts("OwnableUnauthorizedAccount", key.address):
            admin.upgradeAndCall(money, candidate, b"", {"from": key})
        # the proxy itself hands every other caller to the implementation, which has no upgrade
        with pytest.raises(ValueError) as refused:
            web3.eth.call(
                {"from": key.address, "to": money.address, "data": upgrade_data(candidate)}
            )
        assert refused.value.args[0]["data"] == "0x"  # no such function behind the proxy
    assert (
        implementation_of(web3, money.address)
        == production.contracts["SettlementToken"].implementation
    )


def upgrade_data(implementation) -> str:
    """``upgradeToAndCall(implementation, "")`` as a transparent proxy's admin would send it."""
    head = web3.keccak(text="upgradeToAndCall(address,bytes)")[:4]
    args = web3.codec.encode(["address", "bytes"], [implementation.address, b""])
    return "0x" + (head + args).hex()


def test_an_initializer_runs_once_and_never_on_the_implementation(production, money, stranger):
    from brownie import SettlementToken

    with reverts("InvalidInitialization"):
        money.initialize(stranger, {"from": stranger})
    implementation = SettlementToken.at(production.contracts["SettlementToken"].implementation)
    with reverts("InvalidInitialization"):
        implementation.initialize(stranger, {"from": stranger})
    # the upgrade code lives in the proxy and its admin: no implementation carries any
    for name, entry in production.contracts.items():
        assert not any(e.get("name") == "upgradeToAndCall" for e in entry.abi), name


def test_the_council_upgrades_the_money_every_record_stays_and_it_rolls_back(
    production, money, council, candidate, parties, companies
):
    bank, holders = parties["settlement_bank"], companies[:2]
    money.issue(holders[0], FEN, b"\x01" * 32, {"from": bank})
    money.transfer(holders[1], 456, {"from": holders[0]})
    money.approve(holders[1], 789, {"from": holders[0]})
    before = held(money, holders)
    old = implementation_of(web3, money.address)

    upgrade = [council_call(web3, money.address, candidate.address)]
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
    upgraded = web3.keccak(text="Upgraded(address)")
    logs = web3.eth.get_transaction_receipt(executed.txid)["logs"]
    # the proxy emits Upgraded(the candidate), once
    assert [
        (log["address"], web3.to_checksum_address(log["topics"][1][-20:]))
        for log in logs
        if log["topics"][0] == upgraded
    ] == [(money.address, candidate.address)]

    assert implementation_of(web3, money.address) == candidate.address
    v2 = web3.eth.contract(address=money.address, abi=candidate.abi)
    assert v2.functions.codeVersion().call() == 2
    assert held(money, holders) == before
    assert money.hasRole(money.SETTLEMENT_BANK_ROLE(), bank)
    money.issue(holders[1], 1, b"\x02" * 32, {"from": bank})  # the money goes on
    assert money.balanceOf(holders[1]) == before[1] + 1

    enact(council, [council_call(web3, money.address, old)], "回退", parties, wait=jump)
    assert implementation_of(web3, money.address) == old
    assert money.balanceOf(holders[0]) == before[0]
    assert money.totalIssued() == before[-5] + 1


def members_of(parties) -> list:
    return [parties[n] for n in ("council_director", "council_deputy_a", "council_deputy_b")]


@pytest.fixture(scope="module")
def members(parties):
    return members_of(parties)
