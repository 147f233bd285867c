"""A small city that exercises every projection: allocations of each origin (paid and waived
bought through the primary market, free from the regulator), a permit, a
certified trade, pledges, a blacklisting, a compliance period verified by the oracle and
surrendered, and a reclaim into the reserve. Shared by the read-model and read-endpoint tests."""

from __future__ import annotations

from types import SimpleNamespace

from backend.chain.deployment import DeployedContract
from backend.chain.domain import Origin, TradeMode
from backend.indexer.hooks import Hooks
from backend.indexer.projections import read_model
from backend.indexer.scanner import Indexer
from backend.indexer.store import open_database
from tests.helpers import loan

DAY = 86_400
TRADE_KG, TRADE_FEN = 10_000, 4_500_000  # 450 元/t, above the COD benchmark of 400 元/t
USAGE_KG = 8_000
RESERVE_SOURCE_RECLAIMED = 0


def run_city(c, regulator, exchange, bank, parties, ledger, registry, permits, pledges, deployment,
             reserve):  # fmt: skip
    """Drive the scenario; returns what the tests look for."""
    from brownie import VerificationOracle, accounts, chain

    cod, nh3 = c.pollutant["COD"], c.pollutant["NH3-N"]
    reg, ex = {"from": regulator}, {"from": exchange}
    buy(c.chem, cod, 100_000, parties, deployment, fund_fen=40_000_000)  # at 400 元/t
    ledger.allocateFree(c.chem, cod, 20_000, reg)
    buy(c.steel, nh3, 5_000, parties, deployment, waive=True)
    now = chain.time()
    permits.issuePermit(c.chem, [cod], [50_000], now - 10, now + 365 * DAY, reg)
    registry.setQualifiedSeller(c.chem, True, reg)
    ledger.certifyTradable(c.chem, cod, 30_000, reg)
    trade = ledger.trade(c.chem, c.steel, cod, TRADE_KG, TRADE_FEN, int(TradeMode.NEGOTIATED), ex)
    pledges.pledge(bank, cod, 20_000, *loan(), {"from": c.chem.account})
    pledges.pledge(bank, cod, 5_000, *loan(), {"from": c.chem.account})
    pledges.release(2, {"from": bank})
    registry.setRestriction(c.farm, 1, True, "环保信用不良", reg)

    compliance = _at(deployment, "ComplianceManager")
    oracle = VerificationOracle.at(deployment.contracts["VerificationOracle"].address)
    start = chain.time()
    compliance.definePeriod(start - DAY, start + 10, start + 30 * DAY, start + 60 * DAY, reg)
    chain.sleep(11)
    chain.mine()
    for verifier in ("verifier_a", "verifier_b"):
        oracle.attest(c.chem, cod, 1, USAGE_KG, b"\x11" * 32, {"from": parties[verifier]})
    chain.sleep(8 * DAY)
    chain.mine()
    compliance.surrender(c.chem, cod, 1, {"from": c.chem.account})
    reserve.reclaim(c.steel, nh3, int(Origin.WAIVED), 1_000, RESERVE_SOURCE_RECLAIMED, "闲置", reg)
    return SimpleNamespace(trade_tx=trade.txid, accounts=accounts)


def buy(unit, pollutant, kg, parties, deployment, fund_fen=0, waive=False):
    """R-08, R-12: the unit applies, the regulator approves, the unit pays the fee from its
    trading account (or the treasury waives it) and the rights are registered."""
    primary, bank = _at(deployment, "PrimaryMarket"), parties["settlement_bank"]
    if fund_fen:
        money, market = _at(deployment, "SettlementToken"), _at(deployment, "Exchange")
        money.issue(bank, fund_fen, b"\x01" * 32, {"from": bank})
        money.approve(market, fund_fen, {"from": bank})
        market.deposit(unit, fund_fen, {"from": bank})
    app = primary.submitApplication(pollutant, kg, 0, {"from": unit.account}).return_value
    primary.approve(app, kg, {"from": parties["city_regulator"]})
    if waive:
        primary.waive(app, {"from": parties["finance_bureau"]})
    primary.purchase(app, {"from": unit.account})


def _at(deployment, name):
    import brownie

    return getattr(brownie, name).at(deployment.contracts[name].address)


def with_reserve(deployment, reserve):
    """The deployment record plus the reserve contract (so its events are indexed)."""
    record = DeployedContract(
        address=reserve.address, abi=reserve.abi, block=reserve.tx.block_number,
        tx_hash=reserve.tx.txid,
    )  # fmt: skip
    return deployment.model_copy(
        update={"contracts": {**deployment.contracts, "GovernmentReserve": record}}
    )


def index(deployment, database_url: str):
    """Index the chain into ``database_url`` with the read model; returns the engine."""
    from brownie import web3

    engine = open_database(database_url)
    indexer = Indexer(w3=web3, engine=engine, deployment=deployment, hooks=Hooks([read_model()]))
    indexer.create_schema()
    indexer.catch_up()
    return engine, indexer
