"""The regulator council: high-impact regulator actions (caps R-10, blacklist R-17, reclaim R-27,
fraud sanction R-33, role grants) approved 2 of 3 and time-locked; freezing stays immediate
(docs/security.md). Runs on the production role layout (fixture ``production``) with the dev
chain's delays (one second per production hour)."""

from __future__ import annotations

import brownie
import pytest

from backend.chain.domain import Origin, PollutantClass, Sector
from scripts.council import call, jump
from tests.helpers import reverts

PENDING, SCHEDULED, READY, EXECUTED, CANCELLED, WITHDRAWN = range(1, 7)
CREDIT, SUPERVISION, FRAUD = 1, 2, 16
RECLAIMED = 0  # IGovernmentReserve.Source
ZERO_ROLE = bytes(32)
SELECTOR = bytes.fromhex("12345678")


@pytest.fixture(scope="module")
def c(production, parties, companies):
    """The production deployment's contracts, one COD pollutant and two registered units."""
    import brownie

    out = {n: getattr(brownie, n).at(r.address) for n, r in production.contracts.items()}
    regulator = parties["city_regulator"]
    registry = out["AccountRegistry"]
    registry.addPollutant("COD", "化学需氧量", int(PollutantClass.WATER), {"from": regulator})
    registry.setSectorEnabled(int(Sector.INDUSTRY), True, {"from": regulator})
    for i, unit in enumerate(companies[:2]):
        registry.registerAccount(
            unit, f"91500000MA5C{i:06d}", f"u{i}", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
        )
    return out


@pytest.fixture(scope="module")
def members(parties):
    return [parties[n] for n in ("council_director", "council_deputy_a", "council_deputy_b")]


@pytest.fixture(scope="module")
def guardian(parties):
    return parties["provincial_authority"]


def _propose(council, calls, member, text="test"):
    return council.propose(
        [t for t, _ in calls], [d for _, d in calls], text, {"from": member}
    ).return_value


def test_cap_change_proposed_approved_2_of_3_waits_and_executes_R10(c, members):
    council, ledger = c["RegulatorCouncil"], c["RightsLedger"]
    pid = _propose(council, [call(ledger, "setCap", 1, 1, 5_000)], members[0])
    assert council.state(pid) == PENDING and council.hasApproved(pid, members[0])
    tx = council.approve(pid, {"from": members[1]})
    eta = tx.events["ProposalScheduled"]["eta"]
    assert eta == tx.timestamp + 72 and council.state(pid) == SCHEDULED
    assert council.delayOf(ledger.setCap.signature) == 72
    with brownie.reverts(revert_pattern=rf"CouncilNotReady: {pid}, {eta}, \d+"):
        council.execute(pid, {"from": members[2]})
    jump(eta)
    tx = council.execute(pid, {"from": members[2]})
    assert council.state(pid) == EXECUTED and ledger.capOf(1, 1)["cap"] == 5_000
    assert tx.events["CapSet"]["region"] == 1
    with reverts("CouncilWrongState", pid, EXECUTED):
        council.execute(pid, {"from": members[0]})


def test_single_regulator_key_can_no_longer_act_alone(c, parties, companies):
    """A stolen regulator (or district regulator) key: no cap, reclaim, sanction, blacklist or
    role grant — each refused with the time lock's role it lacks."""
    ledger, registry = c["RightsLedger"], c["AccountRegistry"]
    reserve, lifecycle = c["GovernmentReserve"], c["UnitLifecycle"]
    unit = companies[0]
    for who in (parties["city_regulator"], parties["district_regulator"]):
        with reverts("AccessControlUnauthorizedAccount", who, ledger.REGULATOR_ROLE()):
            ledger.setCap(1, 1, 1, {"from": who})
        lock = registry.TIMELOCK_ROLE()
        with reverts("AccessControlUnauthorizedAccount", who, lock):
            reserve.reclaim(unit, 1, int(Origin.FREE), 1, RECLAIMED, "", {"from": who})
        with reverts("AccessControlUnauthorizedAccount", who, lock):
            lifecycle.sanctionFraud(unit, "虚报", {"from": who})
        for bit in (CREDIT, FRAUD):
            for active in (True, False):
                with reverts("AccessControlUnauthorizedAccount", who, lock):
                    registry.setRestriction(unit, bit, active, "黑名单", {"from": who})
    regulator = parties["city_regulator"]
    with reverts("AccessControlUnauthorizedAccount", regulator, ZERO_ROLE):
        ledger.grantRole(ledger.EXCHANGE_ROLE(), regulator, {"from": regulator})


def test_freezing_stays_immediate_for_one_authority_R17(c, parties, companies):
    registry, unit = c["AccountRegistry"], companies[0]
    district = parties["district_regulator"]  # district 1 is its own
    registry.setRestriction(unit, SUPERVISION, True, "挂牌督办", {"from": district})
    assert registry.profile(unit)["restrictions"] == SUPERVISION
    registry.setRestriction(unit, SUPERVISION, False, "整改完成", {"from": district})
    assert registry.profile(unit)["restrictions"] == 0


def test_reclaim_sanction_and_blacklist_through_the_council_R27_R33(c, members, parties, companies):
    """One batch: cap, then (after the longest delay of its functions) a reclaim, a fraud
    sanction and a credit blacklisting, all executed by the time lock."""
    council, ledger, registry = c["RegulatorCouncil"], c["RightsLedger"], c["AccountRegistry"]
    reserve, lifecycle = c["GovernmentReserve"], c["UnitLifecycle"]
    a, b = companies[0], companies[1]
    pid = _propose(council, [call(ledger, "setCap", 1, 1, 10_000)], members[0])
    council.approve(pid, {"from": members[1]})
    jump(council.proposal(pid)["eta"])
    council.execute(pid, {"from": members[0]})
    ledger.allocateFree(a, 1, 3_000, {"from": parties["city_regulator"]})
    calls = [
        call(reserve, "reclaim", a, 1, int(Origin.FREE), 1_000, RECLAIMED, "闲置"),
        call(lifecycle, "sanctionFraud", a, "虚报排放数据"),
        call(registry, "setRestriction", b, CREDIT, True, "环保信用不良"),
    ]
    pid = _propose(council, calls, members[2], "回收、处罚、列入黑名单")
    tx = council.approve(pid, {"from": members[0]})
    assert tx.events["ProposalScheduled"]["eta"] == tx.timestamp + 72  # setRestriction: 72 h
    jump(tx.events["ProposalScheduled"]["eta"])
    tx = council.execute(pid, {"from": members[1]})
    timelock = c["CouncilTimelock"]
    assert tx.events["FraudSanctioned"]["by"] == timelock
    assert reserve.stock(RECLAIMED, 1) == 1_000 and reserve.stock(4, 1) == 2_000  # 4: Fraud
    assert registry.profile(a)["restrictions"] == FRAUD
    assert registry.profile(b)["restrictions"] == CREDIT


def test_council_refusals(c, members, guardian, stranger):
    council, ledger = c["RegulatorCouncil"], c["RightsLedger"]
    cap = [call(ledger, "setCap", 1, 1, 1)]
    with reverts("AccessControlUnauthorizedAccount", stranger, council.MEMBER_ROLE()):
        _propose(council, cap, stranger)
    with reverts("CouncilEmptyProposal"):
        council.propose([], [], "", {"from": members[0]})
    with reverts("CouncilLengthMismatch", 1, 0):
        council.propose([ledger], [], "", {"from": members[0]})
    pid = _propose(council, cap, members[0])
    with reverts("CouncilAlreadyApproved", pid, members[0]):
        council.approve(pid, {"from": members[0]})
    with reverts("AccessControlUnauthorizedAccount", stranger, council.MEMBER_ROLE()):
        council.approve(pid, {"from": stranger})
    with reverts("CouncilNotProposer", pid, members[1]):
        council.withdraw(pid, {"from": members[1]})
    with reverts("CouncilWrongState", pid, PENDING):
        council.cancel(pid, {"from": guardian})
    council.withdraw(pid, {"from": members[0]})
    with reverts("CouncilWrongState", pid, WITHDRAWN):
        council.approve(pid, {"from": members[1]})
    with reverts("CouncilUnknownProposal", 99):
        council.approve(99, {"from": members[1]})
    pid = _propose(council, cap, members[0])
    council.approve(pid, {"from": members[1]})
    with reverts("CouncilWrongState", pid, SCHEDULED):
        council.approve(pid, {"from": members[2]})
    with reverts("AccessControlUnauthorizedAccount", members[0], council.GUARDIAN_ROLE()):
        council.cancel(pid, {"from": members[0]})
    tx = council.cancel(pid, {"from": guardian})  # the provincial authority, during the delay
    assert "Cancelled" in tx.events and council.state(pid) == CANCELLED
    jump(council.proposal(pid)["eta"])
    with reverts("CouncilWrongState", pid, CANCELLED):
        council.execute(pid, {"from": members[0]})
    assert ledger.capOf(1, 1)["cap"] == 0


def test_council_rules_change_only_through_the_council(c, members, guardian):
    """Threshold, members, delays and the time lock itself are the council's own business."""
    council, timelock = c["RegulatorCouncil"], c["CouncilTimelock"]
    admin = council.DEFAULT_ADMIN_ROLE()
    with reverts("AccessControlUnauthorizedAccount", members[0], admin):
        council.setThreshold(3, {"from": members[0]})
    with reverts("AccessControlUnauthorizedAccount", members[0], admin):
        council.grantRole(council.MEMBER_ROLE(), members[0], {"from": members[0]})
    with reverts("AccessControlUnauthorizedAccount", members[0], timelock.PROPOSER_ROLE()):
        timelock.schedule(council, 0, b"", ZERO_ROLE, ZERO_ROLE, 10**6, {"from": members[0]})
    with reverts("TimelockUnauthorizedCaller", members[0]):
        timelock.updateDelay(0, {"from": members[0]})
    minimum = timelock.getMinDelay()
    calls = [
        call(council, "setThreshold", 3),
        call(council, "setDelay", SELECTOR, minimum - 1),
    ]
    pid = _propose(council, calls, members[0])
    council.approve(pid, {"from": members[1]})
    jump(council.proposal(pid)["eta"])
    with reverts("CouncilDelayBelowMinimum", SELECTOR, minimum - 1, minimum):
        council.execute(pid, {"from": members[0]})
    pid = _propose(council, calls[:1], members[0])
    council.approve(pid, {"from": members[1]})
    jump(council.proposal(pid)["eta"])
    council.execute(pid, {"from": members[0]})
    assert council.threshold() == 3
    revoke = [call(council, "revokeRole", council.MEMBER_ROLE(), members[2])]
    pid = _propose(council, revoke, members[0])
    council.approve(pid, {"from": members[1]})
    council.approve(pid, {"from": members[2]})  # 3 of 3 now
    jump(council.proposal(pid)["eta"])
    with reverts("CouncilInvalidThreshold", 3, 2):
        council.execute(pid, {"from": members[0]})


def test_wrong_council_configuration_is_refused(members, guardian, regulator):
    from brownie import RegulatorCouncil

    for threshold in (1, 4):
        with reverts("CouncilInvalidThreshold", threshold, 3):
            RegulatorCouncil.deploy(members, threshold, guardian, 10, [], [], {"from": regulator})
    with reverts("CouncilDelayBelowMinimum", SELECTOR, 9, 10):
        RegulatorCouncil.deploy(members, 2, guardian, 10, [SELECTOR], [9], {"from": regulator})
    with reverts("CouncilZeroAddress"):
        RegulatorCouncil.deploy(members, 2, "0x" + "00" * 20, 10, [], [], {"from": regulator})
