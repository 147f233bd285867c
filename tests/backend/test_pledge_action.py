"""The registry's signed pledge through the API (R-07, R-34): the product's first signed action.

The holder signs `Pledge(holder, bank, pollutant, quantityKg, claimFen, maturity, nonce, deadline)`
in its own wallet (the claim it secures and when it falls due, R-34); the service runs the
ledger's rule engine as the pre-check and relays `pledgeBySig`.
"""

import pytest
from brownie import web3

from backend.chain.domain import LEDGER_REASONS, Origin
from tests.backend.flows import act, error_of, prepare, signed, submit
from tests.conftest import DAY, YEAR
from tests.helpers import loan, now, plain

ACTION = "pledge"


@pytest.fixture(scope="module")
def holder(city, ledger, exchange, regulator, permits):
    """chem: 10 t paid + 3 t free COD, permit 8 t → 5 t excess, all of it paid."""
    cod = city.pollutant["COD"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 3_000, {"from": regulator})
    t0 = now()
    permits.issuePermit(city.chem, [cod], [8_000], t0 - DAY, t0 + YEAR, {"from": regulator})
    return city


CLAIM, MATURITY = 10**8, 2**40  # the loan's claim (fen) and due date (unix seconds)


def pledge_body(holder, bank, kg):
    return {"holder": holder.chem.address, "bank": bank.address,
            "pollutant": holder.pollutant["COD"], "quantityKg": kg, "claimFen": CLAIM,
            "maturity": MATURITY}  # fmt: skip


def test_ledger_reasons_name_its_errors(ledger):
    errors = {i["name"] for i in ledger.abi if i["type"] == "error"}
    assert set(LEDGER_REASONS[1:]) <= errors


def test_company_pledges_excess_paid_rights_R34(api, ledger, pledges, bank, holder, company_keys):
    """R-34: the holder's signed pledge is relayed; the rights stay owned but locked."""
    response = act(api, ACTION, pledge_body(holder, bank, 5_000), company_keys[0].private_key)
    assert response.status_code == 200, response.text
    events = {e["event"]: e for e in response.json()["events"]}
    assert events["Pledged"]["args"]["kg"] == 5_000
    assert (events["Pledged"]["args"]["claimFen"], events["Pledged"]["args"]["maturity"]) == (
        CLAIM,
        MATURITY,
    )
    assert events["Pledged"]["contract"] == "PledgeBook"
    assert "RightsPledged" in events  # the ledger's event, decoded too
    assert plain(ledger.balanceOf(holder.chem, holder.pollutant["COD"]))[3] == 5_000
    assert pledges.nonces(holder.chem) == 1


def test_pledge_below_the_permit_is_refused_at_prepare_R07(api, bank, holder):
    """R-07: only the excess over the permitted quantity can be pledged (reason 6)."""
    response = api.post(f"/api/v1/actions/{ACTION}/prepare", json=pledge_body(holder, bank, 5_001))
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["reason_code"]) == ("LedgerBelowPermit", 6)
    assert "R-06" in error["message"] and "许可" in error["message_zh"]


def test_refusal_at_submit_carries_the_ledgers_values_R07(
    api, ledger, pledges, bank, holder, company_keys
):
    """The holder pledged part directly after signing: the relayed pledge would now break R-07."""
    envelope = signed(
        prepare(api, ACTION, pledge_body(holder, bank, 5_000))["typed_data"],
        company_keys[0].private_key,
    )
    cod = holder.pollutant["COD"]
    pledges.pledge(bank, cod, 1, *loan(), {"from": holder.chem.account})
    # the direct pledge used no signature nonce; the envelope is still next in line
    start = web3.eth.block_number
    response = submit(api, ACTION, envelope)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "LedgerBelowPermit"
    assert error["args"] == {"account": holder.chem.address, "pollutant": cod,
                             "remaining": 7_999, "permitted": 8_000}  # fmt: skip
    assert web3.eth.block_number == start


def test_pledge_to_a_non_bank_is_refused_R34(api, pledges, stranger, holder, company_keys):
    """R-34: only an authorised pledgee takes rights as collateral; nothing is sent."""
    start = web3.eth.block_number
    response = act(api, ACTION, pledge_body(holder, stranger, 1_000), company_keys[0].private_key)
    assert response.status_code == 422
    assert error_of(response)["code"] == "PledgeNotPledgee"
    assert web3.eth.block_number == start and pledges.pledgeCount() == 0


def test_pledge_quantity_must_be_a_uint64_kg(api, bank, holder):
    """R-01: quantities are integer kilograms."""
    body = {**pledge_body(holder, bank, 1), "quantityKg": 1.5}
    response = api.post(f"/api/v1/actions/{ACTION}/prepare", json=body)
    assert response.status_code == 422 and "body.quantityKg" in error_of(response)["message"]
