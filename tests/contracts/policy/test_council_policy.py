"""The city's policy changes only through the regulator council (2 of 3, time-locked), takes
effect at the stated time (the old value applies until then) and emits the change; rule modules
are attached and detached the same way; what was agreed under the old policy is handled as
docs/registry.md "Policy" states. Default profile: Shijiazhuang 2023."""

from __future__ import annotations

import pytest
from brownie import chain, web3

from backend.chain.domain import Op, Origin, Reason, Sector, TradeMode
from backend.chain.policy import Figure, Switch
from scripts.council import call, enact, jump
from tests.conftest import BENCHMARKS
from tests.helpers import fen_at_benchmark, movement, plain, reverts

COD_PRICE = BENCHMARKS["COD"]
TIMELOCK_ROLE = bytes(web3.keccak(text="TIMELOCK_ROLE"))


@pytest.fixture(scope="module")
def council(deployment):
    from brownie import RegulatorCouncil

    return RegulatorCouncil.at(deployment.contracts["RegulatorCouncil"].address)


@pytest.fixture(scope="module")
def market(city, ledger, exchange):
    cod = city.pollutant["COD"]
    for unit in (city.reserve, city.chem):
        ledger.allocate(unit, cod, int(Origin.PAID), 20_000, {"from": exchange})
    return city


def by_council(council, parties, *calls, text="本市政策变更"):
    """Proposed, approved 2 of 3, time lock waited out, executed: the execution's receipt."""
    from brownie import history

    enact(council, list(calls), text, parties, wait=jump)
    return history[-1]


def green(ledger, exchange, buyer, kg, market):
    m = movement(
        Op.TRADE,
        market.reserve,
        buyer,
        1,
        kg,
        fen_at_benchmark(kg, COD_PRICE),
        TradeMode.GREEN_CHANNEL,
    )
    return m, lambda: ledger.trade(
        market.reserve,
        buyer,
        1,
        kg,
        fen_at_benchmark(kg, COD_PRICE),
        int(TradeMode.GREEN_CHANNEL),
        {"from": exchange},
    )


def test_green_channel_limit_lowered_by_the_council_applies_from_its_time_R21(
    ledger, exchange, policy, council, parties, market
):
    """1 t → 0.5 t: a 0.6 t green-channel transfer passes before the effective time and is
    refused with the figures after it."""
    effective = web3.eth.get_block("latest").timestamp + 1_000  # after the council's 72 s delay
    tx = by_council(
        council,
        parties,
        call(policy, "schedule", int(Figure.GREEN_CHANNEL_LIMIT_KG), 500, effective),
    )
    assert dict(tx.events["PolicyChangeScheduled"]) == {
        "figure": int(Figure.GREEN_CHANNEL_LIMIT_KG),
        "oldValue": 1_000,
        "newValue": 500,
        "effectiveAt": effective,
    }
    assert tx.timestamp < effective
    assert policy.figure(int(Figure.GREEN_CHANNEL_LIMIT_KG)) == 1_000  # the old value until then
    assert plain(policy.scheduled(int(Figure.GREEN_CHANNEL_LIMIT_KG))) == (1_000, 500, effective)
    m, settle = green(ledger, exchange, market.fund, 600, market)
    assert plain(ledger.check(m))[0] == Reason.OK
    settle()
    assert ledger.greenChannelIntake(market.fund) == 600

    jump(effective - 1)  # the next block is at or after the effective time
    assert policy.figure(int(Figure.GREEN_CHANNEL_LIMIT_KG)) == 500
    m, settle = green(ledger, exchange, market.hotel, 600, market)
    assert plain(ledger.check(m)) == (Reason.GREEN_CHANNEL_LIMIT, 0, 600)
    with reverts("LedgerGreenChannelLimit", market.hotel, 0, 600):
        settle()
    m, settle = green(ledger, exchange, market.hotel, 499, market)
    settle()  # below the new limit


def test_a_switch_turned_off_by_the_council_refuses_new_leases_and_open_ones_run_to_term_R35(
    ledger, regulator, policy, council, parties, market
):
    ledger.grantRole(ledger.LEASING_ROLE(), regulator, {"from": regulator})
    ledger.lease(market.chem, market.steel, 1, 2_000, {"from": regulator})  # under the old policy
    effective = web3.eth.get_block("latest").timestamp + 500
    tx = by_council(
        council, parties, call(policy, "scheduleSwitch", int(Switch.LEASING), False, effective)
    )
    event = tx.events["PolicyChangeScheduled"]
    assert event["figure"] == int(Figure.SWITCHES) and event["effectiveAt"] == effective
    assert event["oldValue"] ^ event["newValue"] == 1 << int(Switch.LEASING)
    ledger.lease(market.chem, market.steel, 1, 1_000, {"from": regulator})  # not yet in force
    jump(effective - 1)
    assert not policy.isOn(int(Switch.LEASING))
    with reverts("LedgerNotInPolicy", int(Switch.LEASING)):
        ledger.lease(market.chem, market.steel, 1, 1_000, {"from": regulator})
    # the open leases run to their term and return (R-35: LeaseReturn is not a new lease)
    ledger.endLease(market.chem, market.steel, 1, 3_000, {"from": regulator})
    assert ledger.positionOf(market.steel, 1)["leasedIn"] == 0
    assert ledger.balanceOf(market.chem, 1)["paid"] == 20_000


def test_only_the_council_changes_the_policy(policy, regulator, companies, parties, deployment):
    """Neither a company nor a lone regulator key (in production) schedules a change; no change
    takes effect in the past."""
    from brownie import PolicyBook

    now = web3.eth.get_block("latest").timestamp
    with reverts("AccessControlUnauthorizedAccount", companies[0], TIMELOCK_ROLE):
        policy.schedule(int(Figure.GREEN_CHANNEL_LIMIT_KG), 1, now + 10, {"from": companies[0]})
    with reverts("AccessControlUnauthorizedAccount", companies[0], TIMELOCK_ROLE):
        policy.attach(companies[1], {"from": companies[0]})
    with reverts("PolicyEffectiveInPast", now - 10, ...):
        policy.schedule(int(Figure.GREEN_CHANNEL_LIMIT_KG), 1, now - 10, {"from": regulator})
    tx = policy.schedule(int(Figure.GREEN_CHANNEL_LIMIT_KG), 800, 0, {"from": regulator})
    assert tx.events["PolicyChangeScheduled"]["effectiveAt"] == tx.timestamp  # 0: on execution
    assert policy.figure(int(Figure.GREEN_CHANNEL_LIMIT_KG)) == 800
    tx = policy.schedule(int(Figure.GREEN_CHANNEL_LIMIT_KG), 800, 0, {"from": regulator})
    assert tx.events["PolicyChangeScheduled"]["effectiveAt"] == tx.timestamp  # 0: on execution
    assert policy.figure(int(Figure.GREEN_CHANNEL_LIMIT_KG)) == 800
    holders = deployment.roles["PolicyBook.TIMELOCK_ROLE"]
    assert deployment.contracts["CouncilTimelock"].address in holders
    assert PolicyBook.at(policy.address).hasRole(
        TIMELOCK_ROLE, deployment.contracts["CouncilTimelock"].address
    )


def test_a_basin_ban_module_attached_and_detached_by_the_council_R18B(
    ledger, exchange, registry, regulator, policy, council, parties, market, companies
):
    """A city closes basin 2 to COD bought from outside it without a new ledger: attached, the
    sale is refused with the module's own error and figures; detached, it passes again."""
    from brownie import BasinSaleBan

    cod = market.pollutant["COD"]
    buyer = companies[7]
    registry.registerAccount(
        buyer, "91500000MA5B00001X", "长寿化工", int(Sector.INDUSTRY), 3, 2, {"from": regulator}
    )
    registry.setQualifiedSeller(market.chem, True, {"from": regulator})
    ledger.certifyTradable(market.chem, cod, 10_000, {"from": regulator})
    ban = BasinSaleBan.deploy(registry, cod, 2, {"from": regulator})
    price = fen_at_benchmark(1_000, COD_PRICE)
    m = movement(Op.TRADE, market.chem, buyer, cod, 1_000, price, TradeMode.NEGOTIATED)
    assert plain(ledger.check(m))[0] == Reason.OK

    tx = by_council(council, parties, call(policy, "attach", ban))
    assert dict(tx.events["RuleModuleChanged"]) == {
        "module": ban.address,
        "ruleId": "R-18B",
        "attached": True,
    }
    assert list(policy.modules()) == [ban.address]
    assert plain(ledger.check(m)) == (Reason.MODULE_REFUSED, int(ban.address, 16), 2)
    with reverts("BasinSaleBanned", buyer, cod, 2):
        ledger.trade(
            market.chem, buyer, cod, 1_000, price, int(TradeMode.NEGOTIATED), {"from": exchange}
        )
    # the reserve still buys back from the basin's units; other pollutants and basins pass
    assert (
        plain(ledger.check(movement(Op.TRADE, market.chem, market.hotel, cod, 1_000, price, 1)))[0]
        == Reason.OK
    )
    with reverts("PolicyModuleAttached", ban, True):
        policy.attach(ban, {"from": regulator})

    tx = by_council(council, parties, call(policy, "detach", ban))
    assert tx.events["RuleModuleChanged"]["attached"] is False
    assert list(policy.modules()) == []
    ledger.trade(
        market.chem, buyer, cod, 1_000, price, int(TradeMode.NEGOTIATED), {"from": exchange}
    )
    assert ledger.balanceOf(buyer, cod)["paid"] == 1_000
    with reverts("PolicyModuleAttached", ban, False):
        policy.detach(ban, {"from": regulator})
    chain.mine()
