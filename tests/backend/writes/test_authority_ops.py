"""Authorities through the API: each builds an unsigned transaction, signs it with its own key
and posts it raw. The service never holds these keys; a refused operation builds nothing.
"""

import pytest
from brownie import web3

from backend.chain.domain import Origin
from backend.services.operation_catalogue import default_operations
from backend.services.registration import with_check
from tests.backend.flows import error_of, signed
from tests.backend.writes.conftest import (
    address_of,
    build,
    events,
    key_of,
    operate,
    sign_and_send,
)
from tests.helpers import NOTICE, loan, now, plain

CHEM, HOTEL = 0, 5  # companies[i] of the city's units (tests/conftest.py)

COD = 1
NEW_UNIT = "0x000000000000000000000000000000000000bEEF"

NEW_CODE = with_check("91500000MA5UNEW00")  # GB 32100, with its check character


def test_every_operation_names_a_function_of_its_contract(full_deployment, deployment):
    """The operations table and the deployed ABIs agree (a renamed function fails here); the
    settlement token as deployed, not the test money that stands in for it in this module."""
    contracts = {
        **full_deployment.contracts,
        "SettlementToken": deployment.contracts["SettlementToken"],
    }
    for op in default_operations():
        if callable(op.contract):
            continue
        abi = contracts[op.contract].abi
        names = {i["name"] for i in abi if i.get("type") == "function"}
        assert op.function in names, op.name


def test_operations_are_listed_with_their_schemas(api):
    listed = {o["name"]: o for o in api.get("/api/v1/operations").json()}
    assert len(listed) == len(list(default_operations()))
    assert listed["register-account"]["path"] == "/api/v1/registry/register-account"
    assert "creditCode" in listed["register-account"]["fields"]["properties"]


def test_regulator_registers_allocates_and_issues_a_permit_R02_R05_R06(api, city, registry, ledger):
    """R-02: account bound to its credit code; R-05: legacy free allocation; R-06: permit."""
    built = build(
        api,
        "registry/register-account",
        {
            "sender": address_of("regulator"),
            "holder": NEW_UNIT,
            "creditCode": NEW_CODE,
            "name": "新材料有限公司",
            "sector": "industry",
            "district": 1,
            "basin": 1,
        },
    )
    assert built.status_code == 200, built.text
    out = built.json()
    nonce = web3.eth.get_transaction_count(address_of("regulator"))
    assert out["transaction"]["nonce"] == hex(nonce)  # JSON-RPC quantities: what wallets take
    assert "registerAccount" in out["summary"] and out["args"]["creditCode"] == NEW_CODE
    sent = sign_and_send(api, out, "regulator")
    assert sent.status_code == 200, sent.text
    assert events(sent.json())["AccountRegistered"]["holder"] == NEW_UNIT
    assert registry.holderOf(NEW_CODE) == NEW_UNIT
    operate(
        api,
        "allocation/allocate-free",
        {"holder": NEW_UNIT, "pollutant": "COD", "kg": 2_000},
        "regulator",
    )
    t0 = now()
    operate(
        api,
        "permits/issue-permit",
        {
            "holder": NEW_UNIT,
            "validFrom": t0,
            "validTo": t0 + 86400,
            "permitted": [{"pollutant": "COD", "kg": 1_500}],
        },
        "regulator",
    )
    assert plain(ledger.balanceOf(NEW_UNIT, COD))[1] == 2_000
    assert ledger.permitValid(NEW_UNIT)


def test_district_regulator_acts_only_in_its_district(api, city, registry):
    """SPEC §1: a district regulator freezes a unit of its district (R-17), not another's."""
    body = {"restriction": "supervision", "active": True, "reason": "环保挂牌督办"}
    operate(
        api, "registry/set-restriction", {"holder": city.chem.address, **body}, "district_regulator"
    )
    assert registry.profile(city.chem)["restrictions"] == 2
    outside = build(
        api,
        "registry/set-restriction",
        {"sender": address_of("district_regulator"), "holder": city.steel.address, **body},
    )
    assert outside.status_code == 403
    assert error_of(outside)["code"] == "RegistryOutsideDistrict"


def test_price_bureau_publishes_a_benchmark_R15(api, city, prices):
    """R-15: the price bureau's publication, effective from a future moment."""
    answer = operate(
        api,
        "prices/publish-benchmark",
        {
            "pollutant": "SO2",
            "region": 2,
            "fenPerTonne": 250_000,
            "effectiveFrom": now() + NOTICE + 120,
        },
        "price_bureau",
    )
    assert answer["events"][0]["contract"] == "PriceBook"
    refused = build(
        api,
        "prices/publish-benchmark",
        {
            "sender": address_of("regulator"),
            "pollutant": "SO2",
            "fenPerTonne": 1,
            "effectiveFrom": now() + NOTICE + 120,
        },
    )
    assert refused.status_code == 403
    early = build(
        api,
        "prices/publish-benchmark",
        {
            "sender": address_of("price_bureau"),
            "pollutant": "SO2",
            "fenPerTonne": 200_000,
            "effectiveFrom": now() + 120,
        },
    )
    assert (early.status_code, error_of(early)["code"]) == (409, "PriceBookNoticeTooShort")
    wild = build(
        api,
        "prices/publish-benchmark",
        {
            "sender": address_of("price_bureau"),
            "pollutant": "SO2",
            "fenPerTonne": 200_000_000,
            "effectiveFrom": now() + NOTICE + 120,
        },
    )
    assert (wild.status_code, error_of(wild)["code"]) == (409, "PriceBookOutsideBand")
    assert error_of(refused)["code"] == "AccessControlUnauthorizedAccount"


def test_regulator_qualifies_a_seller_and_certifies_tradable_rights_R39(
    api, city, ledger, exchange
):
    """R-39: the regulator qualifies the seller and certifies the quantity it may sell; the
    sale itself is the exchange's (tests/backend/writes/test_market.py)."""
    ledger.allocate(city.chem, COD, int(Origin.PAID), 10_000, {"from": exchange})
    qualified = operate(
        api,
        "registry/set-qualified-seller",
        {"holder": city.chem.address, "qualified": True},
        "regulator",
    )
    assert qualified["events"][0]["contract"] == "AccountRegistry"
    operate(
        api,
        "allocation/certify-tradable",
        {"holder": city.chem.address, "pollutant": COD, "kg": 5_000},
        "regulator",
    )
    assert ledger.positionOf(city.chem, COD)[3] == 5_000
    by_the_unit = build(
        api,
        "allocation/certify-tradable",
        {"sender": city.chem.address, "holder": city.chem.address, "pollutant": COD, "kg": 1},
    )
    assert by_the_unit.status_code == 403
    assert ledger.positionOf(city.chem, COD)[3] == 5_000


def test_treasury_funds_the_reserve_R29(api, city, money, reserve, treasury, regulator):
    """R-27, R-29: the treasury pays settlement money into the reserve fund."""
    money.mint(treasury, 500_000, {"from": regulator})
    before = money.balanceOf(reserve)
    operate(api, "payments/fund-reserve", {"fen": 500_000}, "treasury")
    assert money.balanceOf(reserve) == before + 500_000


def test_bank_releases_a_pledge_R34(api, city, ledger, pledges, exchange, bank):
    """R-34: the bank (pledgee) releases a repaid pledge; another bank cannot."""
    ledger.allocate(city.chem, COD, int(Origin.PAID), 10_000, {"from": exchange})
    pledge_id = pledges.pledge(bank, COD, 3_000, *loan(), {"from": city.chem.account}).return_value
    foreign = build(
        api, "pledges/release-pledge", {"sender": address_of("exchange"), "id": pledge_id}
    )
    assert foreign.status_code == 403
    assert error_of(foreign)["code"] == "PledgeNotBank"
    operate(api, "pledges/release-pledge", {"id": pledge_id}, "bank")
    assert plain(ledger.balanceOf(city.chem, COD))[3] == 0


def test_verifier_attests_and_regulator_corrects_R23(api, city, deployment):
    """R-23: a verifier's own transaction; the regulator corrects with evidence and reason."""
    body = {
        "unit": city.chem.address,
        "pollutant": "COD",
        "period": 1,
        "kg": 900,
        "evidence": "0x" + "cd" * 32,
    }
    answer = operate(api, "verification/attest-usage", body, "verifier_a")
    assert events(answer)["UsageAttested"]["kg"] == 900
    alone = build(
        api,
        "verification/correct-usage",
        {"sender": address_of("regulator"), **body, "kg": 950, "reason": "复核"},
    )  # no quorum yet: a correction never stands in for it
    assert (alone.status_code, error_of(alone)["code"]) == (409, "OracleQuorumNotReached")
    operate(api, "verification/attest-usage", body, "verifier_b")
    answer = operate(
        api, "verification/correct-usage", {**body, "kg": 950, "reason": "复核"}, "regulator"
    )
    assert events(answer)["UsageCorrected"]["kg"] == 950


def test_regulator_grants_a_role_and_merges_units_R30(api, city, pledges, ledger, exchange):
    """Role grants through the API; R-30: a merger moves the rights and closes the merged."""
    operate(
        api,
        "roles/grant-role",
        {"contract": "PledgeBook", "role": "PLEDGEE_ROLE", "account": city.fund.address},
        "regulator",
    )
    assert pledges.hasRole(pledges.PLEDGEE_ROLE(), city.fund)
    unknown = build(
        api,
        "roles/grant-role",
        {
            "sender": address_of("regulator"),
            "contract": "PledgeBook",
            "role": "WIZARD_ROLE",
            "account": city.fund.address,
        },
    )
    assert unknown.status_code == 404
    ledger.allocate(city.hotel, COD, int(Origin.PAID), 1_000, {"from": exchange})
    operate(  # the test deployment's regulator holds the council's role: no signatures
        api,
        "lifecycle/merge",
        {"from": city.hotel.address, "to": city.chem.address, "reason": "吸收合并"},
        "regulator",
    )
    assert plain(ledger.balanceOf(city.chem, COD))[0] == 1_000


@pytest.fixture
def council_lifecycle(lifecycle, full_deployment, regulator):
    """The council's time lock holds its role on this module's lifecycle contract, as in
    production, so the service can simulate an act as the council would make it."""
    lock = full_deployment.contracts["CouncilTimelock"].address
    lifecycle.grantRole(lifecycle.TIMELOCK_ROLE(), lock, {"from": regulator})
    return lifecycle


def test_units_consent_to_a_merger_their_regulator_submits_R30(
    api, city, ledger, exchange, council_lifecycle
):
    """R-30: the service gives each unit the typed data of the merger; each signs it in its own
    wallet; the district regulator builds the merger with their signatures. Without them it is
    refused before anything is signed."""
    ledger.allocate(city.hotel, COD, int(Origin.PAID), 1_000, {"from": exchange})
    merger = {"from": city.hotel.address, "to": city.chem.address}
    alone = build(api, "lifecycle/merge", {"sender": address_of("district_regulator"), **merger,
                                           "reason": "吸收合并"})  # fmt: skip
    assert (alone.status_code, error_of(alone)["code"]) == (403, "LifecycleConsentMissing")
    consent = api.post("/api/v1/lifecycle/consents/merge", json=merger)
    assert consent.status_code == 200, consent.text
    prepared = consent.json()
    assert [p["signer"] for p in prepared["parties"]] == [city.hotel.address, city.chem.address]
    assert prepared["parties"][0]["typed_data"]["primaryType"] == "Merge"
    keys = {city.hotel.address: HOTEL, city.chem.address: CHEM}
    signatures = [
        signed(p["typed_data"], key_of(keys[p["signer"]]))["signature"] for p in prepared["parties"]
    ]
    operate(api, "lifecycle/merge", {**merger, "reason": "吸收合并",
                                     "deadline": prepared["deadline"], "signatures": signatures},
            "district_regulator")  # fmt: skip
    assert plain(ledger.balanceOf(city.chem, COD))[0] == 1_000


def test_a_consent_to_an_impossible_act_is_refused_before_signing_R30(
    api, city, reserve, council_lifecycle
):
    """The act is simulated as the council would make it: the reserve never merges."""
    refused = api.post(
        "/api/v1/lifecycle/consents/merge", json={"from": reserve.address, "to": city.chem.address}
    )
    assert (refused.status_code, error_of(refused)["code"]) == (409, "LifecycleAuthorityAccount")


@pytest.mark.parametrize(
    ("path", "body", "code", "status"),
    [
        (
            "allocation/set-cap",
            {"region": 1, "pollutant": "COD", "capKg": 1},
            "LedgerCapBelowAllocated",
            409,
        ),
        (
            "registry/register-account",
            {
                "holder": NEW_UNIT,
                "creditCode": with_check("91500000MA5U00000"),  # the test city's first unit
                "name": "重复",
                "sector": "industry",
                "district": 1,
                "basin": 1,
            },
            "RegistryCreditCodeTaken",
            409,
        ),
        (
            "allocation/allocate-free",
            {"holder": NEW_UNIT, "pollutant": "COD", "kg": 1},
            "LedgerNotRegistered",
            404,
        ),
        (
            "allocation/allocate-free",
            {"holder": NEW_UNIT, "pollutant": "XYZ", "kg": 1},
            "PollutantUnknown",
            404,
        ),
        ("lifecycle/close-unit", {"unit": NEW_UNIT, "reason": "注销"}, "LifecycleNotOpen", 409),
    ],
)
def test_refused_operations_name_the_rule_and_build_nothing(
    api, city, ledger, exchange, path, body, code, status
):
    """A refusal is the contract's own error with the table's status; no transaction exists."""
    ledger.allocate(city.chem, COD, int(Origin.PAID), 10_000, {"from": exchange})
    start = web3.eth.block_number
    response = build(api, path, {"sender": address_of("regulator"), **body})
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code
    assert "transaction" not in response.json()
    assert web3.eth.block_number == start


def _registration(n: int, code: str | None = None) -> dict:
    from eth_utils import to_checksum_address

    return {
        "holder": to_checksum_address(f"0x{0xB47C400 + n:040x}"),
        "creditCode": code or with_check(f"91500000MA5UB{n:04d}"),
        "name": f"批量登记企业{n}",
        "sector": "industry",
        "district": 1,
        "basin": 1,
    }


def test_regulator_registers_many_accounts_in_one_transaction_R02(api, city, registry):
    """R-02: `register-accounts` registers each line as `register-account` does, in one
    transaction; one refused line refuses the whole batch; the list is 1 to 100 lines."""
    lines = [_registration(n) for n in range(3)]
    answer = operate(api, "registry/register-accounts", {"accounts": lines}, "regulator")
    registered = [
        e["args"]["holder"] for e in answer["events"] if e["event"] == "AccountRegistered"
    ]
    assert registered == [line["holder"] for line in lines]
    assert [registry.holderOf(line["creditCode"]) for line in lines] == registered

    # a line whose credit code is taken refuses the batch: the new line before it is not kept
    taken = [_registration(10), _registration(11, code=lines[0]["creditCode"])]
    refused = build(
        api, "registry/register-accounts", {"sender": address_of("regulator"), "accounts": taken}
    )
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "RegistryCreditCodeTaken"
    assert registry.holderOf(taken[0]["creditCode"]) == "0x" + "0" * 40

    for count in (0, 101):
        body = {"sender": address_of("regulator"), "accounts": [_registration(20)] * count}
        assert build(api, "registry/register-accounts", body).status_code == 422


def test_verifier_attests_many_figures_in_one_transaction_R23(api, city, deployment):
    """R-23: `attest-usage-batch` attests each figure as `attest-usage` does, in one of the
    verifier's own transactions; one refused figure refuses the whole batch."""
    figure = {"pollutant": "COD", "period": 1, "kg": 700, "evidence": "0x" + "ef" * 32}
    units = [city.chem.address, city.steel.address]
    answer = operate(
        api,
        "verification/attest-usage-batch",
        {"figures": [{**figure, "unit": u} for u in units]},
        "verifier_a",
    )
    attested = [e["args"] for e in answer["events"] if e["event"] == "UsageAttested"]
    assert [(a["unit"], a["kg"]) for a in attested] == [(u, 700) for u in units]

    # the same figure again is refused (unchanged), and with it the new figure before it
    again = [{**figure, "unit": city.fund.address}, {**figure, "unit": units[0]}]
    refused = build(
        api,
        "verification/attest-usage-batch",
        {"sender": address_of("verifier_a"), "figures": again},
    )
    assert refused.status_code == 409, refused.text
    assert error_of(refused)["code"] == "OracleAttestationUnchanged"
    alone = operate(api, "verification/attest-usage", again[0], "verifier_a")  # not kept before
    assert events(alone)["UsageAttested"]["unit"] == city.fund.address
