"""Who may do what at the exchange: one table of every privileged action × every party, the
roles the deployment grants, and the reason codes mirrored for the service (R-13, R-16)."""

import brownie
import pytest

from backend.chain.domain import MarketReason
from scripts.deploy import deploy_contract
from tests.contracts.market.conftest import ascending, issue
from tests.helpers import now, reverts

PARTIES = (
    "city_regulator",
    "district_regulator",
    "exchange_operator",
    "price_bureau",
    "finance_bureau",
    "bank",
    "settlement_bank",
    "company",
)
UNAUTHORIZED = "AccessControlUnauthorizedAccount"


def _issue(c):
    return lambda who: c.cny.issue(c.city.chem, 1, b"\x00" * 32, {"from": who})


def _redeem(c):
    issue(c.cny, c.settlement_bank, c.city.chem, 10)
    c.cny.approve(c.settlement_bank, 10, {"from": c.city.chem.account})
    return lambda who: c.cny.redeem(c.city.chem, 1, b"\x00" * 32, {"from": who})


def _application(c, kind=0, approve=False):
    app = c.primary.submitApplication(1, 1_000, kind, {"from": c.city.steel.account}).return_value
    if approve:
        c.primary.approve(app, 1_000, {"from": c.parties["city_regulator"]})
    return app


def _approve(c):
    app = _application(c)  # steel is in district 2: the district regulator of district 1 may not
    return lambda who: c.primary.approve(app, 1_000, {"from": who})


def _reject(c):
    app = _application(c)
    return lambda who: c.primary.reject(app, "", {"from": who})


def _waive(c):
    app = _application(c)
    return lambda who: c.primary.waive(app, {"from": who})


def _fulfil(c):
    app = _application(c, kind=1, approve=True)
    return lambda who: c.primary.fulfil(app, c.city.steel, 1, 1_000, 0, {"from": who})


def _offer_primary(c):
    return lambda who: c.auctions.offerPrimary(
        1, 1, 1_000, ascending(400_000, 1_000), {"from": who}
    )


def _suspend_lot(c):
    lot = c.auctions.offer(1, 1_000, ascending(400_000, 1_000), {"from": c.city.chem.account})
    issue(c.cny, c.settlement_bank, c.city.steel, 1_000)
    c.cny.approve(c.secondary, 1_000, {"from": c.city.steel.account})
    c.secondary.deposit(c.city.steel, 1_000, {"from": c.city.steel.account})
    c.auctions.join(lot.return_value, 0, {"from": c.city.steel.account})
    return lambda who: c.auctions.cancel(lot.return_value, {"from": who})


def _suspend_listing(c):
    listing = c.secondary.list(1, 1_000, 400_000, 1, now() + 3_600, {"from": c.city.chem.account})
    issue(c.cny, c.settlement_bank, c.city.steel, 400_000)
    c.cny.approve(c.secondary, 400_000, {"from": c.city.steel.account})
    c.secondary.deposit(c.city.steel, 400_000, {"from": c.city.steel.account})
    c.secondary.bid(listing.return_value, 400_000, {"from": c.city.steel.account})
    return lambda who: c.secondary.cancelListing(listing.return_value, {"from": who})


def _market_lock(c):
    return lambda who: c.secondary.lock(c.city.chem, 0, {"from": who})


def _grant(c):
    return lambda who: c.auctions.grantRole(c.auctions.OPERATOR_ROLE(), c.stranger, {"from": who})


# action → (set-up returning the call, parties allowed, error for the others)
TABLE = {
    "SettlementToken.issue": (_issue, {"settlement_bank"}, UNAUTHORIZED),
    "SettlementToken.redeem": (_redeem, {"settlement_bank"}, UNAUTHORIZED),
    "Exchange.lock (market contracts only)": (_market_lock, set(), UNAUTHORIZED),
    "Exchange.cancelListing with bids": (
        _suspend_listing,
        {"exchange_operator"},
        "ExchangeNotSeller|ExchangeListingHasBids",
    ),
    "PrimaryMarket.approve": (_approve, {"city_regulator"}, "PrimaryNotAuthority"),
    "PrimaryMarket.reject": (_reject, {"city_regulator"}, "PrimaryNotAuthority"),
    "PrimaryMarket.waive": (_waive, {"finance_bureau"}, UNAUTHORIZED),
    "PrimaryMarket.fulfil (auction house only)": (_fulfil, set(), UNAUTHORIZED),
    "AuctionHouse.offerPrimary": (_offer_primary, {"exchange_operator"}, UNAUTHORIZED),
    "AuctionHouse.cancel with bidders": (_suspend_lot, {"exchange_operator"}, "AuctionNotCreator"),
    "AuctionHouse.grantRole": (_grant, {"city_regulator"}, UNAUTHORIZED),
}


@pytest.fixture(scope="module")
def c(city, cny, secondary, primary, auctions, parties, settlement_bank, stranger):
    class Context:
        pass

    ctx = Context()
    ctx.city, ctx.cny, ctx.secondary, ctx.primary, ctx.auctions = (
        city,
        cny,
        secondary,
        primary,
        auctions,
    )
    ctx.parties, ctx.settlement_bank, ctx.stranger = parties, settlement_bank, stranger
    return ctx


@pytest.fixture(scope="module")
def seeded(c, ledger, registry, exchange, regulator):
    """chem holds 10 t paid COD it may sell (R-39)."""
    ledger.allocate(c.city.chem, 1, 0, 10_000, {"from": exchange})
    registry.setQualifiedSeller(c.city.chem, True, {"from": regulator})
    ledger.certifyTradable(c.city.chem, 1, 10_000, {"from": regulator})
    return c


@pytest.mark.parametrize("action", sorted(TABLE))
def test_every_privileged_action_by_every_party(seeded, action):
    """R-13, R-16: each privileged exchange action succeeds for its party alone."""
    setup, allowed, error = TABLE[action]
    for party in PARTIES:
        who = seeded.city.hotel.account if party == "company" else seeded.parties[party]
        call = setup(seeded)
        if party in allowed:
            call(who)
        else:
            with brownie.reverts(revert_pattern=rf"({error})(: .*)?"):
                call(who)


def test_deployment_gives_each_party_its_role_R13(deployment, parties):
    """R-13: the market contracts alone move rights; the operator runs the markets, the settlement
    bank issues money, the finance bureau is the treasury (R-29) and waives fees (R-12)."""
    roles, addr = deployment.roles, {n: r.address for n, r in deployment.contracts.items()}
    markets = {addr["Exchange"], addr["PrimaryMarket"], addr["AuctionHouse"]}
    # the reserve settles its own buy-backs and releases
    assert set(roles["RightsLedger.EXCHANGE_ROLE"]) == markets | {addr["GovernmentReserve"]}
    assert set(roles["PledgeBook.EXCHANGE_ROLE"]) == {addr["AuctionHouse"]}
    assert set(roles["Exchange.MARKET_ROLE"]) == {addr["PrimaryMarket"], addr["AuctionHouse"]}
    assert set(roles["PrimaryMarket.AUCTION_ROLE"]) == {addr["AuctionHouse"]}
    assert roles["SettlementToken.SETTLEMENT_BANK_ROLE"] == [parties["settlement_bank"].address]
    assert roles["PrimaryMarket.TREASURY_ROLE"] == [parties["finance_bureau"].address]
    for name in ("Exchange", "AuctionHouse"):
        assert roles[f"{name}.OPERATOR_ROLE"] == [parties["exchange_operator"].address]


def test_treasury_receiving_fees_is_the_finance_bureau_R29(primary, auctions, treasury):
    """R-29: fees, new-rights proceeds and forfeits go to the finance bureau's account."""
    assert primary.treasury() == auctions.treasury() == treasury.address


def test_exchange_reverts_on_unknown_orders_with_their_ids(secondary, auctions, primary, city):
    """Unknown listing, lot and application ids are named in the refusal."""
    with reverts("ExchangeUnknownListing", 7):
        secondary.take(7, {"from": city.chem.account})
    with reverts("AuctionUnknownLot", 7):
        auctions.settle(7, {"from": city.chem.account})
    with reverts("PrimaryUnknownApplication", 7):
        primary.approve(7, 1, {"from": city.chem.account})
    assert auctions.checkSettle(7)[0] == MarketReason.UNKNOWN_ORDER


def test_fees_cannot_be_sent_to_nobody_R29(regulator, registry, ledger, prices, pledges, cny):
    """R-29: a deployment without a treasury account is refused."""
    from brownie import AuctionHouse, Exchange, PrimaryMarket

    zero = "0x" + "00" * 20
    with reverts("ExchangeZeroAddress"):
        deploy_contract(Exchange, regulator, regulator, ledger, registry, cny, zero)
    with reverts("PrimaryZeroAddress"):
        deploy_contract(PrimaryMarket, regulator, regulator, registry, ledger, prices, cny, zero)[0]
    with reverts("AuctionZeroAddress"):
        deploy_contract(
            AuctionHouse, regulator, regulator, cny, cny, registry, ledger, prices, pledges, zero
        )
