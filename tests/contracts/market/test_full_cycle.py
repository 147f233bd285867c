"""A full primary and secondary cycle in one city (R-08 … R-39): existing units buy at the
benchmark (one under a fee waiver), new units win new rights at auction, units trade by negotiated
transfer, listing with electronic bidding and sealed-bid auction, a trade is refused for each rule
with the ledger's own error, a bank's pledge is enforced with the proceeds paid bank first, and
money leaves through withdrawal. After every step: Σ settlement money held (wallets, the exchange,
the treasury) = issued − redeemed, the exchange holds exactly its book, and trades never change
the rights' supply."""

from brownie import chain

from backend.chain.domain import TradeMode
from backend.chain.policy import Switch
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.contracts.market.conftest import ascending, sealed
from tests.contracts.market.orders import both_sign, commitment, terms
from tests.helpers import fen_at_benchmark, now, policy_switch_now, reverts

EXISTING, NEW_UNIT, EXPANSION = range(3)
COD, SO2 = BENCHMARKS["COD"], BENCHMARKS["SO2"]
FUNDS = 10**9  # 一千万元 per unit


def fee(kg, price=COD):
    return fen_at_benchmark(kg, price)


def after(timestamp):
    chain.sleep(timestamp - now() + 1)
    chain.mine()


def test_full_primary_and_secondary_cycle(
    city,
    policy,
    ledger,
    registry,
    permits,
    pledges,
    cny,
    secondary,
    primary,
    auctions,
    regulator,
    district_regulator,
    exchange,
    settlement_bank,
    treasury,
    bank,
    stranger,
):
    """R-08 – R-21, R-29, R-34, R-38, R-39 end to end, with money and rights conserved after
    every step."""
    cod, so2 = city.pollutant["COD"], city.pollutant["SO2"]
    units = [city.chem, city.steel, city.power, city.power2, city.farm, city.hotel, city.fund]
    holders = [*units, city.reserve, bank, treasury, settlement_bank, secondary]
    allocated = {cod: 0, so2: 0}

    def conserved(step):
        """Money and rights are conserved after `step`."""
        money_held = sum(cny.balanceOf(h) for h in holders)
        assert money_held == cny.totalIssued() - cny.totalRedeemed() == cny.totalSupply(), step
        book = sum(sum(secondary.fundsOf(h)) for h in [*units, city.reserve, bank])
        assert cny.balanceOf(secondary) == secondary.totalBooked() == book, step
        for p in (cod, so2):
            held = sum(ledger.holdings(h, p) for h in [*units, city.reserve])
            assert ledger.totalSupply(p) == allocated[p] == held, step

    # ---- money in: the settlement bank issues against deposits, units pay into the exchange
    cny.issue(settlement_bank, FUNDS * 8, b"\x01" * 32, {"from": settlement_bank})
    cny.approve(secondary, 2**256 - 1, {"from": settlement_bank})
    for u in [*units, city.reserve]:
        secondary.deposit(u, FUNDS, {"from": settlement_bank})
    conserved("deposits")

    # ---- primary market: existing units buy at the benchmark; a waiver
    purchases = [
        (city.chem, cod, 60_000),
        (city.steel, cod, 40_000),
        (city.power, so2, 80_000),
        (city.power2, so2, 30_000),
        (city.farm, cod, 20_000),
        (city.hotel, cod, 5_000),
    ]
    for unit, p, kg in purchases:
        app = primary.submitApplication(p, kg, EXISTING, {"from": unit.account}).return_value
        approver = district_regulator if unit.district == 1 else regulator
        primary.approve(app, kg, {"from": approver})
        if unit is city.hotel:
            primary.waive(app, {"from": treasury})
        primary.purchase(app, {"from": unit.account})
        allocated[p] += kg
        conserved(f"primary purchase {unit.code}")
    assert ledger.balanceOf(city.hotel, cod)["waived"] == 5_000
    expected_fees = sum(fee(kg, COD if p == cod else SO2) for u, p, kg in purchases[:-1])
    assert cny.balanceOf(treasury) == expected_fees

    # ---- new rights by auction: three approved applicants of district 1 bid
    bidders = {city.chem: EXPANSION, city.power2: EXPANSION, city.fund: NEW_UNIT}
    apps = {}
    for unit, kind in bidders.items():
        apps[unit] = primary.submitApplication(
            cod, 8_000, kind, {"from": unit.account}
        ).return_value
        primary.approve(apps[unit], 8_000, {"from": district_regulator})
    reserve = fee(8_000)
    lot = auctions.offerPrimary(
        cod, 1, 8_000, ascending(reserve, reserve // 10, 50_000), {"from": exchange}
    )
    lot = lot.return_value
    for unit in bidders:
        auctions.join(lot, apps[unit], {"from": unit.account})
    for unit, price in (
        (city.chem, reserve),
        (city.fund, reserve + 50_000),
        (city.power2, reserve + 150_000),
    ):
        auctions.bid(lot, price, {"from": unit.account})
        conserved("primary auction bid")
    after(auctions.lot(lot)["closesAt"])
    auctions.settle(lot, {"from": stranger})
    allocated[cod] += 8_000
    for unit in (city.chem, city.fund):
        auctions.refund(lot, unit, {"from": stranger})
    assert ledger.balanceOf(city.power2, cod)["paid"] == 8_000
    conserved("primary auction settled")

    # ---- secondary market: sellers reviewed and quantities certified
    for unit, p in (
        (city.chem, cod),
        (city.steel, cod),
        (city.power, so2),
        (city.farm, cod),
        (city.hotel, cod),
    ):
        registry.setQualifiedSeller(unit, True, {"from": regulator})
        ledger.certifyTradable(unit, p, 30_000, {"from": regulator})

    # a negotiated trade signed by both parties, relayed
    t = terms(city.chem, city.steel, cod, 5_000, fee(5_000) + 100_000)
    secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
    conserved("negotiated trade")

    # a listing with electronic bidding
    listing = secondary.list(
        cod, 4_000, fee(4_000), 20_000, now() + 3_600, {"from": city.steel.account}
    )
    listing = listing.return_value
    secondary.bid(listing, fee(4_000), {"from": city.chem.account})
    secondary.bid(listing, fee(4_000) + 20_000, {"from": city.hotel.account})
    secondary.bid(listing, fee(4_000) + 60_000, {"from": city.chem.account})
    conserved("listing bids")
    after(secondary.listing(listing)["endsAt"])
    secondary.settleListing(listing, {"from": stranger})
    conserved("listing settled")

    # a sealed-bid auction of SO2 among thermal power plants (R-19 allows only them)
    lot = auctions.offer(
        so2, 10_000, sealed(fee(10_000, SO2), 100_000), {"from": city.power.account}
    )
    lot = lot.return_value
    auctions.join(lot, 0, {"from": city.power2.account})
    offer = fee(10_000, SO2) + 1_234
    auctions.commit(
        lot, commitment(lot, city.power2, offer, b"\x42" * 32), {"from": city.power2.account}
    )
    after(auctions.lot(lot)["commitsEnd"])
    auctions.reveal(lot, offer, b"\x42" * 32, {"from": city.power2.account})
    after(auctions.lot(lot)["closesAt"])
    auctions.settle(lot, {"from": stranger})
    assert ledger.balanceOf(city.power2, so2)["paid"] == 40_000
    conserved("sealed auction")

    # ---- a refused trade for each rule, the ledger's error surfacing through the exchange
    t0 = now()
    permits.issuePermit(city.farm, [cod], [15_000], t0 - DAY, t0 + YEAR, {"from": regulator})
    pledges.pledge(bank, cod, 30_000, 5_000_000, now() + DAY, {"from": city.chem.account})
    refusals = [
        ("R-05", city.hotel, city.fund, cod, 1_000, "LedgerInsufficientRights", None, None),
        ("R-06", city.farm, city.hotel, cod, 6_000, "LedgerBelowPermit", None, None),
        ("R-07", city.chem, city.hotel, cod, 30_000, "LedgerInsufficientRights", None, None),
        (
            "R-11",
            city.steel,
            city.hotel,
            cod,
            1_000,
            "LedgerPolicyRestricted",
            lambda on: registry.setPolicyRestricted(city.hotel, on, "淘汰", {"from": regulator}),
            None,
        ),
        (
            "R-15",
            city.steel,
            city.hotel,
            cod,
            1_000,
            "LedgerPriceBelowBenchmark",
            None,
            fee(1_000) - 1,
        ),
        (
            "R-17",
            city.steel,
            city.hotel,
            cod,
            1_000,
            "LedgerBlacklisted",
            lambda on: registry.setRestriction(city.steel, 1, on, "信用不良", {"from": regulator}),
            None,
        ),
        (
            "R-18",
            city.steel,
            city.hotel,
            cod,
            1_000,
            "LedgerNonAttainmentDestination",
            lambda on: registry.setNonAttainment(False, 1, cod, on, {"from": regulator}),
            None,
        ),
        ("R-19", city.power, city.chem, so2, 1_000, "LedgerThermalPowerAirPollutant", None, None),
        ("R-20", city.farm, city.chem, cod, 1_000, "LedgerIndustryLivestock", None, None),
        (
            "R-38",
            city.steel,
            city.hotel,
            cod,
            1_000,
            "LedgerSectorNotEnabled",
            # a city with a roll-out (Chongqing 2014's policy; the default has none)
            lambda on: (
                policy_switch_now(policy, regulator, Switch.SECTOR_ROLLOUT, on),
                registry.setSectorEnabled(3, not on, {"from": regulator}),
            ),
            None,
        ),
        (
            "R-39",
            city.steel,
            city.hotel,
            cod,
            1_000,
            "LedgerSellerNotQualified",
            lambda on: registry.setQualifiedSeller(city.steel, not on, {"from": regulator}),
            None,
        ),
    ]
    for rule_id, seller, buyer, p, kg, error, condition, price in refusals:
        if condition:
            condition(True)
        t = terms(seller, buyer, p, kg, price or fee(kg, COD if p == cod else SO2))
        with reverts(error):
            secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
        if condition:
            condition(False)
        conserved(f"refused {rule_id}")
    green = terms(city.reserve, city.hotel, cod, 1_000, fee(1_000), TradeMode.GREEN_CHANNEL)
    with reverts("LedgerGreenChannelLimit"):  # a project under 1 t in total only
        secondary.settleTrade(green, *both_sign(secondary, green), {"from": stranger})
    conserved("refused R-21")

    # ---- pledge enforcement: the bank is paid first, the pledgor gets the rest
    pledge_id = pledges.pledgeCount()
    claim = 5_000_000  # the claim the pledge secured, due a day after it
    after(pledges.pledgeOf(pledge_id)["maturity"])
    pledges.enforce(pledge_id, claim, {"from": bank})
    lot = auctions.offerEnforcement(
        pledge_id, ascending(fee(30_000), 100_000, 100_000), {"from": bank}
    )
    lot = lot.return_value
    for unit in (city.steel, city.hotel):
        auctions.join(lot, 0, {"from": unit.account})
    auctions.bid(lot, fee(30_000), {"from": city.steel.account})
    price = fee(30_000) + 300_000
    auctions.bid(lot, price, {"from": city.hotel.account})
    after(auctions.lot(lot)["closesAt"])
    chem_before = secondary.fundsOf(city.chem)["available"]
    tx = auctions.settle(lot, {"from": stranger})
    assert tx.events["EnforcementProceeds"]["bankFen"] == claim
    assert secondary.fundsOf(bank)["available"] == claim
    assert secondary.fundsOf(city.chem)["available"] == chem_before + price - claim
    auctions.refund(lot, city.steel, {"from": stranger})
    conserved("enforcement sale")

    # ---- money out: the bank and a unit withdraw; the settlement bank redeems
    secondary.withdraw(claim, {"from": bank})
    cny.approve(settlement_bank, claim, {"from": bank})
    cny.redeem(bank, claim, b"\x02" * 32, {"from": settlement_bank})
    secondary.withdraw(FUNDS // 2, {"from": city.steel.account})
    conserved("withdrawals")
