"""Deploy and load the demo city (Brownie run script; `make run` calls it).

    brownie run scripts/demo.py --network drr-local-18545

Every party signs with a development key of the local chain (backend/chain/devkeys.py).
"""

from __future__ import annotations

from brownie import DischargeRegistry, accounts

from backend.chain.devkeys import FIRST_COMPANY_INDEX
from scripts.deploy import deploy, deployment_path, dev_parties, send

POLLUTANTS = [
    ("COD", "化学需氧量"),
    ("NH3-N", "氨氮"),
    ("SO2", "二氧化硫"),
    ("NOx", "氮氧化物"),
    ("GISW", "一般工业固体废物"),
    ("SEWAGE", "生活污水"),
    ("GARBAGE", "生活垃圾"),
]

# (credit code, name, district) — demo units of a fictional city
UNITS = [
    ("91500000DEMO00001A", "长江化工有限公司", 1),
    ("91500000DEMO00002B", "嘉陵热电厂", 2),
    ("91500000DEMO00003C", "渝北生猪养殖场", 3),
    ("91500000DEMO00004D", "两江污水处理厂", 4),
]


def main() -> None:
    parties = dev_parties()
    regulator = parties["city_regulator"]
    deployment = deploy(parties)
    path = deployment_path()
    deployment.save(path)
    registry = DischargeRegistry.at(deployment.contracts["DischargeRegistry"].address)
    ids = [
        send(registry.addPollutant, code, name, sender=regulator).return_value
        for code, name in POLLUTANTS
    ]
    for i, (code, name, district) in enumerate(UNITS):
        holder = accounts[FIRST_COMPANY_INDEX + i]
        send(registry.registerAccount, holder, code, name, district, sender=regulator)
        send(registry.allocate, holder, ids[i % len(ids)], 10_000 * (i + 1), sender=regulator)
        print(f"  unit {i + 1}/{len(UNITS)}: {name}")
    print(f"deployment written to {path}")
