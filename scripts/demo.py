"""Deploy and load the demo city (Brownie run script; `make run` calls it).

    brownie run scripts/demo.py --network drr-local-18545

Every party signs with a development key of the local chain (backend/chain/devkeys.py): the
authorities with theirs, each demo company with its own.
"""

from __future__ import annotations

import time

from brownie import (
    AccountRegistry,
    PermitRegistry,
    PledgeBook,
    PriceBook,
    RightsLedger,
    accounts,
    chain,
    web3,
)

from backend.chain.devkeys import FIRST_COMPANY_INDEX
from backend.chain.domain import POLLUTANT_IDS, POLLUTANTS, Origin, Sector
from scripts import demo_disclosure
from scripts.demo_city import BENCHMARKS, DISTRICTS, REGIONAL_BENCHMARKS, RESERVE, UNITS
from scripts.deploy import deploy, deployment_path, dev_parties, send

YEAR = 365 * 86_400


def credit_code(i: int) -> str:
    return f"915000{i:04d}DEMO{i:04d}X"[:18]


class Progress:
    def __init__(self, total: int):
        self.total, self.done, self.started = total, 0, time.monotonic()

    def step(self, what: str) -> None:
        self.done += 1
        print(f"  [{self.done:>2}/{self.total}] {what}", flush=True)


def main() -> None:
    parties = dev_parties()
    regulator, exchange = parties["city_regulator"], parties["exchange_operator"]
    progress = Progress(9 + len(UNITS))
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

    start = web3.eth.get_block("latest").timestamp + 30
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
    chain.sleep(31)
    chain.mine()
    progress.step("benchmark prices published (R-15)")

    caps = {}
    for _, _, district, _, rights in UNITS:
        for code, (paid, free) in rights.items():
            key = (district, POLLUTANT_IDS[code])
            caps[key] = caps.get(key, 0) + paid + free
    for (district, pid), used in caps.items():
        send(ledger.setCap, district, pid, used * 3 // 2, sender=regulator)
    progress.step(f"regional caps set for {len(caps)} district × pollutant pairs (R-10)")

    reserve = accounts[FIRST_COMPANY_INDEX + len(UNITS)]
    name, sector, district, basin = RESERVE
    send(
        registry.registerAccount,
        reserve,
        "11500000MB00000001",
        name,
        int(sector),
        district,
        basin,
        sender=regulator,
    )
    now = chain.time()
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
            if paid:
                send(ledger.allocate, holder, pid, int(Origin.PAID), paid, sender=exchange)
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

    # a bank loan secured by the chemical plant's excess COD rights
    chem = accounts[FIRST_COMPANY_INDEX]
    send(pledges.pledge, parties["bank"], POLLUTANT_IDS["COD"], 20_000, sender=chem)
    progress.step("a pledge of 20 t COD to the bank (R-34)")
    names = [u[0] for u in UNITS]
    demo_disclosure.run(
        parties,
        deployment,
        lambda n: accounts[FIRST_COMPANY_INDEX + names.index(n)],
        send,
        progress,
    )
    print(f"demo city loaded in {time.monotonic() - progress.started:.1f} s")
