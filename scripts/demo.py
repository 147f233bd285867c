"""Deploy and load the demo city (Brownie run script; `make run` calls it).

    brownie run scripts/demo.py --network drr-local-18545

Every party signs with a development key of the local chain (backend/chain/devkeys.py): the
authorities with theirs, each demo company with its own.
"""

from __future__ import annotations

import time

from brownie import (
    AccountRegistry,
    AuctionHouse,
    Exchange,
    PermitRegistry,
    PledgeBook,
    PriceBook,
    PrimaryMarket,
    RegulatorCouncil,
    RightsLedger,
    SettlementToken,
    accounts,
    chain,
    web3,
)

from backend.chain.devkeys import FIRST_COMPANY_INDEX
from backend.chain.domain import POLLUTANT_IDS, POLLUTANTS, Sector
from backend.services.registration import with_check
from scripts import demo_disclosure, demo_money, demo_reserve
from scripts.council import call, enact, jump
from scripts.demo_city import BENCHMARKS, DISTRICTS, REGIONAL_BENCHMARKS, UNITS
from scripts.deploy import deploy, deployment_path, dev_parties, send
from scripts.market_orders import settle_negotiated

YEAR = 365 * 86_400
DAY = 86_400
HOUR = 3_600
LOAN_FEN = 5_000_000  # the demo's bank loan: 5 万元, secured by a pledge
FUNDS_FEN = 10**9  # 一千万元 paid into each unit's trading account
EXISTING, NEW_UNIT, EXPANSION = range(3)  # PrimaryMarket.Kind
ASCENDING, SEALED = range(2)  # AuctionHouse.Format
WAIVED_UNIT = "北碚奶牛养殖合作社"  # the finance bureau waives its fee


def credit_code(i: int) -> str:
    """The i-th demo unit's unified social credit code (GB 32100, with its check character)."""
    return with_check(f"91500000MA{i:07d}")


class Progress:
    def __init__(self, total: int):
        self.total, self.done, self.started = total, 0, time.monotonic()

    def step(self, what: str) -> None:
        self.done += 1
        print(f"  [{self.done:>2}/{self.total}] {what}", flush=True)


def fee(kg: int, fen_per_tonne: int) -> int:
    """kg at a benchmark, in fen, rounded up like the contracts."""
    return (kg * fen_per_tonne + 999) // 1000


def set_caps(units, ledger, council, parties, wait=jump) -> tuple[int, int]:
    """R-10: each district's cap per pollutant at 1.5 × what its units are allocated, set by
    the regulator council in one proposal (proposed, approved 2 of 3, time-locked, executed;
    ``wait`` lets the chain's clock pass the delay). Returns (pairs, proposal id)."""
    caps: dict[tuple[int, int], int] = {}
    for _, _, district, _, rights in units:
        for code, (paid, free) in rights.items():
            key = (district, POLLUTANT_IDS[code])
            caps[key] = caps.get(key, 0) + paid + free
    calls = [
        call(ledger, "setCap", district, pid, used * 3 // 2)
        for (district, pid), used in caps.items()
    ]
    pid = enact(council, calls, "核定各区县排污总量控制指标（R-10）", parties, wait=wait, send=send)
    return len(caps), pid


def fund_trading_accounts(count: int, bank, money, market) -> None:
    """R-16: the settlement bank issues money against the first ``count`` units' bank deposits
    and pays it into their trading accounts at the exchange."""
    send(money.issue, bank, FUNDS_FEN * count, b"\x01" * 32, sender=bank)
    send(money.approve, market, FUNDS_FEN * count, sender=bank)
    for i in range(count):
        send(market.deposit, accounts[FIRST_COMPANY_INDEX + i], FUNDS_FEN, sender=bank)


def let_time_pass(until: int) -> None:
    """The local chain's clock jumps to the end of a bidding period."""
    chain.sleep(max(until - chain.time(), 0) + 1)
    chain.mine()


def main() -> None:
    parties = dev_parties()
    regulator = parties["city_regulator"]
    progress = Progress(25 + len(UNITS))
    deployment = deploy(parties)
    path = deployment_path()
    deployment.save(path)
    progress.step(f"contracts deployed ({len(deployment.contracts)}), record in {path}")

    c = {name: rec.address for name, rec in deployment.contracts.items()}
    registry = AccountRegistry.at(c["AccountRegistry"])
    prices = PriceBook.at(c["PriceBook"])
    ledger = RightsLedger.at(c["RightsLedger"])
    permits = PermitRegistry.at(c["PermitRegistry"])
    pledges = PledgeBook.at(c["PledgeBook"])
    money = SettlementToken.at(c["SettlementToken"])
    market = Exchange.at(c["Exchange"])
    primary = PrimaryMarket.at(c["PrimaryMarket"])
    auctions = AuctionHouse.at(c["AuctionHouse"])

    for p in POLLUTANTS:
        send(registry.addPollutant, p.code, p.name_zh, int(p.pollutant_class), sender=regulator)
    progress.step("seven pollutant kinds registered (R-01)")

    # industry first (seed 000 §9); services wait "until conditions are ripe"
    enabled = (
        Sector.INDUSTRY,
        Sector.THERMAL_POWER,
        Sector.LIVESTOCK,
        Sector.TREATMENT_FACILITY,
        Sector.INVESTOR,
    )
    for sector in enabled:
        send(registry.setSectorEnabled, int(sector), True, sender=regulator)
    send(registry.setNonAttainment, False, 8, POLLUTANT_IDS["SO2"], True, sender=regulator)
    progress.step("sector roll-out and non-attainment list set (R-38, R-18)")

    # every benchmark is announced a notice period before it binds (dev chain: seconds for
    # hours); the reserve pays at a benchmark only once it has been in force that long too
    notice = prices.notice()
    start = web3.eth.get_block("latest").timestamp + notice + 30
    for code, price in BENCHMARKS.items():
        send(prices.publish, POLLUTANT_IDS[code], 0, price, start, sender=parties["price_bureau"])
    for (district, code), price in REGIONAL_BENCHMARKS.items():
        send(
            prices.publish,
            POLLUTANT_IDS[code],
            district,
            price,
            start,
            sender=parties["price_bureau"],
        )
    let_time_pass(start + notice)
    progress.step(f"benchmark prices published with {notice} s of notice (R-15)")

    council = RegulatorCouncil.at(c["RegulatorCouncil"])
    caps, proposal = set_caps(UNITS, ledger, council, parties)
    progress.step(
        f"regional caps for {caps} district × pollutant pairs: council proposal {proposal} "
        f"approved 2 of 3, executed after its {council.delayOf(ledger.setCap.signature)} s "
        "time lock (R-10)"
    )
    fund_trading_accounts(len(UNITS), parties["settlement_bank"], money, market)
    progress.step(f"{len(UNITS)} trading accounts funded with 1 000 万元 each (R-16)")

    now = chain.time()
    fees = waived = 0
    for i, (name, sector, district, basin, rights) in enumerate(UNITS):
        holder = accounts[FIRST_COMPANY_INDEX + i]
        send(
            registry.registerAccount,
            holder,
            credit_code(i),
            name,
            int(sector),
            district,
            basin,
            sender=regulator,
        )
        permitted_ids, permitted_kg = [], []
        for code, (paid, free) in rights.items():
            pid = POLLUTANT_IDS[code]
            if free:
                send(ledger.allocateFree, holder, pid, free, sender=regulator)
            if paid:  # apply, approval, purchase at the benchmark through the exchange
                app = send(primary.submitApplication, pid, paid, EXISTING, sender=holder)
                app = app.return_value
                send(primary.approve, app, paid, sender=regulator)
                if name == WAIVED_UNIT and code == "COD":
                    send(primary.waive, app, sender=parties["finance_bureau"])
                    waived += 1
                else:
                    fees += primary.feeOf(app)
                send(primary.purchase, app, sender=holder)
            permitted_ids.append(pid)
            permitted_kg.append((paid + free) * 4 // 5)
        if sector != Sector.INVESTOR:
            send(
                permits.issuePermit,
                holder,
                permitted_ids,
                permitted_kg,
                now - YEAR,
                now + 4 * YEAR,
                sender=regulator,
            )
        progress.step(f"{DISTRICTS.get(district, '市级')} · {name}")

    progress.step(
        f"primary purchases at the benchmark: {fees / 100:,.2f} 元 of fees to the treasury, "
        f"{waived} fee waived (R-08, R-12, R-29)"
    )

    # a bank loan secured by the chemical plant's excess COD rights: 5 万元 due in a month
    chem = accounts[FIRST_COMPANY_INDEX]
    maturity = chain.time() + 30 * DAY
    send(pledges.pledge, parties["bank"], POLLUTANT_IDS["COD"], 20_000, LOAN_FEN, maturity,
         sender=chem)  # fmt: skip
    progress.step("a pledge of 20 t COD to the bank for a 5 万元 loan due in 30 days (R-34)")

    run_market(parties, progress, registry, ledger, pledges, market, primary, auctions)
    demo_disclosure.run(parties, deployment, unit, send, progress)
    demo_reserve.run(parties, deployment, unit, send, progress)
    demo_money.run(parties, deployment, unit, send, progress)
    print(f"demo city loaded in {time.monotonic() - progress.started:.1f} s")


def unit(name: str):
    """The dev account of a demo unit, by name."""
    return accounts[FIRST_COMPANY_INDEX + [u[0] for u in UNITS].index(name)]


def run_market(parties, progress, registry, ledger, pledges, market, primary, auctions) -> None:
    """The exchange at work: a new-rights auction, a negotiated trade, a listing with electronic
    bidding, a sealed-bid auction and a pledge enforcement sale (R-09, R-14, R-16, R-34)."""
    regulator, operator = parties["city_regulator"], parties["exchange_operator"]
    cod, nox = POLLUTANT_IDS["COD"], POLLUTANT_IDS["NOx"]
    cod_price = BENCHMARKS["COD"]
    chem, glass = unit("长江化工有限公司"), unit("长寿玻璃有限公司")
    steel, paper, pharma = unit("嘉陵钢铁集团"), unit("九龙坡造纸厂"), unit("西南制药股份")
    plant = unit("重庆珞璜电厂")

    # two expansions in district 8 bid for 20 t of new NOx rights from the district's cap
    nox_price = REGIONAL_BENCHMARKS[(8, "NOx")]
    apps = []
    for bidder in (chem, glass):
        app = send(primary.submitApplication, nox, 20_000, EXPANSION, sender=bidder).return_value
        send(primary.approve, app, 20_000, sender=regulator)
        apps.append(app)
    reserve = fee(20_000, nox_price)
    ends = chain.time() + HOUR
    lot = send(
        auctions.offerPrimary,
        nox,
        8,
        20_000,
        (ASCENDING, reserve, reserve // 10, 100_000, ends, 0),
        sender=operator,
    ).return_value
    for bidder, app in zip((chem, glass), apps, strict=True):
        send(auctions.join, lot, app, sender=bidder)
    for bidder, price in ((chem, reserve), (glass, reserve + 100_000), (chem, reserve + 300_000)):
        send(auctions.bid, lot, price, sender=bidder)
    let_time_pass(auctions.lot(lot)["closesAt"])
    send(auctions.settle, lot, sender=operator)
    send(auctions.refund, lot, glass, sender=operator)
    progress.step(
        f"new-rights auction: 20 t NOx to 长江化工 for {(reserve + 300_000) / 100:,.0f} 元 (R-09)"
    )

    # the regulator reviews the sellers and certifies tradable quantities
    for seller, pid, kg in ((paper, cod, 40_000), (steel, cod, 30_000), (plant, cod, 5_000)):
        send(registry.setQualifiedSeller, seller, True, sender=regulator)
        send(ledger.certifyTradable, seller, pid, kg, sender=regulator)

    # a negotiated trade both parties sign in their wallets, relayed by the service
    price = fee(10_000, cod_price) + 200_000
    settle_negotiated(
        market, paper, pharma, cod, 10_000, price, relayer=parties["relayer"], send=send
    )
    progress.step(
        f"negotiated trade: 10 t COD 九龙坡造纸厂 → 西南制药, {price / 100:,.0f} 元 (R-14)"
    )

    # a listing taken to electronic bidding
    ask = fee(8_000, cod_price)
    listing = send(market.list, cod, 8_000, ask, 50_000, chain.time() + HOUR, sender=steel)
    listing = listing.return_value
    bids = ((pharma, ask), (chem, ask + 50_000), (paper, ask + 100_000), (pharma, ask + 150_000))
    for bidder, bid in bids:
        send(market.bid, listing, bid, sender=bidder)
    let_time_pass(market.listing(listing)["endsAt"])
    send(market.settleListing, listing, sender=operator)
    progress.step(
        "listing with electronic bidding, three bidders: 8 t COD of 嘉陵钢铁 to 西南制药 (R-14)"
    )

    # a sealed-bid auction of the power plant's surplus COD
    reserve = fee(5_000, cod_price)
    start = chain.time()
    lot = send(
        auctions.offer,
        cod,
        5_000,
        (SEALED, reserve, reserve // 10, 0, start + HOUR, start + 2 * HOUR),
        sender=plant,
    ).return_value
    offers = {paper: reserve + 80_000, pharma: reserve + 120_000}
    salt = b"\x5a" * 32
    for bidder, offer in offers.items():
        send(auctions.join, lot, 0, sender=bidder)
        sealed_bid = web3_commitment(lot, bidder, offer, salt)
        send(auctions.commit, lot, sealed_bid, sender=bidder)
    let_time_pass(auctions.lot(lot)["commitsEnd"])
    for bidder, offer in offers.items():
        send(auctions.reveal, lot, offer, salt, sender=bidder)
    let_time_pass(auctions.lot(lot)["closesAt"])
    send(auctions.settle, lot, sender=operator)
    send(auctions.refund, lot, paper, sender=operator)
    progress.step("sealed-bid auction: 5 t COD of 重庆珞璜电厂 to 西南制药 (R-14)")

    # the loan falls due and the chemical plant defaults; the bank declares default for
    # the claim the pledge secured and the pledged rights are auctioned
    bank = parties["bank"]
    pledge = pledges.pledgeCount()
    let_time_pass(pledges.pledgeOf(pledge)["maturity"])
    claim = LOAN_FEN  # 5 万元 outstanding
    send(pledges.enforce, pledge, claim, sender=bank)
    reserve = fee(20_000, cod_price)
    ends = chain.time() + HOUR
    lot = send(
        auctions.offerEnforcement,
        pledge,
        (ASCENDING, reserve, reserve // 10, 100_000, ends, 0),
        sender=bank,
    ).return_value
    for bidder, bid in ((paper, reserve), (pharma, reserve + 100_000)):
        send(auctions.join, lot, 0, sender=bidder)
        send(auctions.bid, lot, bid, sender=bidder)
    let_time_pass(auctions.lot(lot)["closesAt"])
    send(auctions.settle, lot, sender=operator)
    send(auctions.refund, lot, paper, sender=operator)
    progress.step(
        f"pledge enforcement sale: 20 t COD, {claim / 100:,.0f} 元 to the bank first, "
        f"{(reserve + 100_000 - claim) / 100:,.0f} 元 to 长江化工 (R-34)"
    )


def web3_commitment(lot: int, bidder, price: int, salt: bytes) -> bytes:
    """A sealed bid: keccak256(abi.encode(lot, bidder, price, salt))."""
    from eth_abi import encode
    from web3 import Web3

    return Web3.keccak(
        encode(["uint256", "address", "uint96", "bytes32"], [lot, str(bidder), price, salt])
    )
