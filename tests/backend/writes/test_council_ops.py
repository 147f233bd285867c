"""The regulator council over the API (docs/security.md): a member proposes an ordinary authority
operation (simulated from the time lock, so a refusal is decoded before anyone signs), a second
member approves, the public reads the proposal with its ETA, a member executes after the delay.
Runs on the production role layout: the regulator's key alone can no longer set a cap."""

import re

import pytest
from fastapi.testclient import TestClient

from backend.chain.domain import PollutantClass, Sector
from backend.main import create_app
from scripts.council import jump
from tests.backend.disclosure_city import index
from tests.backend.flows import error_of
from tests.backend.writes.conftest import address_of, build, operate, settings_for

CAP = {"region": 1, "pollutant": "COD", "capKg": 5_000}


@pytest.fixture(scope="module")
def prod(production, parties, companies):
    """The production deployment with COD and one registered unit (routine: one regulator key)."""
    from brownie import AccountRegistry

    registry = AccountRegistry.at(production.contracts["AccountRegistry"].address)
    regulator = {"from": parties["city_regulator"]}
    registry.addPollutant("COD", "化学需氧量", int(PollutantClass.WATER), regulator)
    registry.registerAccount(
        companies[0], "91500000MA5K000008", "u0", int(Sector.INDUSTRY), 1, 1, regulator
    )
    return production


@pytest.fixture
def api(prod, rpc_url, tmp_path):
    with TestClient(create_app(settings_for(prod, rpc_url, tmp_path))) as client:
        yield client


def step(api, name: str, party: str, **body):
    """Build the council step ``name`` for ``party`` (the unsigned transaction, or a refusal)."""
    return build(api, f"council/council-{name}", {"sender": address_of(party), **body})


def read(api, path: str):
    """A public read of the council: from the service's index, brought up to the chain head
    first (the service under test runs without its indexer thread)."""
    prod = api.app.state.chain.deployment
    index(prod, api.app.state.settings.database_url)[0].dispose()
    return api.get(path)


def refused(answer, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert error_of(answer)["code"] == code


def test_cap_change_proposed_approved_and_executed_over_the_api_R10(api, prod, rpc_url, tmp_path):
    from brownie import RightsLedger

    ledger = RightsLedger.at(prod.contracts["RightsLedger"].address)
    alone = build(api, "allocation/set-cap", {"sender": address_of("regulator"), **CAP})
    refused(alone, 403, "AccessControlUnauthorizedAccount")
    body = {"calls": [{"operation": "set-cap", "body": CAP}], "description": "核定总量"}
    operate(api, "council/council-propose", body, "council_director")
    (listed,) = read(api, "/api/v1/council/proposals").json()["rows"]
    assert listed["state"] == "pending"
    assert listed["approved_by"] == [address_of("council_director")]
    assert listed["calls"][0]["function"] == "setCap"
    assert listed["calls"][0]["args"] == {"region": 1, "pollutant": 1, "capKg": 5_000}
    from brownie import RegulatorCouncil

    council = RegulatorCouncil.at(prod.contracts["RegulatorCouncil"].address)
    assert listed["operation_id"] == "0x" + bytes(council.operationId(1)).hex()
    assert listed["threshold"] == council.threshold() == 2
    operate(api, "council/council-approve", {"id": 1}, "council_deputy_a")
    scheduled = read(api, "/api/v1/council/proposals/1").json()
    assert scheduled["state"] == "scheduled" and scheduled["eta"]
    refused(step(api, "execute", "council_deputy_b", id=1), 409, "CouncilNotReady")
    jump(scheduled["eta"])
    operate(api, "council/council-execute", {"id": 1}, "council_deputy_b")
    assert ledger.capOf(1, 1)["cap"] == 5_000
    executed = read(api, "/api/v1/council/proposals?state=executed").json()["rows"]
    assert [p["id"] for p in executed] == [1]
    # the explorer's public page (over an index of this chain) shows it, decoded
    url = f"sqlite:///{tmp_path / 'index.db'}"
    index(prod, url)[0].dispose()
    settings = settings_for(prod, rpc_url, tmp_path).model_copy(update={"database_url": url})
    with TestClient(create_app(settings)) as public:
        page = public.get("/council")
    text = re.sub(r"<[^>]+>", "", page.text)
    assert page.status_code == 200 and "已执行" in text  # the call in words, not in code
    assert "将渝中区化学需氧量 (COD)总量控制指标设为 5 t（R-10）" in text


def test_council_refusals_are_decoded_before_signing(api):
    def propose(calls, party="council_director"):
        return step(api, "propose", party, calls=calls, description="x")

    cap = [{"operation": "set-cap", "body": CAP}]
    refused(propose(cap, "regulator"), 403, "AccessControlUnauthorizedAccount")  # not a member
    unknown_unit = {"unit": "0x000000000000000000000000000000000000dEaD", "reason": "虚报"}
    # simulated from the time lock's account: the inner call's own refusal, decoded
    refused(
        propose([{"operation": "sanction-fraud", "body": unknown_unit}]), 409, "LifecycleNotOpen"
    )
    refused(propose([{"operation": "no-such-thing"}]), 404, "OperationUnknown")
    refused(propose([{"operation": "set-cap", "body": {"region": 1}}]), 422, "RequestInvalid")
    refused(
        propose([{"operation": "council-approve", "body": {"id": 1}}]), 422, "CouncilCallInvalid"
    )
    operate(api, "council/council-propose", {"calls": cap, "description": "x"}, "council_director")
    refused(step(api, "approve", "council_director", id=1), 409, "CouncilAlreadyApproved")
    refused(step(api, "cancel", "council_director", id=1), 403, "AccessControlUnauthorizedAccount")
    refused(step(api, "withdraw", "council_deputy_a", id=1), 403, "CouncilNotProposer")
    refused(read(api, "/api/v1/council/proposals/9"), 404, "CouncilUnknownProposal")


def test_quorum_and_dispute_window_change_only_through_the_council_R23(api, prod):
    """R-23: the oracle's quorum and dispute window decide when every figure is final; one
    regulator key is refused, a council proposal waits the 72 h delay (72 s on the dev chain).
    Compliance periods too are the council's (one key is refused; the demo defines its period
    through a proposal, tests/contracts/market/test_demo_city.py)."""
    from brownie import VerificationOracle, web3

    oracle = VerificationOracle.at(prod.contracts["VerificationOracle"].address)
    quorum, window = {"quorum": 1}, {"disputeWindow": 0}
    period = {"start": 1, "end": 2, "surrenderDeadline": 3, "carryOverDeadline": 4}
    for operation, body in (("verification/set-quorum", quorum),
                            ("verification/set-dispute-window", window),
                            ("compliance/define-period", period)):  # fmt: skip
        alone = build(api, operation, {"sender": address_of("regulator"), **body})
        refused(alone, 403, "AccessControlUnauthorizedAccount")
    # simulated from the time lock: a quorum above the verifier count is refused before signing
    too_high = [{"operation": "set-quorum", "body": {"quorum": 3}}]
    refused(step(api, "propose", "council_director", calls=too_high, description="x"), 422,
            "OracleInvalidQuorum")  # fmt: skip
    calls = [{"operation": "set-quorum", "body": quorum},
             {"operation": "set-dispute-window", "body": window}]  # fmt: skip
    operate(api, "council/council-propose", {"calls": calls, "description": "核查规则"},
            "council_director")  # fmt: skip
    operate(api, "council/council-approve", {"id": 1}, "council_deputy_a")
    scheduled = read(api, "/api/v1/council/proposals/1").json()
    assert scheduled["state"] == "scheduled"
    approved_at = web3.eth.get_block("latest")["timestamp"]  # the approval scheduled it
    assert scheduled["eta"] - approved_at == 72  # the oracle's delay, not the 24 h minimum
    assert (oracle.quorum(), oracle.disputeWindow()) == (2, 7 * 24 * 3600)
    jump(scheduled["eta"])
    operate(api, "council/council-execute", {"id": 1}, "council_deputy_b")
    assert (oracle.quorum(), oracle.disputeWindow()) == (1, 0)


def test_a_policy_figure_changed_over_the_api_at_a_stated_time(api, prod):
    """docs/registry.md "Policy": a member proposes `schedule-policy-figure` inside
    `council-propose`; a lone regulator key is refused it; after the approval, the delay and the
    execution the new figure is in force from its effective time (0: on execution)."""
    from brownie import PolicyBook, RegulatorCouncil

    policy = PolicyBook.at(prod.contracts["PolicyBook"].address)
    change = {"figure": "green_channel_limit_kg", "value": 500, "effectiveAt": 0}
    alone = build(
        api, "policy/schedule-policy-figure", {"sender": address_of("regulator"), **change}
    )
    refused(alone, 403, "AccessControlUnauthorizedAccount")
    unknown = {"operation": "schedule-policy-figure", "body": {**change, "figure": "price"}}
    refused(step(api, "propose", "council_director", calls=[unknown], description="x"), 422,
            "RequestInvalid")  # fmt: skip
    body = {"calls": [{"operation": "schedule-policy-figure", "body": change}],
            "description": "绿色通道限额调整"}  # fmt: skip
    operate(api, "council/council-propose", body, "council_director")
    council = RegulatorCouncil.at(prod.contracts["RegulatorCouncil"].address)
    pid = council.proposalCount()
    operate(api, "council/council-approve", {"id": pid}, "council_deputy_a")
    assert policy.figure(1) == 1_000
    jump(council.proposal(pid)["eta"])
    operate(api, "council/council-execute", {"id": pid}, "council_deputy_b")
    assert policy.figure(1) == 500
