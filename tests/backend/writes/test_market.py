"""Companies trade through the service with their own keys (SPEC §5, R-13, R-14, R-16).

The service runs on the deployment record as scripts/deploy.py writes it (the exchange, the
auction house and the primary market hold the ledger's EXCHANGE_ROLE; no account of the
operator moves rights). A negotiated trade is signed by both parties and relayed; listings,
auctions and primary applications are transactions each party signs itself.
"""

from __future__ import annotations

import pytest
from brownie import web3
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend import cli
from backend.chain.domain import MarketReason, Reason, verdict_error
from backend.chain.typed_data import sign
from backend.main import create_app
from tests.backend.writes.conftest import address_of, events, settings_for, sign_and_send
from tests.helpers import FUNDS_FEN, STOCK_KG, company_key, loan, now

CHEM, STEEL, FARM = 0, 1, 4  # companies[i] of tests/conftest.py CITY_UNITS
COD_FEN_PER_TONNE = 400_000  # tests/conftest.py BENCHMARKS


@pytest.fixture
def market_settings(deployment, rpc_url, tmp_path):
    settings = settings_for(deployment, rpc_url, tmp_path)
    return settings.model_copy(update={"wallet_password": SecretStr("correct horse")})


@pytest.fixture
def market_api(market_settings):
    """The service on the deployment record as deployed (real exchange and settlement money)."""
    with TestClient(create_app(market_settings)) as client:
        yield client


def terms(kg: int = 1_000, price_fen: int | None = None, **extra) -> dict:
    price = kg * COD_FEN_PER_TONNE // 1_000 if price_fen is None else price_fen
    return {
        "seller": address_of(CHEM),
        "buyer": address_of(STEEL),
        "pollutant": "COD",
        "quantityKg": kg,
        "priceFen": price,
        **extra,
    }


def signed(prepared: dict, party: str, key_index: int) -> dict:
    """What a party's wallet returns: its typed data and its signature."""
    typed = prepared[party]["typed_data"]
    return {"typed_data": typed, "signature": "0x" + sign(typed, company_key(key_index)).hex()}


def prepare(api, **kw) -> dict:
    answer = api.post("/api/v1/trades/prepare", json=terms(**kw))
    assert answer.status_code == 200, answer.text
    return answer.json()


def cod(ledger, unit) -> int:
    return ledger.balanceOf(unit, 1)[0]  # paid COD (pollutant 1)


def error_of(response) -> dict:
    return response.json()["error"]


# ------------------------------------------------------------------ negotiated trades


def test_both_parties_sign_and_the_service_settles_once_R14_R16(
    market_api, traders, ledger, secondary
):
    """R-14 协议转让: each party signs in its own wallet; rights and money move in one
    transaction; the same request again returns that transaction, nothing moves twice."""
    chem, steel = traders.chem, traders.steel
    prepared = prepare(market_api)
    assert prepared["seller"]["signer"] == chem.address
    assert prepared["buyer"]["signer"] == steel.address
    assert prepared["seller"]["typed_data"]["message"]["deadline"] == prepared["deadline"]
    body = {"seller": signed(prepared, "seller", CHEM), "buyer": signed(prepared, "buyer", STEEL)}
    before = cod(ledger, chem), cod(ledger, steel), secondary.fundsOf(chem)[0]

    answer = market_api.post("/api/v1/trades/submit", json=body)

    assert answer.status_code == 200, answer.text
    traded = events(answer.json())["RightsTraded"]
    assert traded["kg"] == 1_000
    assert cod(ledger, chem) == before[0] - 1_000
    assert cod(ledger, steel) == before[1] + 1_000
    assert secondary.fundsOf(chem)[0] == before[2] + 400_000
    assert secondary.nonces(chem) == 1 and secondary.nonces(steel) == 1

    again = market_api.post("/api/v1/trades/submit", json=body)
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["tx_hash"] == answer.json()["tx_hash"]
    assert cod(ledger, steel) == before[1] + 1_000


def test_prepare_refuses_a_price_below_the_benchmark_R15(market_api, traders):
    answer = market_api.post("/api/v1/trades/prepare", json=terms(price_fen=399_999))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "LedgerPriceBelowBenchmark"


def test_prepare_refuses_a_buyer_without_the_money_R16(market_api, traders):
    answer = market_api.post("/api/v1/trades/prepare", json=terms(price_fen=FUNDS_FEN + 1))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "MarketInsufficientFunds"
    assert error_of(answer)["args"] == {"availableFen": FUNDS_FEN, "neededFen": FUNDS_FEN + 1}
    explained = error_of(answer)["explanation"]
    assert "交易账户可用资金不足（R-16）" in explained["zh"]
    assert f"{FUNDS_FEN // 100:,}.00 元" in explained["zh"]  # the figures in 元, not fen


def test_prepare_refuses_industry_and_livestock_R20(market_api, traders):
    answer = market_api.post("/api/v1/trades/prepare", json=terms(buyer=address_of(FARM)))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "LedgerIndustryLivestock"


def test_prepare_refuses_a_mode_negotiated_trades_cannot_have(market_api, traders):
    answer = market_api.post("/api/v1/trades/prepare", json=terms(mode="listing"))
    assert answer.status_code == 422
    assert error_of(answer)["code"] == "RequestInvalid"


def test_submit_refuses_a_signature_of_the_wrong_party(market_api, traders, ledger):
    prepared = prepare(market_api)
    before = cod(ledger, traders.steel)
    body = {"seller": signed(prepared, "seller", CHEM), "buyer": signed(prepared, "buyer", CHEM)}
    answer = market_api.post("/api/v1/trades/submit", json=body)
    assert answer.status_code == 401
    error = error_of(answer)
    assert (error["code"], error["args"]) == (
        "SignerMismatch",
        {"party": "buyer", "expected": address_of(STEEL)},
    )
    assert f"is not that of the buyer {address_of(STEEL)} over these terms" in error["message"]
    assert cod(ledger, traders.steel) == before


def test_submit_refuses_terms_the_parties_did_not_both_sign(market_api, traders):
    prepared = prepare(market_api)
    other = prepare(market_api, price_fen=500_000)
    body = {"seller": signed(prepared, "seller", CHEM), "buyer": signed(other, "buyer", STEEL)}
    answer = market_api.post("/api/v1/trades/submit", json=body)
    assert answer.status_code == 422
    assert error_of(answer)["code"] == "TypedDataMismatch"
    assert "priceFen" in error_of(answer)["message"]


def test_submit_refuses_a_used_nonce(market_api, traders):
    """A second agreement signed with the same nonces cannot settle after the first."""
    first, second = prepare(market_api), prepare(market_api, kg=2_000)

    def sign_both(p: dict) -> dict:
        return {"seller": signed(p, "seller", CHEM), "buyer": signed(p, "buyer", STEEL)}

    assert market_api.post("/api/v1/trades/submit", json=sign_both(first)).status_code == 200
    answer = market_api.post("/api/v1/trades/submit", json=sign_both(second))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "NonceAlreadyUsed"


def test_submit_refuses_an_expired_agreement(market_api, traders):
    from brownie import chain

    prepared = prepare(market_api)  # the service's default deadline: an hour of chain time
    chain.sleep(prepared["deadline"] - now() + 1)
    chain.mine()
    body = {"seller": signed(prepared, "seller", CHEM), "buyer": signed(prepared, "buyer", STEEL)}
    answer = market_api.post("/api/v1/trades/submit", json=body)
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "SignatureExpired"


def test_a_party_sends_the_settlement_itself_with_the_other_signature(market_api, traders, ledger):
    """POST /market/settle-trade: the buyer signs the transaction, the seller's signature
    is its consent; the buyer's own side needs none."""
    prepared = prepare(market_api)
    before = cod(ledger, traders.steel)
    body = {
        "sender": address_of(STEEL),
        **terms(),
        "deadline": prepared["deadline"],
        "sellerSignature": signed(prepared, "seller", CHEM)["signature"],
    }
    built = market_api.post("/api/v1/market/settle-trade", json=body)
    assert built.status_code == 200, built.text
    tx = built.json()["transaction"]
    # the EIP-2930 access list names the ledger the exchange calls, with the slots it touches,
    # and not the exchange itself (warm anyway); on the same state, the list makes it cheaper
    listed = {e["address"]: e["storageKeys"] for e in tx["accessList"]}
    assert listed.get(ledger.address)  # with its slots
    assert tx["to"] not in listed
    call = {"from": tx["from"], "to": tx["to"], "data": tx["data"]}
    with_list = web3.eth.estimate_gas({**call, "accessList": tx["accessList"]})
    assert with_list < web3.eth.estimate_gas(call) <= int(tx["gas"], 16) == int(tx["gasLimit"], 16)
    sent = sign_and_send(market_api, built.json(), STEEL)
    assert sent.status_code == 200, sent.text
    assert cod(ledger, traders.steel) == before + 1_000

    unsigned = {**body, "sellerSignature": "0x"}  # no consent of the seller
    refused = market_api.post("/api/v1/market/settle-trade", json=unsigned)
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "SignedActionInvalidSignature"


def test_no_access_list_when_the_node_cannot_give_one():
    """An unreachable node (or one without ``eth_createAccessList``) gives no list: the
    transaction is still built and valid without one."""
    from types import SimpleNamespace

    from web3 import HTTPProvider, Web3

    from backend.services.operations import access_list

    dead = SimpleNamespace(w3=Web3(HTTPProvider("http://127.0.0.1:9", {"timeout": 2})))
    to, sender = address_of(CHEM), address_of(STEEL)
    assert access_list(dead, sender=sender, to=to, data="0x") == []  # type: ignore[arg-type]


def test_the_cli_prepares_signs_each_part_and_submits(
    market_api, market_settings, traders, ledger, tmp_path, monkeypatch
):
    """``backend trade prepare`` writes one file per party; each signs its own with its
    keystore wallet; ``backend trade submit`` settles."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str, input: str | None = None) -> str:
        result = CliRunner().invoke(
            cli.main,
            list(args),
            obj=cli.CliContext(settings=market_settings, http=market_api),
            input=input,
        )
        assert result.exit_code == 0, result.output
        return result.output

    for name, index in (("paper", CHEM), ("pharma", STEEL)):
        run("wallet", "import", name, "--kdf", "pbkdf2", "--iterations", "1000",
            input=company_key(index) + "\n")  # fmt: skip
    fields = [f"-f{k}={v}" for k, v in terms().items()]
    run("trade", "prepare", *fields, "-o", "deal")
    run("action", "sign", "deal.seller.json", "--wallet", "paper", "--yes", "-o", "s.json")
    run("action", "sign", "deal.buyer.json", "--wallet", "pharma", "--yes", "-o", "b.json")
    before = cod(ledger, traders.steel)
    out = run("trade", "submit", "s.json", "b.json")
    assert '"tx_hash"' in out
    assert cod(ledger, traders.steel) == before + 1_000


# ------------------------------------------------------------------ listings and auctions


def transact(api, path: str, body: dict, party: int) -> dict:
    built = api.post(f"/api/v1/{path}", json={"sender": address_of(party), **body})
    assert built.status_code == 200, built.text
    sent = sign_and_send(api, built.json(), party)
    assert sent.status_code == 200, sent.text
    return sent.json()


def test_a_unit_lists_rights_and_another_takes_them_R14(market_api, traders, ledger):
    """挂牌 → 摘牌: both sign their own transactions; the listing's id comes back from the
    simulated call."""
    built = market_api.post(
        "/api/v1/market/list",
        json={
            "sender": address_of(CHEM),
            "pollutant": "COD",
            "quantityKg": 3_000,
            "askFen": 1_500_000,
            "stepFen": 10_000,
            "endsAt": now() + 3_600,
        },
    )
    assert built.status_code == 200, built.text
    listing = built.json()["returns"]
    assert sign_and_send(market_api, built.json(), CHEM).status_code == 200
    before = cod(ledger, traders.steel)
    taken = transact(market_api, "market/take", {"id": listing}, STEEL)
    assert events(taken)["RightsTraded"]["kg"] == 3_000
    assert cod(ledger, traders.steel) == before + 3_000


def test_rights_the_seller_cannot_deliver_are_refused_when_listed_and_when_taken_R05_R39(
    market_api, traders, ledger, pledges, bank
):
    """Listing more than the seller could deliver is refused before anyone signs, with the
    ledger's error the take would give (R-39: certified quantity). The rules run again when the
    rights move: rights pledged after listing cannot be taken, and the refusal is the ledger's;
    nothing moves."""
    listing = {"pollutant": "COD", "askFen": 100_000_000, "stepFen": 10_000,
               "endsAt": now() + 3_600}  # fmt: skip
    answer = market_api.post(
        "/api/v1/market/list",
        json={"sender": address_of(CHEM), **listing, "quantityKg": STOCK_KG + 1},
    )
    assert answer.status_code == 409
    error = error_of(answer)
    assert (error["code"], error["args"]) == (
        "LedgerNotCertifiedTradable",
        {
            "account": address_of(CHEM),
            "pollutant": 1,
            "requested": STOCK_KG + 1,
            "certified": STOCK_KG,
        },
    )

    listed = transact(market_api, "market/list", {**listing, "quantityKg": STOCK_KG}, CHEM)
    listing_id = events(listed)["Listed"]["id"]
    pledges.pledge(bank, traders.pollutant["COD"], 1, *loan(), {"from": traders.chem.account})
    before = cod(ledger, traders.steel)
    answer = market_api.post(
        "/api/v1/market/take", json={"sender": address_of(STEEL), "id": listing_id}
    )
    assert answer.status_code == 409
    error = error_of(answer)
    assert error["code"] == "LedgerInsufficientRights"
    assert error["message"].startswith("Not enough unencumbered rights")
    assert cod(ledger, traders.steel) == before


def ascending_terms(reserve_fen: int) -> dict:
    """An ascending auction's terms as the API takes them: deposit 1 000 元, bidding for an hour."""
    return {
        "format": "ascending",
        "reserveFen": reserve_fen,
        "depositFen": 100_000,
        "stepFen": 10_000,
        "biddingEnds": now() + 3_600,
    }


def test_an_ascending_auction_through_the_service_R14_R16(market_api, traders, ledger):
    from brownie import chain

    offered = market_api.post(
        "/api/v1/auctions/offer-lot",
        json={
            "sender": address_of(CHEM),
            "pollutant": "COD",
            "quantityKg": 2_000,
            "terms": ascending_terms(800_000),
        },
    )
    assert offered.status_code == 200, offered.text
    lot = offered.json()["returns"]
    assert sign_and_send(market_api, offered.json(), CHEM).status_code == 200
    not_joined = market_api.post(
        "/api/v1/auctions/bid-lot",
        json={"sender": address_of(STEEL), "id": lot, "priceFen": 900_000},
    )
    assert not_joined.status_code == 409
    assert error_of(not_joined)["code"] == "AuctionNotJoined"
    transact(market_api, "auctions/join", {"id": lot}, STEEL)
    transact(market_api, "auctions/bid-lot", {"id": lot, "priceFen": 900_000}, STEEL)
    early = market_api.post(
        "/api/v1/auctions/settle-lot", json={"sender": address_of(CHEM), "id": lot}
    )
    assert early.status_code == 409
    assert error_of(early)["code"] == "AuctionNotEnded"
    chain.sleep(3_700)
    chain.mine()
    before = cod(ledger, traders.steel)
    settled = transact(market_api, "auctions/settle-lot", {"id": lot}, CHEM)
    assert events(settled)["RightsTraded"]["kg"] == 2_000
    assert cod(ledger, traders.steel) == before + 2_000


def test_a_lot_of_fully_pledged_rights_is_refused_before_it_is_offered_R07_R14(
    market_api, traders, pledges, bank, auctions
):
    """R-07, R-14: the seller learns at the offer, before signing anything, that pledged rights
    cannot be auctioned — with the error the settlement would give; released, the same lot is
    offered."""
    cod = traders.pollutant["COD"]
    pledge = pledges.pledge(
        bank, cod, STOCK_KG, *loan(), {"from": traders.chem.account}
    ).return_value
    lot = {
        "pollutant": "COD",
        "quantityKg": 2_000,
        "terms": ascending_terms(800_000),
    }
    count = auctions.lotCount()
    answer = market_api.post("/api/v1/auctions/offer-lot", json={"sender": address_of(CHEM), **lot})
    assert answer.status_code == 409
    error = error_of(answer)
    assert (error["code"], error["args"]) == (
        "LedgerInsufficientRights",
        {"account": address_of(CHEM), "pollutant": 1, "needed": 2_000, "available": 0},
    )
    assert error["message_zh"].startswith("可用的相应来源排污权不足")
    pledges.release(pledge, {"from": bank})
    offered = transact(market_api, "auctions/offer-lot", lot, CHEM)
    assert events(offered)["LotOffered"]["quantityKg"] == 2_000
    assert auctions.lotCount() == count + 1


def test_approval_beyond_the_remaining_cap_is_refused_at_approval_R10(
    market_api, traders, ledger, regulator, primary
):
    """R-10: the regulator learns at the approval — not the unit at its purchase — that the
    quantity exceeds the district's remaining cap; the error is the purchase's own."""
    cod = traders.pollutant["COD"]
    district = 1  # chem's
    cap = ledger.capOf(district, cod)
    ledger.setCap(district, cod, cap["allocated"] + 3_000, {"from": regulator})
    applied = transact(
        market_api, "primary/submit-application", {"pollutant": "COD", "kg": 5_000}, CHEM
    )
    application = events(applied)["ApplicationSubmitted"]["id"]
    approve = {"sender": address_of("regulator"), "id": application}
    answer = market_api.post(
        "/api/v1/primary/approve-application", json={**approve, "approvedKg": 5_000}
    )
    assert answer.status_code == 409
    assert (error_of(answer)["code"], error_of(answer)["args"]) == (
        "LedgerCapExceeded",
        {"region": district, "pollutant": 1, "requested": 5_000, "remaining": 3_000},
    )
    assert primary.application(application)["status"] == 1  # still applied
    approved = market_api.post(
        "/api/v1/primary/approve-application", json={**approve, "approvedKg": 3_000}
    )
    assert approved.status_code == 200, approved.text
    lot = market_api.post(
        "/api/v1/auctions/offer-primary",
        json={
            "sender": address_of("exchange"),
            "pollutant": "COD",
            "region": district,
            "quantityKg": 3_001,
            "terms": ascending_terms(1_300_000),
        },
    )
    assert lot.status_code == 409
    assert error_of(lot)["code"] == "LedgerCapExceeded"
    assert error_of(lot)["args"]["remaining"] == 3_000


def test_primary_application_approval_and_purchase_R08(market_api, traders, ledger):
    """R-08: an existing unit applies, the regulator approves the quantity, the unit buys it
    at the benchmark from its trading account; the fee goes to the treasury (R-29)."""
    built = market_api.post(
        "/api/v1/primary/submit-application",
        json={"sender": address_of(CHEM), "pollutant": "COD", "kg": 5_000},
    )
    assert built.status_code == 200, built.text
    application = built.json()["returns"]
    assert sign_and_send(market_api, built.json(), CHEM).status_code == 200
    stranger = market_api.post(
        "/api/v1/primary/approve-application",
        json={"sender": address_of(STEEL), "id": application, "approvedKg": 4_000},
    )
    assert stranger.status_code == 403
    approve = market_api.post(
        "/api/v1/primary/approve-application",
        json={"sender": address_of("regulator"), "id": application, "approvedKg": 4_000},
    )
    assert approve.status_code == 200, approve.text
    assert sign_and_send(market_api, approve.json(), "regulator").status_code == 200
    before = cod(ledger, traders.chem)
    bought = transact(market_api, "primary/purchase", {"id": application}, CHEM)
    assert "PrimaryPurchased" in events(bought)
    assert cod(ledger, traders.chem) == before + 4_000


def test_operator_has_no_path_that_moves_rights_outside_the_market(market_api):
    """Rights move between holders only through the market contracts (R-13)."""
    paths = {o["path"] for o in market_api.get("/api/v1/operations").json()}
    assert {"/api/v1/market/settle-trade", "/api/v1/auctions/settle-lot"} <= paths
    assert not {"/api/v1/allocation/allocate", "/api/v1/allocation/settle-trade"} & paths
    assert "/api/v1/pledges/settle-enforcement" not in paths


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("market", "rule", "name"),
    [
        (MarketReason.RULE_REFUSED, Reason.BELOW_PERMIT, "LedgerBelowPermit"),
        (MarketReason.INSUFFICIENT_FUNDS, Reason.OK, "MarketInsufficientFunds"),
        (MarketReason.BAD_REVEAL, Reason.OK, "MarketBadReveal"),
    ],
)
def test_a_pre_check_verdict_names_its_error(market, rule, name):
    assert verdict_error(market, rule) == name


# ------------------------------------------------------------------ what wallets send


def _respelled(typed: dict) -> dict:
    """The same typed data as ethers and MetaMask write it: chainId in hex, uints as decimal
    strings, addresses in lower case, no EIP712Domain type."""
    out = {**typed, "domain": {**typed["domain"]}, "message": {**typed["message"]}}
    out["domain"]["chainId"] = hex(typed["domain"]["chainId"])
    out["domain"]["verifyingContract"] = typed["domain"]["verifyingContract"].lower()
    out["types"] = {k: v for k, v in typed["types"].items() if k != "EIP712Domain"}
    for name, value in typed["message"].items():
        out["message"][name] = value.lower() if isinstance(value, str) else str(value)
    out["message"]["deadline"] = hex(typed["message"]["deadline"])
    return out


def test_typed_data_that_means_the_same_is_accepted(market_api, traders, ledger):
    """Wallets write the same typed data differently (hex chainId, uints as strings, lower-case
    addresses): the digest is the same, so the signature is taken."""
    prepared = prepare(market_api)
    before = cod(ledger, traders.steel)
    body = {}
    for party, key in (("seller", CHEM), ("buyer", STEEL)):
        envelope = signed(prepared, party, key)
        body[party] = {**envelope, "typed_data": _respelled(envelope["typed_data"])}
    answer = market_api.post("/api/v1/trades/submit", json=body)
    assert answer.status_code == 200, answer.text
    assert cod(ledger, traders.steel) == before + 1_000


@pytest.mark.parametrize(
    ("where", "change", "named"),
    [
        ("domain", {"chainId": "0x1"}, "domain.chainId"),
        ("message", {"quantityKg": "1001"}, "quantityKg"),  # the parties' terms differ
        ("types", None, "types.Trade"),
    ],
)
def test_typed_data_that_means_something_else_is_refused_naming_the_field(
    market_api, traders, ledger, where, change, named
):
    prepared = prepare(market_api)
    before = cod(ledger, traders.steel)
    seller = signed(prepared, "seller", CHEM)
    typed = _respelled(seller["typed_data"])
    if where == "types":
        fields = list(reversed(typed["types"]["Trade"]))
        typed = {**typed, "types": {"Trade": fields}}
    else:
        typed = {**typed, where: {**typed[where], **change}}
    answer = market_api.post(
        "/api/v1/trades/submit",
        json={"seller": {**seller, "typed_data": typed}, "buyer": signed(prepared, "buyer", STEEL)},
    )
    assert answer.status_code == 422, answer.text
    assert error_of(answer)["code"] == "TypedDataMismatch"
    assert named in error_of(answer)["message"]
    assert cod(ledger, traders.steel) == before


def test_a_value_that_cannot_mean_its_type_is_refused_naming_it(market_api, traders):
    prepared = prepare(market_api)
    seller = signed(prepared, "seller", CHEM)
    typed = _respelled(seller["typed_data"])
    typed["message"]["pollutant"] = hex(2**32)  # beyond uint32
    answer = market_api.post(
        "/api/v1/trades/submit",
        json={"seller": {**seller, "typed_data": typed}, "buyer": signed(prepared, "buyer", STEEL)},
    )
    assert answer.status_code == 422
    assert "message.pollutant" in error_of(answer)["message"]


def test_thermal_power_refusal_names_the_parties_as_addresses_R19(market_api, traders):
    """The pre-check's (have, need) of R-19 are the two parties: answered as 0x… addresses and
    explained in words, never as 160-bit numbers."""
    answer = market_api.post(
        "/api/v1/trades/prepare", json=terms(pollutant="SO2", buyer=address_of(2))
    )  # companies[2]: 嘉陵热电, thermal power
    assert answer.status_code == 409
    error = error_of(answer)
    assert error["code"] == "LedgerThermalPowerAirPollutant"
    assert error["args"] == {"seller": address_of(CHEM), "buyer": address_of(2)}
    assert "R-19" in error["explanation"]["zh"] and "R-19" in error["explanation"]["en"]


def test_a_seller_short_of_paid_rights_hears_what_it_can_sell_and_why_R05_R06_R07(
    market_api, traders, ledger, exchange, registry, regulator
):
    """Waived rights are not for sale: the refusal says how much can be sold and what the rest
    is (R-05), instead of 'available 0'."""
    from backend.chain.domain import Origin

    nh3 = 2
    ledger.allocate(traders.hotel, nh3, int(Origin.WAIVED), 7_000, {"from": exchange})
    held = ledger.balanceOf(traders.hotel, nh3)
    sellable = held[0] - held[3]
    answer = market_api.post(
        "/api/v1/trades/prepare",
        json=terms(
            seller=address_of(5), pollutant="NH3-N", kg=sellable + 1_000, price_fen=FUNDS_FEN // 2
        ),
    )
    assert answer.status_code == 409, answer.text
    error = error_of(answer)
    assert error["code"] in ("LedgerInsufficientRights", "LedgerNotCertifiedTradable")
    zh, en = error["explanation"]["zh"], error["explanation"]["en"]
    assert "R-05" in zh and "减免" in zh and "7 t" in zh
    assert "free and waived rights" in en


def test_a_raw_transaction_signed_with_gas_0_is_the_clients_422_not_502(market_api, traders):
    """ethers signs gasLimit 0 when it finds only gas: the node would refuse it; the service
    names the mistake (4xx) before anything is sent."""
    from eth_account import Account

    built = market_api.post(
        "/api/v1/payments/approve",
        json={"sender": address_of(STEEL), "spender": "Exchange", "fen": 1},
    )
    assert built.status_code == 200, built.text
    tx = {**built.json()["transaction"]}
    tx = {k: v for k, v in tx.items() if k not in ("from", "gas", "gasLimit")}
    signed_tx = Account.sign_transaction({**tx, "gas": 0}, company_key(STEEL))
    answer = market_api.post(
        "/api/v1/tx/raw", json={"raw": "0x" + bytes(signed_tx.raw_transaction).hex()}
    )
    assert answer.status_code == 422, answer.text
    assert error_of(answer)["code"] == "TransactionGasTooLow"
    assert error_of(answer)["args"]["gas_limit"] == 0


def test_a_raw_transaction_its_sender_cannot_pay_for_is_a_named_409(market_api, traders):
    """A company without the chain's coin that sends its own transaction hears why and what to
    use instead (the relayed signed actions), not 502."""
    from eth_account import Account

    fresh = Account.create()
    tx = {
        "chainId": web3.eth.chain_id, "nonce": 0, "to": market_api.app.state.chain.contract(
            "SettlementToken").address, "value": 0, "gas": 100_000, "maxFeePerGas": 10**9,
        "maxPriorityFeePerGas": 10**9,
        "data": market_api.app.state.chain.contract("SettlementToken").encode_abi(
            "approve", args=[address_of(STEEL), 1]),
    }  # fmt: skip
    signed_tx = Account.sign_transaction(tx, fresh.key)
    answer = market_api.post(
        "/api/v1/tx/raw", json={"raw": "0x" + bytes(signed_tx.raw_transaction).hex()}
    )
    assert answer.status_code == 409, answer.text
    assert error_of(answer)["code"] == "TransactionInsufficientFunds"
    assert "签名操作" in error_of(answer)["message_zh"]
