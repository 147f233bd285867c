"""A client the project did not write, on anvil: ethers v6 signs the typed data and the unsigned
transactions the service returns, and they go through (docs/api.md). The same client runs on
the geth validator network in tests/network/test_ethers_client.py."""

from __future__ import annotations

from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key
from backend.chain.domain import POLLUTANT_IDS
from scripts.demo_city import UNITS
from tests.clients.node import run_ethers_client
from tests.e2e.test_portal import operate

NAMES = [u[0] for u in UNITS]
FAR = 4_102_444_800  # 2100-01-01: the listings stay open


def company(name: str):
    return dev_key(FIRST_COMPANY_INDEX + NAMES.index(name))


def test_ethers_v6_signs_what_the_service_returns_on_anvil(stack):
    seller, buyer = company("嘉陵钢铁集团"), company("西南制药股份")
    operate(stack, "city_regulator", "allocation/certify-tradable",
            {"holder": seller.address, "pollutant": "SO2", "kg": 10_000})  # fmt: skip
    summary = run_ethers_client({
        "api": stack.url, "seller": seller.private_key, "buyer": buyer.private_key,
        "pollutant": POLLUTANT_IDS["SO2"], "kg": 2_000, "askFen": 460_000, "endsAt": FAR,
    })  # fmt: skip
    assert summary["status"] == 1 and summary["buyer"] == buyer.address
    assert int(summary["gasLimitSigned"]) > 21_000  # ethers signed the service's gasLimit
    assert str(summary["listings"][1]["chainIdSent"]).startswith("0x")  # ethers' own payload
