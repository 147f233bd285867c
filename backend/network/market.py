"""A small market on the validator network, deployed and filled in a few blocks (dev keys).

The full deployment (``scripts/deploy.py``) goes through Brownie one transaction per block:
about a minute at one block per second. The network's tests and its throughput benchmark need a
market in seconds, so this module deploys the contracts a listing trade touches — account
registry, price book, policy book, rights ledger, settlement money, exchange — behind the same
proxies, with the same arguments and role grants as ``scripts/deploy.py`` (plus the ledger's
exchange role for the exchange operator, as the contract tests do, so it can allocate paid rights
directly), sending each stage's transactions together (``backend/network/batch.py``).

Rules exercised by a trade: R-13 (the exchange moves rights), R-14 (listing taken at the ask),
R-15 (benchmark price), R-16 (delivery versus payment), R-39 (tradable quantity certified).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from backend.chain.deployment import DeployedContract, Deployment
from backend.chain.devkeys import DEV_AUTHORITIES, FIRST_COMPANY_INDEX, dev_key
from backend.chain.domain import ListingStatus, Origin, PollutantClass, Sector
from backend.chain.policy import load as load_policy
from backend.network.batch import Batch, artifact

COD = 1  # pollutant id of the first pollutant added
COD_BENCHMARK_FEN_PER_T = 400_000  # 4 000 元/吨
DISTRICT = 1
CAP_KG = 10**12
STOCK_KG = 10_000_000
FUNDS_FEN = 10**13


def party(name: str) -> LocalAccount:
    return Account.from_key(dev_key(DEV_AUTHORITIES[name]).private_key)


def company(i: int) -> LocalAccount:
    return Account.from_key(dev_key(FIRST_COMPANY_INDEX + i).private_key)


def fen_at_benchmark(kg: int, fen_per_tonne: int = COD_BENCHMARK_FEN_PER_T) -> int:
    return (kg * fen_per_tonne + 999) // 1000


@dataclass
class Market:
    w3: Web3
    contracts: dict[str, Contract]
    blocks: dict[str, int]
    tx_hashes: dict[str, str]
    sellers: list[LocalAccount] = field(default_factory=list)
    buyers: list[LocalAccount] = field(default_factory=list)

    @property
    def exchange(self) -> Contract:
        return self.contracts["Exchange"]

    @property
    def ledger(self) -> Contract:
        return self.contracts["RightsLedger"]

    def deployment(self, network: str) -> Deployment:
        return Deployment(
            chain_id=self.w3.eth.chain_id,
            network=network,
            contracts={
                name: DeployedContract(
                    address=c.address,
                    abi=artifact(name)["abi"],
                    block=self.blocks[name],
                    tx_hash=self.tx_hashes[name],
                )
                for name, c in self.contracts.items()
            },
        )

    def paid_kg(self, holder: str) -> int:
        return int(self.ledger.functions.balanceOf(holder, COD).call()[0])


def deploy_market(w3: Web3, *, sellers: int = 1, buyers: int = 1) -> Market:
    """Deploy and fill the market: ``sellers`` units holding certified paid COD, ``buyers``
    units with money in their trading accounts. About six blocks."""
    admin, regulator = party("city_regulator"), party("city_regulator")
    operator, bank = party("exchange_operator"), party("settlement_bank")
    b = Batch(w3)
    registry = b.deploy_contract(admin, "AccountRegistry", admin.address)
    # the throughput harness's own price book: no notice period, so its one benchmark takes effect
    # in the next blocks (the product's deployment gives a week's notice, scripts/deploy.py)
    prices = b.deploy_contract(admin, "PriceBook", admin.address, registry.address, 0, 5_000)
    # the policy book reads the ledger's address-to-be (its proxy, after the policy book's
    # creations and the ledger's implementation), as scripts/deploy.py does
    later = b.creations("PolicyBook") + b.creations("RightsLedger") - 1
    ledger_at = b.creation_address(admin, later)
    figures = load_policy().figures_on_chain()
    policy = b.deploy_contract(
        admin, "PolicyBook", admin.address, figures, ledger_at, registry.address, prices.address
    )
    ledger = b.deploy_contract(
        admin, "RightsLedger", admin.address, registry.address, policy.address
    )
    assert ledger.address == ledger_at, (ledger.address, ledger_at)
    money = b.deploy_contract(admin, "SettlementToken", admin.address)
    exchange = b.deploy_contract(
        admin, "Exchange", admin.address, ledger.address, registry.address, money.address,
        party("finance_bureau").address,
    )  # fmt: skip
    names = ["AccountRegistry", "PriceBook", "PolicyBook", "RightsLedger", "SettlementToken",
             "Exchange"]  # fmt: skip
    contracts = dict(zip(names, (registry, prices, policy, ledger, money, exchange), strict=True))
    by_address = {r["contractAddress"]: r for r in b.wait() if r.get("contractAddress")}
    receipts = [by_address[c.address] for c in contracts.values()]  # the proxies' creations
    blocks = {n: r["blockNumber"] for n, r in zip(names, receipts, strict=True)}
    hashes = {
        n: "0x" + bytes(r["transactionHash"]).hex() for n, r in zip(names, receipts, strict=True)
    }

    def role(contract: Contract, name: str) -> bytes:
        return contract.functions[name]().call()

    grants = [
        (registry, "REGULATOR_ROLE", regulator.address),
        (prices, "PRICE_SETTER_ROLE", party("price_bureau").address),
        (ledger, "REGULATOR_ROLE", regulator.address),
        (ledger, "EXCHANGE_ROLE", exchange.address),
        (ledger, "EXCHANGE_ROLE", operator.address),
        (money, "SETTLEMENT_BANK_ROLE", bank.address),
        (exchange, "OPERATOR_ROLE", operator.address),
    ]
    for contract, name, holder in grants:
        b.call(admin, contract, "grantRole", role(contract, name), holder)
    b.call(admin, registry, "setDistrictRegulator", party("district_regulator").address, DISTRICT)
    b.wait()

    b.call(regulator, registry, "addPollutant", "COD", "化学需氧量", int(PollutantClass.WATER))
    b.call(regulator, registry, "setSectorEnabled", int(Sector.INDUSTRY), True)
    b.call(regulator, ledger, "setCap", DISTRICT, COD, CAP_KG)
    market = Market(w3, contracts, blocks, hashes)
    market.sellers = [company(i) for i in range(sellers)]
    market.buyers = [company(sellers + i) for i in range(buyers)]
    for i, unit in enumerate(market.sellers + market.buyers):
        code = f"91500000NET{i:07d}"
        b.call(regulator, registry, "registerAccount", unit.address, code, f"网络测试单位{i}",
               int(Sector.INDUSTRY), DISTRICT, 1)  # fmt: skip
    b.call(bank, money, "issue", bank.address, FUNDS_FEN * max(1, buyers), b"\x01" * 32)
    b.call(bank, money, "approve", exchange.address, 2**256 - 1)
    b.wait()
    # a margin for the publication to be mined before its effective time on a loaded machine
    # (a clique network seals a block every few seconds; a publication dated in the past reverts)
    effective = w3.eth.get_block("latest")["timestamp"] + 20
    b.call(party("price_bureau"), prices, "publish", COD, 0, COD_BENCHMARK_FEN_PER_T, effective)
    for unit in market.sellers:
        b.call(operator, ledger, "allocate", unit.address, COD, int(Origin.PAID), STOCK_KG)
        b.call(regulator, registry, "setQualifiedSeller", unit.address, True)
    for unit in market.buyers:
        b.call(bank, exchange, "deposit", unit.address, FUNDS_FEN)
    b.wait()
    for unit in market.sellers:
        b.call(regulator, ledger, "certifyTradable", unit.address, COD, STOCK_KG)
    b.wait()
    # the benchmark takes effect; a chain that mines only on demand (anvil) gets an empty
    # transfer now and then so that its clock moves
    while w3.eth.get_block("latest")["timestamp"] < effective:
        time.sleep(0.5)
        b.sign_and_send(bank, {"to": bank.address, "gas": 21_000}, "tick")
        b.wait()
    return market


def list_lots(market: Market, count: int, kg: int, batch: Batch | None = None) -> list[int]:
    """Each seller in turn lists ``kg`` COD at the benchmark value; returns the listing ids."""
    b = batch or Batch(market.w3)
    first = market.exchange.functions.listingCount().call() + 1
    ends = market.w3.eth.get_block("latest")["timestamp"] + 3600
    for i in range(count):
        seller = market.sellers[i % len(market.sellers)]
        b.call(seller, market.exchange, "list", COD, kg, fen_at_benchmark(kg), 1, ends)
    b.wait()
    ids = list(range(first, first + count))
    assert market.exchange.functions.listingCount().call() == ids[-1]
    return ids


def listing_status(market: Market, listing: int) -> dict[str, Any]:
    fields = market.exchange.functions.listing(listing).call()
    return {"seller": fields[0], "quantity": fields[2], "status": fields[6]}


LISTING_TAKEN = ListingStatus.TAKEN
