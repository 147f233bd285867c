"""Deploy and load the first units of the demo city on the local validator network.

    brownie run scripts/network_demo.py --network drr-geth-<rpc port>     (`make network`)

The validator network seals one block per second and its clock cannot be moved, so this loads
a part of ``scripts/demo.py``: the deployment, the pollutants, the sector roll-out, benchmark
prices, caps, the first units with their primary purchases (R-08), and one listing taken on the
exchange (R-14, R-16, R-39). Every party signs with its dev key (backend/chain/devkeys.py).
"""

from __future__ import annotations

import time

from brownie import (
    AccountRegistry,
    Exchange,
    PriceBook,
    PrimaryMarket,
    RegulatorCouncil,
    RightsLedger,
    SettlementToken,
    accounts,
    web3,
)

from backend.chain.devkeys import FIRST_COMPANY_INDEX
from backend.chain.domain import POLLUTANT_IDS, POLLUTANTS, Sector
from scripts.demo import (
    EXISTING,
    Progress,
    credit_code,
    fee,
    fund_trading_accounts,
    set_caps,
)
from scripts.demo_city import BENCHMARKS, UNITS
from scripts.deploy import PRODUCTION_COUNCIL, deploy, deployment_path, dev_parties, send

UNIT_COUNT = 3  # the first units of the demo city, industry only
LOT_KG = 2_000
# the clock cannot be moved here: the council's delays are a few seconds (72 h → 6 s)
NETWORK_COUNCIL = PRODUCTION_COUNCIL.scaled(1 / 12)


def wait_until(timestamp: int) -> None:
    while web3.eth.get_block("latest").timestamp < timestamp:
        time.sleep(0.5)


def wait_past(timestamp: int) -> None:
    """Until a block newer than ``timestamp``: the next transaction runs after it."""
    wait_until(timestamp + 1)


def main() -> None:
    parties = dev_parties()
    regulator, bureau = parties["city_regulator"], parties["price_bureau"]
    units = [u for u in UNITS if u[1] == Sector.INDUSTRY][:UNIT_COUNT]
    progress = Progress(7 + len(units))
    deployment = deploy(parties, council=NETWORK_COUNCIL)
    path = deployment_path()
    deployment.save(path)
    progress.step(f"contracts deployed ({len(deployment.contracts)}), record in {path}")
    c = {name: rec.address for name, rec in deployment.contracts.items()}
    registry = AccountRegistry.at(c["AccountRegistry"])
    prices, ledger = PriceBook.at(c["PriceBook"]), RightsLedger.at(c["RightsLedger"])
    money, market = SettlementToken.at(c["SettlementToken"]), Exchange.at(c["Exchange"])
    primary = PrimaryMarket.at(c["PrimaryMarket"])

    for p in POLLUTANTS:
        send(registry.addPollutant, p.code, p.name_zh, int(p.pollutant_class), sender=regulator)
    send(registry.setSectorEnabled, int(Sector.INDUSTRY), True, sender=regulator)
    progress.step("seven pollutant kinds registered, industry enabled (R-01, R-38)")
    used = {code for u in units for code in u[4]}
    notice = prices.notice()  # the notice period, one second per 12 hours here
    for code in sorted(used):  # effective a few seconds after the notice (real time here)
        start = web3.eth.get_block("latest").timestamp + notice + 4
        send(prices.publish, POLLUTANT_IDS[code], 0, BENCHMARKS[code], start, sender=bureau)
    wait_until(start)
    progress.step(f"benchmark prices published with {notice} s of notice (R-15)")
    council = RegulatorCouncil.at(c["RegulatorCouncil"])
    caps, proposal = set_caps(units, ledger, council, parties, wait=wait_past)
    progress.step(f"regional caps for {caps} district × pollutant pairs (council {proposal})")
    fund_trading_accounts(len(units), parties["settlement_bank"], money, market)
    progress.step(f"{len(units)} trading accounts funded (R-16)")
    for i, (name, sector, district, basin, rights) in enumerate(units):
        holder = accounts[FIRST_COMPANY_INDEX + i]
        send(registry.registerAccount, holder, credit_code(i), name, int(sector), district, basin,
             sender=regulator)  # fmt: skip
        for code, (paid, free) in rights.items():
            pid = POLLUTANT_IDS[code]
            if free:
                send(ledger.allocateFree, holder, pid, free, sender=regulator)
            if paid:
                app = send(primary.submitApplication, pid, paid, EXISTING, sender=holder)
                send(primary.approve, app.return_value, paid, sender=regulator)
                send(primary.purchase, app.return_value, sender=holder)
        progress.step(f"{name}: registered, rights bought at the benchmark (R-02, R-08)")

    seller, buyer = accounts[FIRST_COMPANY_INDEX], accounts[FIRST_COMPANY_INDEX + 1]
    cod = POLLUTANT_IDS["COD"]
    send(registry.setQualifiedSeller, seller, True, sender=regulator)
    send(ledger.certifyTradable, seller, cod, LOT_KG, sender=regulator)
    ask = fee(LOT_KG, BENCHMARKS["COD"])
    ends = web3.eth.get_block("latest").timestamp + 3600
    listing = send(market.list, cod, LOT_KG, ask, 10_000, ends, sender=seller).return_value
    send(market.take, listing, sender=buyer)
    progress.step(f"listing {listing}: 2 t COD taken at {ask / 100:,.0f} 元 (R-14, R-16, R-39)")
    print(f"network demo loaded in {time.monotonic() - progress.started:.1f} s")
