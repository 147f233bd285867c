"""A company's (and a verifier's) signed actions through the API against the real chain.

Each flow is what a client does: ``prepare`` (the service runs the contract's rules first),
sign the typed data in the party's own wallet (here a local key), ``submit``; the service
checks signer, nonce and deadline, runs the rules again and relays.
"""

import pytest
from brownie import chain, web3

from backend.chain.domain import Origin
from scripts.deploy import deploy_contract
from tests.backend.flows import error_of, prepare, signed, submit
from tests.backend.writes.conftest import address_of, events, key_of, operate
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import fen_at_benchmark, now

COD = 1
EVIDENCE = "0x" + "ab" * 32


def act(api, action, body, party, key=None):
    envelope = signed(prepare(api, action, body)["typed_data"], key_of(party))
    return submit(api, action, envelope, key)


@pytest.fixture(scope="module")
def stocked(city, ledger, exchange, regulator, money):
    """chem: 10 t paid + 3 t free COD; steel has 1 000 000 fen of settlement money."""
    ledger.allocate(city.chem, COD, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, COD, 3_000, {"from": regulator})
    money.mint(city.steel, 1_000_000, {"from": regulator})
    return city


@pytest.fixture(scope="module")
def period(stocked, compliance, usage, regulator):
    """Period 1 has ended (chem used 5 t of COD); surrender is open for 30 days."""
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 + 5, t0 + 30 * DAY, t0 + 60 * DAY, {"from": regulator})
    usage.post(stocked.chem, COD, 1, 5_000, True)
    chain.sleep(6)
    chain.mine()
    return 1


def test_company_surrenders_then_carries_over_R24_R25(api, stocked, period, compliance, ledger):
    """R-24: the unit's signed surrender burns its usage (free rights first); R-25: the
    compliant unit then carries over what is left."""
    body = {"unit": stocked.chem.address, "pollutant": COD, "period": period}
    response = act(api, "surrender", body, 0)
    assert response.status_code == 200, response.text
    assert events(response.json())["Surrendered"]["kg"] == 5_000
    assert ledger.holdings(stocked.chem, COD) == 8_000
    response = act(api, "carry-over", body, 0)
    assert response.status_code == 200, response.text
    assert events(response.json())["CarriedOver"]["kg"] == 8_000
    assert compliance.nonces(stocked.chem) == 2


def test_surrender_before_the_period_ends_is_refused_at_prepare_R24(
    api, stocked, period, compliance, regulator
):
    """R-24: the rule's own error with its values, before anything is signed."""
    t0 = now()
    compliance.definePeriod(t0, t0 + DAY, t0 + 2 * DAY, t0 + 3 * DAY, {"from": regulator})
    body = {"unit": stocked.chem.address, "pollutant": COD, "period": period + 1}
    response = api.post("/api/v1/actions/surrender/prepare", json=body)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "CompliancePeriodNotEnded"
    assert error["args"] == {"period": period + 1, "end": t0 + DAY}


def test_company_sells_surplus_back_to_the_reserve_R26(api, stocked, period, money, reserve):
    """R-26: after surrender, the signed buy-back is paid at the settled benchmark from the
    fund; the unit signs the least price it accepts, and a higher one is refused before it
    signs."""
    price = fen_at_benchmark(1_000, BENCHMARKS["COD"])
    body = {"unit": stocked.chem.address, "pollutant": COD, "period": period, "kg": 1_000,
            "minPriceFen": price}  # fmt: skip
    refused = api.post("/api/v1/actions/buy-back/prepare", json=body)
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "ReserveBuyBackClosed"
    surrender = {k: body[k] for k in ("unit", "pollutant", "period")}
    assert act(api, "surrender", surrender, 0).status_code == 200
    dearer = api.post("/api/v1/actions/buy-back/prepare", json={**body, "minPriceFen": price + 1})
    assert dearer.status_code == 409
    assert error_of(dearer)["code"] == "ReservePriceBelowAccepted"
    assert error_of(dearer)["args"] == {"priceFen": price, "minimumFen": price + 1}
    response = act(api, "buy-back", body, 0)
    assert response.status_code == 200, response.text
    assert money.balanceOf(stocked.chem) == price
    assert reserve.stock(1, COD) == 1_000


RENT = 400_000  # above the rent floor of 4 t COD for a year (3 200 元, R-35)


def lease_offer(city, rent=RENT, kg=4_000):
    return {
        "lessor": city.chem.address,
        "lessee": city.steel.address,
        "pollutant": COD,
        "kg": kg,
        "endsAt": now() + YEAR,
        "rentFen": rent,
    }


def test_lease_offer_approval_acceptance_and_rent_R35_R16(api, stocked, leases, ledger, money):
    """R-35: the lessor signs the offer; the lessee without an allowance is told to approve
    (the token takes no permits), approves with its own transaction, then signs the terms;
    R-16: rights and rent move together."""
    offered = act(api, "offer-lease", lease_offer(stocked), 0)
    assert offered.status_code == 200, offered.text
    lease_id = events(offered.json())["LeaseOffered"]["id"]
    accept = {
        "lessee": stocked.steel.address,
        "id": lease_id,
        "pollutant": COD,
        "kg": 4_000,
        "rentFen": RENT,
    }
    refused = api.post("/api/v1/actions/accept-lease/prepare", json=accept)
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "PaymentNotApproved"
    assert error_of(refused)["args"]["allowance"] == 0
    operate(api, "payments/approve", {"spender": "LeaseBook", "fen": RENT}, 1)
    prepared = prepare(api, "accept-lease", accept)
    assert prepared["payment"]["amount_fen"] == RENT
    assert prepared["permit"] is None
    response = submit(api, "accept-lease", signed(prepared["typed_data"], key_of(1)))
    assert response.status_code == 200, response.text
    assert money.balanceOf(stocked.chem) == RENT
    assert ledger.positionOf(stocked.steel, COD)["leasedIn"] == 4_000


def test_lease_acceptance_with_other_terms_is_refused_R35(api, stocked, leases):
    """R-35: terms other than the offer's are refused at prepare with the offer's terms."""
    lease_id = leases.offerLease(
        stocked.steel, COD, 4_000, now() + YEAR, RENT, {"from": stocked.chem.account}
    ).return_value
    accept = {
        "lessee": stocked.steel.address,
        "id": lease_id,
        "pollutant": COD,
        "kg": 4_000,
        "rentFen": 1,
    }
    response = api.post("/api/v1/actions/accept-lease/prepare", json=accept)
    assert response.status_code == 409
    assert error_of(response)["code"] == "LeaseTermsMismatch"
    assert error_of(response)["args"]["lease"]["rentFen"] == RENT


def test_lessor_cancels_its_offer_and_nobody_else_can_R35(api, stocked, leases):
    """R-35: only the lessor withdraws an offer (403 for the lessee, before signing)."""
    lease_id = leases.offerLease(
        stocked.steel, COD, 1_000, now() + YEAR, RENT, {"from": stocked.chem.account}
    ).return_value
    foreign = api.post(
        "/api/v1/actions/cancel-lease/prepare",
        json={"lessor": stocked.steel.address, "id": lease_id},
    )
    assert foreign.status_code == 403
    assert error_of(foreign)["code"] == "LeaseNotParty"
    response = act(api, "cancel-lease", {"lessor": stocked.chem.address, "id": lease_id}, 0)
    assert response.status_code == 200, response.text
    assert leases.lease(lease_id)["status"] == 4


def test_buyer_accepts_a_reserve_release_offered_by_the_regulator_R28_R29(
    api, stocked, reserve, money, treasury, ledger
):
    """R-28: the regulator's offer (an operation it signs) and the buyer's signed acceptance;
    R-29: the price goes to the treasury."""
    operate(
        api,
        "reserve/reclaim",
        {
            "unit": stocked.chem.address,
            "pollutant": "COD",
            "origin": "free",
            "kg": 3_000,
            "reason": "关停",
        },
        "regulator",
    )
    price = fen_at_benchmark(2_000, BENCHMARKS["COD"])
    offered = operate(
        api,
        "reserve/offer-release",
        {
            "buyer": stocked.steel.address,
            "pollutant": "COD",
            "kg": 2_000,
            "priceFen": price,
            "source": "reclaimed",
            "use": "priority-project",
            "reason": "示范项目",
        },
        "regulator",
    )
    offer_id = events(offered)["ReleaseOffered"]["id"]
    operate(api, "payments/approve", {"spender": "GovernmentReserve", "fen": price}, 1)
    body = {
        "buyer": stocked.steel.address,
        "id": offer_id,
        "pollutant": COD,
        "kg": 2_000,
        "priceFen": price,
    }
    response = act(api, "accept-release", body, 1)
    assert response.status_code == 200, response.text
    assert money.balanceOf(treasury) == price
    assert ledger.balanceOf(stocked.steel, COD)["paid"] == 2_000


def test_verifiers_attest_with_signed_figures_and_unordered_nonces_R23(api, stocked):
    """R-23: each verifier signs its figure in its own wallet; the service picks an unused
    nonce; two agreeing verifiers make the figure disputable."""
    body = {
        "unit": stocked.chem.address,
        "pollutant": COD,
        "period": 1,
        "kg": 4_200,
        "evidence": EVIDENCE,
    }
    first = act(api, "attest", {"verifier": address_of("verifier_a"), **body}, "verifier_a")
    assert first.status_code == 200, first.text
    assert events(first.json())["UsageAttested"]["kg"] == 4_200
    second = act(api, "attest", {"verifier": address_of("verifier_b"), **body}, "verifier_b")
    assert second.status_code == 200, second.text
    assert events(second.json())["UsageAgreed"]["votes"] == 2


def test_attestation_replayed_or_by_a_non_verifier_is_refused_R23(api, stocked):
    """R-23: a used nonce is refused (409) and a company is no verifier (403 at prepare)."""
    body = {
        "unit": stocked.chem.address,
        "pollutant": COD,
        "period": 1,
        "kg": 4_200,
        "evidence": EVIDENCE,
    }
    prepared = prepare(api, "attest", {"verifier": address_of("verifier_a"), **body})
    envelope = signed(prepared["typed_data"], key_of("verifier_a"))
    assert submit(api, "attest", envelope, "first").status_code == 200
    again = submit(api, "attest", envelope, "second")
    assert again.status_code == 409
    assert error_of(again)["code"] == "NonceAlreadyUsed"
    stranger = api.post(
        "/api/v1/actions/attest/prepare", json={"verifier": stocked.chem.address, **body}
    )
    assert stranger.status_code == 403
    assert error_of(stranger)["code"] == "AccessControlUnauthorizedAccount"


# -- money with an ERC-2612 permit, as the exchange's settlement token takes -----------------


@pytest.fixture(scope="module")
def permit_money(regulator):
    from brownie import TestPermitMoney

    return TestPermitMoney.deploy({"from": regulator})


@pytest.fixture(scope="module")
def permit_leases(regulator, ledger, permit_money, registry, prices):
    """A lease book drawing rents in permit-capable money."""
    from brownie import LeaseBook

    book = deploy_contract(LeaseBook, regulator, regulator, ledger, permit_money, registry, prices)[
        0
    ]
    ledger.grantRole(ledger.LEASING_ROLE(), book, {"from": regulator})
    return book


@pytest.fixture
def permit_api(writes_settings, full_deployment, permit_leases, permit_money, tmp_path):
    from fastapi.testclient import TestClient

    from backend.main import create_app
    from tests.backend.writes.conftest import record

    contracts = {
        **full_deployment.contracts,
        "LeaseBook": record(permit_leases),
        "SettlementToken": record(permit_money),
    }
    path = tmp_path / "permit-deployment.json"
    full_deployment.model_copy(update={"contracts": contracts}).save(path)
    with TestClient(create_app(writes_settings.model_copy(update={"deployment_file": path}))) as c:
        yield c


def test_paying_action_is_signed_with_its_permit_R35_R16(
    permit_api, stocked, permit_leases, permit_money, regulator
):
    """R-16: with a permit-capable token the lessee signs the acceptance and the rent's permit
    in one go; without the permit nothing moves."""
    permit_money.mint(stocked.steel, RENT, {"from": regulator})
    lease_id = permit_leases.offerLease(
        stocked.steel, COD, 4_000, now() + YEAR, RENT, {"from": stocked.chem.account}
    ).return_value
    accept = {
        "lessee": stocked.steel.address,
        "id": lease_id,
        "pollutant": COD,
        "kg": 4_000,
        "rentFen": RENT,
    }
    prepared = prepare(permit_api, "accept-lease", accept)
    assert prepared["payment"]["permit_required"] is True
    permit = prepared["permit"]
    assert permit["primaryType"] == "Permit"
    assert permit["message"]["spender"] == permit_leases.address
    envelope = signed(prepared["typed_data"], key_of(1))
    start = web3.eth.block_number
    without = submit(permit_api, "accept-lease", envelope)
    assert without.status_code == 409
    assert error_of(without)["code"] == "ERC20InsufficientAllowance"
    assert web3.eth.block_number == start
    wrong = {**envelope, "permit": signed(permit, key_of(2))}
    assert submit(permit_api, "accept-lease", wrong).status_code == 401
    with_permit = {**envelope, "permit": signed(permit, key_of(1))}
    response = submit(permit_api, "accept-lease", with_permit)
    assert response.status_code == 200, response.text
    assert response.json()["permit_tx_hash"]
    assert permit_money.balanceOf(stocked.chem) == RENT
    assert permit_leases.lease(lease_id)["status"] == 2


def test_every_signed_action_matches_its_contract(full_deployment, deployment, rpc_url):
    """docs/signing.md rule 6: each action's struct hashes to the contract's public typehash,
    and every field, pre-check and simulation exists in the deployed ABIs (the settlement
    token as deployed, not the test money that stands in for it in this module)."""
    from backend.chain.client import Chain
    from backend.services.actions.catalogue import default_actions

    token = deployment.contracts["SettlementToken"]
    record = full_deployment.model_copy(
        update={"contracts": {**full_deployment.contracts, "SettlementToken": token}}
    )
    chain = Chain.connect(rpc_url, record)
    actions = default_actions()
    assert actions.check(chain) == []
    for name in ("surrender", "buy-back", "accept-lease", "attest"):
        assert actions.bind(chain, name).spec.contract in full_deployment.contracts


def test_regulator_runs_surrender_for_many_units_in_one_transaction_R24(
    api, stocked, period, ledger
):
    """R-24: `run-surrender-batch` runs each unit's surrender as `run-surrender` does, in one
    of the regulator's transactions; one refused unit refuses the whole batch."""
    body = {"pollutant": "COD", "period": period}
    both = [stocked.chem.address, stocked.steel.address]  # steel has no verified usage
    refused = api.post(
        "/api/v1/compliance/run-surrender-batch",
        json={"sender": address_of("regulator"), "units": both, **body},
    )
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "ComplianceUsageNotFinal"
    assert error_of(refused)["args"]["unit"] == stocked.steel.address
    assert ledger.holdings(stocked.chem, COD) == 13_000  # chem's surrender, before it, not kept
    answer = operate(
        api, "compliance/run-surrender-batch", {"units": both[:1], **body}, "regulator"
    )
    assert events(answer)["Surrendered"]["kg"] == 5_000
    assert ledger.holdings(stocked.chem, COD) == 8_000
