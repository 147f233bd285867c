"""Demo data the public explorer discloses (R-36): a week of negotiated trades, a blacklisting
and a verified, partly surrendered compliance period. Called at the end of scripts/demo.py.

Trades are negotiated trades both parties sign, settled by the exchange (R-14, R-16) from the
money scripts/demo.py paid into the units' trading accounts.
"""

from __future__ import annotations

from brownie import (
    ComplianceManager,
    Exchange,
    RegulatorCouncil,
    RightsLedger,
    VerificationOracle,
    chain,
)

from backend.chain.domain import POLLUTANT_IDS
from scripts.council import call, enact, jump
from scripts.market_orders import settle_negotiated

HOUR = 3_600
DAY = 86_400
# (day, seller, buyer, pollutant, kg, 元 per tonne): sellers reviewed and certified first
TRADES = [
    (0, "九龙坡造纸厂", "西南制药股份", "COD", 6_000, 4_200),
    (1, "嘉陵钢铁集团", "西南制药股份", "SO2", 8_000, 2_100),
    (2, "重庆珞璜电厂", "两江热电有限公司", "NOx", 10_000, 2_150),
    (3, "九龙坡造纸厂", "长江化工有限公司", "COD", 5_000, 4_350),
    (4, "嘉陵钢铁集团", "西南制药股份", "SO2", 4_000, 2_250),
    (4, "九龙坡造纸厂", "西南制药股份", "COD", 3_000, 4_400),
]
USAGE = {"九龙坡造纸厂": 150_000, "西南制药股份": 40_000, "长江化工有限公司": 120_000}
SURRENDERING = ("九龙坡造纸厂", "西南制药股份")


def run(parties, deployment, unit, send, progress) -> None:
    """``unit(name)`` is a demo unit's account; ``send`` sends quietly."""
    c = {name: rec.address for name, rec in deployment.contracts.items()}
    ledger = RightsLedger.at(c["RightsLedger"])
    regulator = parties["city_regulator"]
    from brownie import AccountRegistry

    registry = AccountRegistry.at(c["AccountRegistry"])
    market = Exchange.at(c["Exchange"])
    for seller in {t[1] for t in TRADES}:
        send(registry.setQualifiedSeller, unit(seller), True, sender=regulator)
    for seller, code in {(t[1], t[3]) for t in TRADES}:
        # what the demo sells, plus 10 t left to sell in the portal and console
        total = sum(t[4] for t in TRADES if t[1] == seller and t[3] == code) + 10_000
        send(ledger.certifyTradable, unit(seller), POLLUTANT_IDS[code], total, sender=regulator)
    today = 0
    for day, seller, buyer, code, kg, per_t in TRADES:
        if day > today:
            chain.sleep((day - today) * DAY)
            today = day
        price = kg * per_t * 100 // 1000
        settle_negotiated(market, unit(seller), unit(buyer), POLLUTANT_IDS[code], kg, price,
                          relayer=parties["relayer"], send=send)  # fmt: skip
    progress.step(f"{len(TRADES)} negotiated trades over five days (R-14)")

    send(registry.setRestriction, unit("渝北生猪养殖场"), 2, True, "环保挂牌督办：氨氮超标排放",
         sender=regulator)  # fmt: skip
    progress.step("a unit put under supervision and blacklisted (R-17)")

    compliance = ComplianceManager.at(c["ComplianceManager"])
    oracle = VerificationOracle.at(c["VerificationOracle"])
    council = RegulatorCouncil.at(c["RegulatorCouncil"])
    now = chain.time()
    wait = council.delayOf(compliance.definePeriod.signature) + 60  # the council's delay, then 60 s
    # a year from a Beijing midnight to the first full hour after the council's delay: monitoring
    # data runs by the hour and the day (backend oracle demo-data --period 1 writes it)
    start = (now - 365 * DAY + 8 * HOUR) // DAY * DAY - 8 * HOUR
    end = -(-(now + wait) // HOUR) * HOUR
    # periods follow each other for good: defined through the council (docs/security.md)
    period_call = call(compliance, "definePeriod", start, end, end + 30 * DAY, end + 60 * DAY)
    proposal = enact(council, [period_call], "确定年度履约周期（R-23–R-26）", parties, wait=jump,
                     send=send)  # fmt: skip
    period = compliance.periodCount()
    chain.sleep(max(end - chain.time(), 0) + 1)
    cod = POLLUTANT_IDS["COD"]
    for name, kg in USAGE.items():
        for verifier in ("verifier_a", "verifier_b"):
            send(oracle.attest, unit(name), cod, period, kg, b"\x42" * 32,
                 sender=parties[verifier])  # fmt: skip
    chain.sleep(8 * DAY)  # the dispute window passes
    chain.mine()
    for name in SURRENDERING:
        send(compliance.surrender, unit(name), cod, period, sender=regulator)
    progress.step(f"compliance period {period} defined by council proposal {proposal}; COD usage "
                  "verified for three units, two surrendered (R-23, R-24)")  # fmt: skip
