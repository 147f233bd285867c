"""Deploy the registry and record the deployment (Brownie run script).

    brownie run scripts/deploy.py --network <network>

Writes the deployment record (addresses, ABIs, creation blocks, role holders), which the
service, the indexer and the CLI read, to ``$DRR_DEPLOYMENT_FILE`` or else
``deployments/<network>.json``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from brownie import (
    AccountRegistry,
    AuctionHouse,
    ComplianceManager,
    Exchange,
    GovernmentReserve,
    LeaseBook,
    PermitRegistry,
    PledgeBook,
    PriceBook,
    PrimaryMarket,
    RightsLedger,
    RightsLens,
    SettlementToken,
    UnitLifecycle,
    VerificationOracle,
    accounts,
    network,
    web3,
)
from brownie.network import priority_fee

from backend.chain.deployment import DeployedContract, Deployment
from backend.chain.devkeys import DEV_AUTHORITIES, FIRST_COMPANY_INDEX, dev_key
from backend.chain.domain import Sector
from backend.network.devnet import DEV_NETWORK_CHAIN_ID

DEPLOYMENTS = Path(__file__).resolve().parents[1] / "deployments"
DEMO_DISTRICT = 1  # the district of the dev district regulator
# Verified usage: both dev verifiers must agree; figures are final 7 days after agreement.
ORACLE_QUORUM = 2
ORACLE_DISPUTE_WINDOW = 7 * 24 * 3600
DEV_NETWORK_COMPANIES = 30  # demo companies' dev keys added on the validator network


def send(fn, *args, sender):
    """Send a contract transaction without Brownie's per-transaction console output."""
    return fn(*args, {"from": sender}, silent=True)


class Deployer:
    """Deploys contracts and grants roles, keeping the deployment record as it goes."""

    def __init__(self, admin):
        self.admin = admin
        self.contracts: dict[str, object] = {}
        self.records: dict[str, DeployedContract] = {}
        self.roles: dict[str, set[str]] = {}

    def deploy(self, container, *args):
        contract = container.deploy(*args, {"from": self.admin}, silent=True)
        self.contracts[container._name] = contract
        self.records[container._name] = DeployedContract(
            address=contract.address,
            abi=contract.abi,
            block=contract.tx.block_number,
            tx_hash=contract.tx.txid,
        )
        return contract

    def grant(self, contract, role_name: str, holder) -> None:
        send(contract.grantRole, getattr(contract, role_name)(), holder, sender=self.admin)
        address = getattr(holder, "address", holder)
        self.roles.setdefault(f"{contract._name}.{role_name}", set()).add(str(address))

    def record(self) -> Deployment:
        return Deployment(
            chain_id=web3.eth.chain_id,
            network=network.show_active(),
            contracts=self.records,
            roles={name: sorted(holders) for name, holders in self.roles.items()},
        )


def deploy(parties: dict) -> Deployment:
    """Deploy every contract and grant the roles; ``parties`` maps party name → account."""
    admin = parties["city_regulator"]
    d = Deployer(admin)
    registry = d.deploy(AccountRegistry, admin)
    prices = d.deploy(PriceBook, admin, registry)
    ledger = d.deploy(RightsLedger, admin, registry, prices)
    permits = d.deploy(PermitRegistry, admin, registry, ledger)
    pledges = d.deploy(PledgeBook, admin, ledger)
    d.deploy(RightsLens, ledger, registry)

    d.grant(registry, "REGULATOR_ROLE", parties["city_regulator"])
    send(
        registry.setDistrictRegulator,
        parties["district_regulator"],
        DEMO_DISTRICT,
        sender=admin,
    )
    d.roles.setdefault("AccountRegistry.DISTRICT_REGULATOR_ROLE", set()).add(
        parties["district_regulator"].address
    )
    d.grant(prices, "PRICE_SETTER_ROLE", parties["price_bureau"])
    d.grant(ledger, "REGULATOR_ROLE", parties["city_regulator"])
    d.grant(ledger, "PERMIT_MANAGER_ROLE", permits)
    d.grant(ledger, "PLEDGE_MANAGER_ROLE", pledges)
    d.grant(pledges, "PLEDGEE_ROLE", parties["bank"])
    oracle = d.deploy(VerificationOracle, admin, ORACLE_QUORUM, ORACLE_DISPUTE_WINDOW)
    for verifier in ("verifier_a", "verifier_b"):
        d.grant(oracle, "VERIFIER_ROLE", parties[verifier])
    d.grant(oracle, "REGULATOR_ROLE", parties["city_regulator"])
    compliance = d.deploy(ComplianceManager, admin, registry, ledger, oracle)
    d.grant(compliance, "REGULATOR_ROLE", parties["city_regulator"])
    d.grant(ledger, "COMPLIANCE_ROLE", compliance)
    money = deploy_exchange(d, parties, registry, prices, ledger, pledges)
    deploy_reserve_and_lifecycle(d, parties, registry, prices, ledger, pledges, compliance, money)
    return d.record()


def deploy_exchange(d: Deployer, parties: dict, registry, prices, ledger, pledges):
    """The exchange (R-13, R-16): settlement money, trading accounts with negotiated trades and
    listings, the primary market and the auction house. Only these contracts move rights between
    holders; the operator runs them, the settlement bank issues money, the finance bureau is the
    treasury (R-29) and grants fee waivers (R-12)."""
    admin, treasury = parties["city_regulator"], parties["finance_bureau"]
    money = d.deploy(SettlementToken, admin)
    exchange = d.deploy(Exchange, admin, ledger, registry, money, treasury)
    primary = d.deploy(PrimaryMarket, admin, registry, ledger, prices, exchange, treasury)
    auctions = d.deploy(
        AuctionHouse, admin, registry, ledger, prices, pledges, exchange, primary, treasury
    )
    d.grant(money, "SETTLEMENT_BANK_ROLE", parties["settlement_bank"])
    for market in (exchange, primary, auctions):
        d.grant(ledger, "EXCHANGE_ROLE", market)
    d.grant(pledges, "EXCHANGE_ROLE", auctions)
    d.grant(exchange, "MARKET_ROLE", primary)
    d.grant(exchange, "MARKET_ROLE", auctions)
    d.grant(primary, "AUCTION_ROLE", auctions)
    d.grant(primary, "TREASURY_ROLE", treasury)
    d.grant(exchange, "OPERATOR_ROLE", parties["exchange_operator"])
    d.grant(auctions, "OPERATOR_ROLE", parties["exchange_operator"])
    return money


RESERVE_CREDIT_CODE = "11500000MB00000001"  # the city's reserve centre (a public institution)


def deploy_reserve_and_lifecycle(
    d: Deployer, parties: dict, registry, prices, ledger, pledges, compliance, money
):
    """The government reserve (SPEC §8), changes of a unit (§9) and leasing (§10). The reserve is
    an account of its own in the registry (sector Government, city level); its fund is settlement
    money the treasury transfers to it."""
    admin, regulator = parties["city_regulator"], parties["city_regulator"]
    reserve = d.deploy(
        GovernmentReserve,
        admin,
        registry,
        ledger,
        prices,
        compliance,
        money,
        parties["finance_bureau"],
    )
    send(
        registry.registerAccount,
        reserve,
        RESERVE_CREDIT_CODE,
        "重庆市排污权储备中心",
        int(Sector.GOVERNMENT),
        0,
        0,
        sender=regulator,
    )
    d.grant(reserve, "REGULATOR_ROLE", regulator)
    d.grant(ledger, "RESERVE_ROLE", reserve)
    d.grant(ledger, "EXCHANGE_ROLE", reserve)  # buy-backs and releases settle in its own calls
    lifecycle = d.deploy(UnitLifecycle, admin, registry, ledger, pledges, compliance, reserve)
    d.grant(ledger, "LIFECYCLE_ROLE", lifecycle)
    d.grant(registry, "ACCOUNT_MANAGER_ROLE", lifecycle)
    d.grant(pledges, "LIFECYCLE_ROLE", lifecycle)
    d.grant(compliance, "LIFECYCLE_ROLE", lifecycle)
    d.grant(reserve, "LIFECYCLE_ROLE", lifecycle)
    leases = d.deploy(LeaseBook, ledger, money)
    d.grant(ledger, "LEASING_ROLE", leases)


def dev_parties() -> dict:
    """The authorities on the local chain: the chain's unlocked dev accounts (DEV ONLY).

    On the local validator network (a live network to Brownie: no unlocked accounts) the same
    dev keys are added for local signing, and fees are EIP-1559 with a 1 gwei tip (its genesis
    activates London; backend/network/devnet.py)."""
    if len(accounts) == 0:
        if web3.eth.chain_id != DEV_NETWORK_CHAIN_ID:
            raise RuntimeError("dev keys are for the local chains only; deploy with real keys")
        for index in range(FIRST_COMPANY_INDEX + DEV_NETWORK_COMPANIES):
            accounts.add(dev_key(index).private_key)
        priority_fee("1 gwei")
        # Brownie 1.22 also records each deployment on a live network in its own database, in a
        # background thread whose compiled code fails ("TypeError: dict object expected; got
        # Sources", the defect behind its broken `networks:` config section). The deployment is
        # unaffected and this project keeps its own record (deployments/*.json): stay quiet.
        threading.excepthook = _quiet_brownie_deployment_db
    return {name: accounts[index] for name, index in DEV_AUTHORITIES.items()}


_default_excepthook = threading.excepthook


def _quiet_brownie_deployment_db(args: threading.ExceptHookArgs) -> None:
    thread = args.thread.name if args.thread else ""
    if args.exc_type is TypeError and "_add_from_tx" in thread:
        return
    _default_excepthook(args)


def deployment_path() -> Path:
    """Where this run writes the deployment record."""
    override = os.environ.get("DRR_DEPLOYMENT_FILE")
    return Path(override) if override else DEPLOYMENTS / f"{network.show_active()}.json"


def main() -> Deployment:
    deployment = deploy(dev_parties())
    path = deployment_path()
    deployment.save(path)
    print(f"deployment written to {path}")
    return deployment
