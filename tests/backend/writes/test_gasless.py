"""A company without any of the chain's native coin does everything it has to do by signing
readable typed data in its wallet; the service relays (docs/signing.md, R-16). Money comes in
from the settlement bank against a bank transfer and goes out to a bank account (R-16, R-29).

Each fresh company below is a key made here, registered by the regulator, and never funded
with the native coin: the test checks its balance stays 0 after every act."""

from __future__ import annotations

import hashlib

import pytest
from brownie import chain, web3
from eth_account import Account
from eth_utils import keccak
from fastapi.testclient import TestClient

from backend.chain.domain import Sector
from backend.chain.typed_data import sign
from backend.main import create_app
from backend.services.registration import with_check
from tests.backend.writes.conftest import address_of, events, settings_for, sign_and_send
from tests.helpers import now

COD = 1
COD_FEN_PER_TONNE = 400_000  # tests/conftest.py BENCHMARKS


@pytest.fixture
def api(deployment, rpc_url, tmp_path):
    with TestClient(create_app(settings_for(deployment, rpc_url, tmp_path))) as client:
        yield client


@pytest.fixture(scope="module")
def fresh(city, registry, regulator):
    """Two new companies (industry, district 1) whose keys hold no native coin."""
    keys = [Account.create() for _ in range(2)]
    for i, key in enumerate(keys):
        registry.registerAccount(
            key.address, with_check(f"91500000MA5UGAL{i:02d}"), f"新能源材料{i}有限公司",
            int(Sector.INDUSTRY), 1, 1, {"from": regulator},
        )  # fmt: skip
    return keys


def error_of(response) -> dict:
    return response.json()["error"]


def act(api, name: str, key, body: dict, *, status: int = 200) -> dict:
    """prepare → sign in the company's wallet → submit; asserts the status."""
    prepared = api.post(f"/api/v1/actions/{name}/prepare", json=body)
    if prepared.status_code != 200:
        assert prepared.status_code == status, prepared.text
        return error_of(prepared)
    typed = prepared.json()["typed_data"]
    submitted = api.post(
        f"/api/v1/actions/{name}/submit",
        json={"typed_data": typed, "signature": "0x" + sign(typed, key.key).hex()},
    )
    assert submitted.status_code == status, submitted.text
    return submitted.json() if status == 200 else error_of(submitted)


def bank_issues(api, to: str, fen: int, reference: str) -> dict:
    built = api.post(
        "/api/v1/settlement/issue",
        json={"sender": address_of("settlement_bank"), "to": to, "fen": fen,
              "reference": reference},
    )  # fmt: skip
    assert built.status_code == 200, built.text
    sent = sign_and_send(api, built.json(), "settlement_bank")
    assert sent.status_code == 200, sent.text
    return sent.json()


def deposit(api, key, fen: int) -> dict:
    prepared = api.post(
        "/api/v1/money/deposit/prepare", json={"account": key.address.lower(), "amountFen": fen}
    )
    assert prepared.status_code == 200, prepared.text
    typed = prepared.json()["typed_data"]
    assert typed["primaryType"] == "Permit" and typed["message"]["value"] == fen
    done = api.post(
        "/api/v1/money/deposit/submit",
        json={"typed_data": typed, "signature": "0x" + sign(typed, key.key).hex()},
    )
    assert done.status_code == 200, done.text
    return done.json()


def test_money_in_trade_and_money_out_without_native_coin_R16_R29(
    api, fresh, registry, regulator, ledger, cny, secondary, primary, bank, pledges
):
    """RMB in (bank transfer → settlement money → trading account), a primary purchase, a
    listing sold to another fresh company, a negotiated trade, a pledge and its release, then
    RMB out (trading account → wallet → bank account): every act signed, none paid in gas."""
    a, b = fresh
    reference = "ICBC-20250101-000123"
    issued = events(bank_issues(api, a.address, 5_000_000, reference))["Issued"]
    assert issued["voucher"] == "0x" + keccak(text=reference).hex()  # the text stays off chain
    bank_issues(api, b.address, 5_000_000, "ICBC-20250101-000124")
    deposit(api, a, 3_000_000)
    deposit(api, b, 4_000_000)
    assert secondary.fundsOf(a.address)[0] == 3_000_000 and cny.balanceOf(a.address) == 2_000_000

    applied = act(api, "apply", a, {"applicant": a.address, "pollutant": COD,
                                    "quantityKg": 5_000, "kind": 0})  # fmt: skip
    application = events(applied)["ApplicationSubmitted"]["id"]
    primary.approve(application, 5_000, {"from": regulator})
    purchase = {"applicant": a.address, "application": application,
                "maxFeeFen": primary.feeOf(application) - 1}  # fmt: skip
    refused = act(api, "purchase", a, purchase, status=409)  # the fee is above what it accepts
    assert refused["code"] == "PrimaryFeeAboveAccepted"
    assert refused["args"]["feeFen"] == 2_000_000 and refused["args"]["maxFeeFen"] == 1_999_999
    act(api, "purchase", a, {**purchase, "maxFeeFen": 2_000_000})
    assert ledger.balanceOf(a.address, COD)[0] == 5_000  # paid, the fee to the treasury

    # not yet qualified: the refusal says what can be sold and why
    listing = {"seller": a.address, "pollutant": COD, "quantityKg": 2_000,
               "askFen": 900_000, "stepFen": 10_000, "endsAt": now() + 3_600}  # fmt: skip
    refused = act(api, "list", a, listing, status=409)
    assert refused["code"] == "LedgerSellerNotQualified"
    assert "R-39" in refused["explanation"]["zh"]
    registry.setQualifiedSeller(a.address, True, {"from": regulator})
    ledger.certifyTradable(a.address, COD, 5_000, {"from": regulator})
    listed = act(api, "list", a, listing)
    listing_id = events(listed)["Listed"]["id"]

    wrong = {"buyer": b.address, "listing": listing_id, "pollutant": COD, "quantityKg": 2_000,
             "priceFen": 800_000}  # fmt: skip
    assert act(api, "take", b, wrong, status=409)["code"] == "ExchangeTermsMismatch"
    act(api, "take", b, {**wrong, "priceFen": 900_000})
    assert ledger.balanceOf(b.address, COD)[0] == 2_000
    assert secondary.fundsOf(a.address)[0] == 3_000_000 - 2_000_000 + 900_000  # fee 5 t × 4000元

    prepared = api.post("/api/v1/trades/prepare", json={
        "seller": a.address.lower(), "buyer": b.address.lower(), "pollutant": "COD",
        "quantityKg": 1_000, "priceFen": 450_000})  # fmt: skip
    assert prepared.status_code == 200, prepared.text
    trade = {party: {"typed_data": prepared.json()[party]["typed_data"],
                     "signature": "0x" + sign(prepared.json()[party]["typed_data"], k.key).hex()}
             for party, k in (("seller", a), ("buyer", b))}  # fmt: skip
    assert api.post("/api/v1/trades/submit", json=trade).status_code == 200
    assert ledger.balanceOf(b.address, COD)[0] == 3_000

    pledged = act(api, "pledge", b, {"holder": b.address, "bank": bank.address,
                                     "pollutant": COD, "quantityKg": 1_000, "claimFen": 300_000,
                                     "maturity": now() + 90 * 86_400})  # fmt: skip
    pledges.release(events(pledged)["Pledged"]["id"], {"from": bank})
    assert ledger.balanceOf(b.address, COD)[3] == 0

    act(api, "withdraw", a, {"account": a.address, "amountFen": 1_000_000})
    account_hash = "0x" + hashlib.sha256(b"6222 0000 1111 2222").hexdigest()
    requested = act(api, "redeem", a, {"holder": a.address, "amountFen": 2_500_000,
                                       "bankAccount": account_hash})  # fmt: skip
    request_id = events(requested)["RedemptionRequested"]["id"]
    assert cny.pendingRedemptions() == 2_500_000
    built = api.post(
        "/api/v1/settlement/confirm-redemption",
        json={"sender": address_of("settlement_bank"), "id": request_id, "reference": "OUT-7788"},
    )
    assert built.status_code == 200, built.text
    assert sign_and_send(api, built.json(), "settlement_bank").status_code == 200
    assert cny.balanceOf(a.address) == 2_000_000 + 1_000_000 - 2_500_000
    assert cny.pendingRedemptions() == 0
    assert cny.totalIssued() - cny.totalRedeemed() == cny.totalSupply()

    too_much = act(api, "redeem", a, {"holder": a.address, "amountFen": 10**9,
                                      "bankAccount": account_hash}, status=409)  # fmt: skip
    assert too_much["code"] == "SettlementInsufficientBalance"
    assert "元" in too_much["explanation"]["zh"]
    assert web3.eth.get_balance(a.address) == 0 and web3.eth.get_balance(b.address) == 0


def test_auctions_by_signature_and_the_keeper_R14_R16(api, fresh, registry, regulator, ledger,
                                                       secondary, exchange, auctions):  # fmt: skip
    """A seller offers a lot, a bidder joins (bound to the deposit), bids; after the end the
    keeper settles and refunds; nobody pays gas."""
    from backend.chain.domain import Origin

    a, b = fresh
    for key in fresh:
        bank_issues(api, key.address, 3_000_000, f"T-{key.address[-6:]}")
        deposit(api, key, 3_000_000)
    ledger.allocate(a.address, COD, int(Origin.PAID), 4_000, {"from": exchange})
    registry.setQualifiedSeller(a.address, True, {"from": regulator})
    ledger.certifyTradable(a.address, COD, 4_000, {"from": regulator})
    ends = now() + 600
    offered = act(api, "offer-lot", a, {
        "seller": a.address, "pollutant": COD, "quantityKg": 2_000, "format": 0,
        "reserveFen": 800_000, "depositFen": 100_000, "stepFen": 10_000, "biddingEnds": ends,
        "revealEnds": 0})  # fmt: skip
    lot = events(offered)["LotOffered"]["id"]
    join = {"bidder": b.address, "lot": lot, "application": 0, "depositFen": 50_000}
    assert act(api, "join", b, join, status=409)["code"] == "AuctionDepositMismatch"
    act(api, "join", b, {**join, "depositFen": 100_000})
    low = act(api, "bid-lot", b, {"bidder": b.address, "lot": lot, "priceFen": 700_000},
              status=409)  # fmt: skip
    assert low["code"] == "AuctionBidTooLow"
    act(api, "bid-lot", b, {"bidder": b.address, "lot": lot, "priceFen": 850_000})
    early = api.post("/api/v1/keeper/settle-lot", json={"id": lot})
    assert early.status_code == 409 and error_of(early)["code"] == "AuctionNotEnded"
    chain.sleep(700)
    chain.mine()
    settled = api.post("/api/v1/keeper/settle-lot", json={"id": lot})
    assert settled.status_code == 200, settled.text
    assert events(settled.json())["LotSold"]["winner"] == b.address
    assert ledger.balanceOf(b.address, COD)[0] == 2_000
    assert secondary.fundsOf(a.address)[0] == 3_000_000 + 850_000
    assert web3.eth.get_balance(a.address) == 0 and web3.eth.get_balance(b.address) == 0


def test_the_keeper_refuses_bad_input_and_acts_not_due_with_named_errors(api, fresh):
    """The keeper relays only acts anyone may take, once due; anything else is a 4xx, and
    nothing is sent."""
    bad = api.post("/api/v1/keeper/settle-lot", json={"id": "one"})
    assert bad.status_code == 422 and error_of(bad)["code"] == "RequestInvalid"
    other = api.post("/api/v1/keeper/reclaim", json={})
    assert other.status_code in (404, 422)
    unknown = api.post("/api/v1/keeper/settle-listing", json={"id": 999_999})
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "ExchangeUnknownListing"
