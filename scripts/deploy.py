"""Deploy the registry and record the deployment (Brownie run script).

    brownie run scripts/deploy.py --network <network>

Writes the deployment record (addresses, ABIs, creation blocks, role holders), which the
service, the indexer and the CLI read, to ``$DRR_DEPLOYMENT_FILE`` or else
``deployments/<network>.json``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

from brownie import (
    AccountRegistry,
    AuctionHouse,
    ComplianceManager,
    CouncilTimelock,
    Exchange,
    GovernmentReserve,
    LeaseBook,
    PermitRegistry,
    PledgeBook,
    PolicyBook,
    PriceBook,
    PrimaryMarket,
    ProxyAdmin,
    RegistryProxy,
    RegulatorCouncil,
    RelayBatch,
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
from brownie.network.transaction import TransactionReceipt

from backend.chain.deployment import DeployedContract, Deployment
from backend.chain.devkeys import (
    COUNCIL_MEMBERS,
    DEV_AUTHORITIES,
    DEV_NAMES,
    FIRST_COMPANY_INDEX,
    dev_key,
)
from backend.chain.domain import Sector
from backend.chain.policy import DEFAULT_POLICY, Profile
from backend.chain.policy import load as load_policy
from backend.network.devnet import DEV_NETWORK_CHAIN_ID
from scripts.deployment_records import keep_no_brownie_records
from scripts.receipts import wait_for_receipts_first
from scripts.upgrade import proxy_admin_of

# every script that deploys or loads the demo imports this module: Brownie's receipt wait made
# safe under load for all of them (scripts/receipts.py), and no deployment records of Brownie's
# own on a live network (scripts/deployment_records.py)
wait_for_receipts_first()
keep_no_brownie_records()

DEPLOYMENTS = Path(__file__).resolve().parents[1] / "deployments"
DEMO_DISTRICT = 1  # the district of the dev district regulator
# Verified usage: both dev verifiers must agree; figures are final 7 days after agreement.
ORACLE_QUORUM = 2
ORACLE_DISPUTE_WINDOW = 7 * 24 * 3600
DEV_NETWORK_COMPANIES = 30  # demo companies' dev keys added on the validator network
HOUR = 3_600


@dataclass(frozen=True)
class CouncilSettings:
    """The regulator council's approval threshold and delays (docs/security.md): every call it
    schedules waits at least ``min_delay``; a batch waits the longest delay of its functions.
    With them the price bureau's bounds, which only the council may exceed: a benchmark takes
    effect ``price_notice`` seconds after its publication at the earliest, within
    ``price_band_bps`` of the benchmark it replaces (R-15, docs/security.md)."""

    threshold: int = 2
    min_delay: int = 24 * HOUR
    price_notice: int = 7 * 24 * HOUR  # a week's notice of every new benchmark
    price_band_bps: int = 5_000  # ±50 % of the benchmark it replaces
    # (contract, function, delay in seconds); a selector's delay holds on every contract
    delays: tuple[tuple[str, str, int], ...] = (
        ("RightsLedger", "setCap", 72 * HOUR),  # R-10 caps of whole regions
        # the city's policy (docs/registry.md "Policy"): figures, switches, rule modules
        ("PolicyBook", "schedule", 72 * HOUR),
        ("PolicyBook", "scheduleSwitch", 72 * HOUR),
        ("PolicyBook", "attach", 72 * HOUR),
        ("PolicyBook", "detach", 72 * HOUR),
        ("AccountRegistry", "setRestriction", 72 * HOUR),  # R-17 blacklist (credit, fraud)
        ("GovernmentReserve", "reclaim", 24 * HOUR),
        ("UnitLifecycle", "sanctionFraud", 24 * HOUR),
        ("VerificationOracle", "setQuorum", 72 * HOUR),  # when every figure is final
        ("VerificationOracle", "setDisputeWindow", 72 * HOUR),
        ("AccountRegistry", "grantRole", 48 * HOUR),  # role grants on every contract
        ("AccountRegistry", "revokeRole", 48 * HOUR),
        ("AccountRegistry", "setDistrictRegulator", 48 * HOUR),
        ("RegulatorCouncil", "setThreshold", 48 * HOUR),  # the council's own rules
        ("RegulatorCouncil", "setDelay", 48 * HOUR),
        ("CouncilTimelock", "updateDelay", 48 * HOUR),
        # replacing a contract's code (every proxy's admin; docs/operations.md "Upgrades")
        ("ProxyAdmin", "upgradeAndCall", 72 * HOUR),
    )

    def scaled(self, seconds_per_hour: float) -> CouncilSettings:
        """The same rules with every delay scaled (dev chains: seconds instead of hours)."""

        def scale(seconds: int) -> int:
            return max(1, round(seconds / HOUR * seconds_per_hour))

        delays = tuple((c, f, scale(d)) for c, f, d in self.delays)
        return replace(
            self,
            min_delay=scale(self.min_delay),
            delays=delays,
            price_notice=scale(self.price_notice),
        )


PRODUCTION_COUNCIL = CouncilSettings()  # 72 h caps and blacklists, 48 h roles, 24 h reclaims
# one second per hour: 72 s for a cap, 168 s of notice for a benchmark on a dev chain
DEV_COUNCIL = PRODUCTION_COUNCIL.scaled(1)


def send(fn, *args, sender):
    """Send a contract transaction without Brownie's per-transaction console output."""
    return fn(*args, {"from": sender}, silent=True)


def initializer_abi(container) -> dict | None:
    """The ``initialize`` function of an upgradeable contract (None: a plain contract)."""
    return next((e for e in container.abi if e.get("name") == "initialize"), None)


def creations(container) -> int:
    """Transactions :func:`deploy_contract` sends for ``container`` (implementation and proxy)."""
    return 2 if initializer_abi(container) else 1


def _attached(container, deployed):
    """What ``container.deploy`` returned, as the contract. Brownie hands back the creation's
    receipt instead when the node serves the receipt a moment before it serves the new code (as a
    geth node under load can): wait for the code (bounded), then attach."""
    if not isinstance(deployed, TransactionReceipt):
        return deployed
    deadline = time.monotonic() + 10
    while len(web3.eth.get_code(deployed.contract_address)) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    return container.at(deployed.contract_address, tx=deployed)


def deploy_contract(container, sender, *args):
    """The single way a contract of the registry is deployed (scripts, tests, benchmarks).

    An upgradeable contract (one with ``initialize``) is deployed as its implementation and a
    ``RegistryProxy`` that initializes it in the same transaction and creates the ``ProxyAdmin``
    that ``sender`` owns until the hand-over to the council's time lock (docs/operations.md
    "Upgrades"): ``args`` are the contract's arguments in their old constructor order — the
    initializer's first (the admin; the oracle's quorum and dispute window), then the
    implementation's constructor arguments (its peers' proxy addresses and fixed settings).
    Returns ``(contract at the proxy's address, implementation or None)``."""
    init = initializer_abi(container)
    if init is None:
        return _attached(container, container.deploy(*args, {"from": sender}, silent=True)), None
    split = len(init["inputs"])
    implementation = _attached(
        container, container.deploy(*args[split:], {"from": sender}, silent=True)
    )
    data = implementation.initialize.encode_input(*args[:split])
    proxy = _attached(
        RegistryProxy,
        RegistryProxy.deploy(implementation, sender, data, {"from": sender}, silent=True),
    )
    RegistryProxy.remove(proxy)  # Brownie keeps one container per address: the contract's own
    return container.at(proxy.address, tx=proxy.tx), implementation


class Deployer:
    """Deploys contracts and grants roles, keeping the deployment record as it goes."""

    def __init__(self, admin):
        self.admin = admin
        self.contracts: dict[str, object] = {}
        self.records: dict[str, DeployedContract] = {}
        self.roles: dict[str, set[str]] = {}

    def deploy(self, container, *args):
        """Deploy through :func:`deploy_contract`; the record keeps the proxy's address (stable
        across upgrades) and the implementation's."""
        contract, implementation = deploy_contract(container, self.admin, *args)
        self.contracts[container._name] = contract
        self.records[container._name] = DeployedContract(
            address=contract.address,
            abi=contract.abi,
            block=contract.tx.block_number,
            tx_hash=contract.tx.txid,
            implementation=implementation.address if implementation else None,
            proxy_admin=proxy_admin_of(web3, contract.address) if implementation else None,
        )
        return contract

    def grant(self, contract, role_name: str, holder) -> None:
        role = b"\0" * 32 if role_name == "DEFAULT_ADMIN_ROLE" else getattr(contract, role_name)()
        send(contract.grantRole, role, holder, sender=self.admin)
        self.note(contract._name, role_name, holder)

    def note(self, contract: str, role_name: str, holder) -> None:
        address = getattr(holder, "address", holder)
        self.roles.setdefault(f"{contract}.{role_name}", set()).add(str(address))

    def role_ids(self) -> dict[str, str]:
        """Each contract's role constants as it defines them (not always keccak of the name:
        the council's MEMBER_ROLE is keccak256("COUNCIL_MEMBER_ROLE"))."""
        out = {}
        for name, contract in self.contracts.items():
            for item in contract.abi:
                role = item.get("name", "")
                if item.get("type") == "function" and role.endswith("_ROLE") and not item["inputs"]:
                    out[f"{name}.{role}"] = "0x" + bytes(getattr(contract, role)()).hex()
        return out

    def record(self, parties: dict) -> Deployment:
        from scripts.demo_city import places

        return Deployment(
            chain_id=web3.eth.chain_id,
            network=network.show_active(),
            contracts=self.records,
            roles={name: sorted(holders) for name, holders in self.roles.items()},
            role_ids=self.role_ids(),
            names={
                str(parties[party].address): {"zh": zh, "en": en}
                for party, (zh, en) in DEV_NAMES.items()
                if party in parties
            },
            places=places(),
        )


def policy_profile(name: str | None = None) -> Profile:
    """The city policy profile to deploy: ``name``, else ``$DRR_POLICY``, else the default."""
    return load_policy(name or os.environ.get("DRR_POLICY") or DEFAULT_POLICY)


def contract_address(sender: str, nonce: int) -> str:
    """The address of the contract ``sender`` creates with ``nonce`` (CREATE)."""
    import rlp
    from eth_utils import keccak, to_checksum_address

    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(str(sender)[2:]), nonce]))[12:])


def deploy(
    parties: dict,
    *,
    council: CouncilSettings = DEV_COUNCIL,
    keep_admin: bool = False,
    policy: str | Profile | None = None,
) -> Deployment:
    """Deploy every contract and grant the roles; ``parties`` maps party name → account.

    The deployer (the city regulator's key) grants the roles, then hands the administration of
    every contract to the regulator council's time lock and renounces its own (production and
    ``make run``). ``keep_admin`` leaves it a second admin beside the time lock: the shared test
    fixtures and the benchmarks only, which grant test roles directly. ``policy``: the city
    policy profile loaded into the ``PolicyBook`` (``policy_profile``)."""
    profile = policy if isinstance(policy, Profile) else policy_profile(policy)
    admin = parties["city_regulator"]
    d = Deployer(admin)
    timelock = deploy_council(d, parties, council)
    registry = d.deploy(AccountRegistry, admin)
    prices = d.deploy(PriceBook, admin, registry, council.price_notice, council.price_band_bps)
    # the policy book and the ledger know each other by immutable references: the policy book
    # is created first, for the ledger's address-to-be (its proxy: the deployer's creation after
    # the policy book's and the ledger's implementation)
    after = creations(PolicyBook) + creations(RightsLedger) - 1
    ledger_address = contract_address(admin.address, admin.nonce + after)
    policy_book = d.deploy(
        PolicyBook, admin, profile.figures_on_chain(), ledger_address, registry, prices
    )
    ledger = d.deploy(RightsLedger, admin, registry, policy_book)
    if ledger.address != ledger_address:
        raise RuntimeError(
            f"the ledger is at {ledger.address}, the policy book reads {ledger_address}"
        )
    d.grant(policy_book, "TIMELOCK_ROLE", timelock)  # the city's policy: only through the council
    permits = d.deploy(PermitRegistry, admin, registry, ledger)
    pledges = d.deploy(PledgeBook, admin, ledger, registry)
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
    d.grant(prices, "TIMELOCK_ROLE", timelock)  # R-15 benchmarks without notice or band
    d.grant(ledger, "REGULATOR_ROLE", timelock)  # R-10 caps: only through the council
    d.grant(registry, "TIMELOCK_ROLE", timelock)  # R-17 blacklist
    d.grant(ledger, "PERMIT_MANAGER_ROLE", permits)
    d.grant(ledger, "PLEDGE_MANAGER_ROLE", pledges)
    d.grant(pledges, "PLEDGEE_ROLE", parties["bank"])
    oracle = d.deploy(VerificationOracle, admin, ORACLE_QUORUM, ORACLE_DISPUTE_WINDOW)
    for verifier in ("verifier_a", "verifier_b"):
        d.grant(oracle, "VERIFIER_ROLE", parties[verifier])
    d.grant(oracle, "REGULATOR_ROLE", parties["city_regulator"])  # corrections
    d.grant(oracle, "TIMELOCK_ROLE", timelock)  # quorum and dispute window: only the council
    compliance = d.deploy(ComplianceManager, admin, registry, ledger, oracle)
    # periods follow each other for good: a bogus one (ending decades ahead) would block
    # every later period, so they are defined only through the council
    d.grant(compliance, "REGULATOR_ROLE", timelock)
    d.grant(ledger, "COMPLIANCE_ROLE", compliance)
    money = deploy_exchange(d, parties, registry, prices, ledger, pledges)
    deploy_reserve_and_lifecycle(d, parties, registry, prices, ledger, pledges, compliance, money)
    # many signed orders in one transaction (docs/architecture.md): the service's relayer key
    batch = d.deploy(RelayBatch, admin)
    if "relayer" in parties:
        d.grant(batch, "RELAYER_ROLE", parties["relayer"])
    hand_over(d, timelock, keep_admin=keep_admin)
    return d.record(parties)


# The roles the regulator council's time lock alone holds in production (docs/security.md).
TIME_LOCKED_ROLES = (
    ("RightsLedger", "REGULATOR_ROLE"),  # setCap
    ("AccountRegistry", "TIMELOCK_ROLE"),  # blacklist
    ("GovernmentReserve", "TIMELOCK_ROLE"),  # reclaim
    ("UnitLifecycle", "TIMELOCK_ROLE"),  # sanctionFraud
    ("VerificationOracle", "TIMELOCK_ROLE"),  # quorum and dispute window
    ("ComplianceManager", "REGULATOR_ROLE"),  # definePeriod
    ("PriceBook", "TIMELOCK_ROLE"),  # publishByCouncil
    ("PolicyBook", "TIMELOCK_ROLE"),  # the city's policy and rule modules
)


def grant_time_locked_roles(deployment: Deployment, account) -> None:
    """TESTS AND BENCHMARKS ONLY (a ``keep_admin`` deployment): ``account`` gets the time lock's
    high-impact roles, so it sets caps, reclaims, sanctions and blacklists without the council."""
    import brownie

    for name, role in TIME_LOCKED_ROLES:
        contract = getattr(brownie, name).at(deployment.contracts[name].address)
        send(contract.grantRole, getattr(contract, role)(), account, sender=account)
        deployment.roles.setdefault(f"{name}.{role}", []).append(account.address)


def deploy_regulator_alone(parties: dict, policy: str | None = None) -> Deployment:
    """TESTS AND BENCHMARKS ONLY: a ``keep_admin`` deployment whose city regulator also holds the
    time-locked roles, so it acts alone where production needs the council."""
    record = deploy(parties, keep_admin=True, policy=policy)
    grant_time_locked_roles(record, parties["city_regulator"])
    return record


def deploy_council(d: Deployer, parties: dict, settings: CouncilSettings):
    """The regulator council and its time lock (created by the council, which is its only
    proposer and executor; the time lock administers itself and the council)."""
    from eth_utils import function_abi_to_4byte_selector

    containers = {
        "RightsLedger": RightsLedger,
        "PolicyBook": PolicyBook,
        "AccountRegistry": AccountRegistry,
        "GovernmentReserve": GovernmentReserve,
        "UnitLifecycle": UnitLifecycle,
        "VerificationOracle": VerificationOracle,
        "RegulatorCouncil": RegulatorCouncil,
        "CouncilTimelock": CouncilTimelock,
        "ProxyAdmin": ProxyAdmin,
    }

    def selector(contract: str, function: str) -> bytes:
        (abi,) = (e for e in containers[contract].abi if e.get("name") == function)
        return function_abi_to_4byte_selector(abi)

    members = [parties[name] for name in COUNCIL_MEMBERS]
    council = d.deploy(
        RegulatorCouncil,
        members,
        settings.threshold,
        parties["provincial_authority"],
        settings.min_delay,
        [selector(c, f) for c, f, _ in settings.delays],
        [delay for _, _, delay in settings.delays],
    )
    timelock = CouncilTimelock.at(council.timelock())
    d.contracts["CouncilTimelock"] = timelock
    d.records["CouncilTimelock"] = d.records["RegulatorCouncil"].model_copy(
        update={"address": timelock.address, "abi": timelock.abi}
    )
    for member in members:
        d.note("RegulatorCouncil", "MEMBER_ROLE", member)
    d.note("RegulatorCouncil", "GUARDIAN_ROLE", parties["provincial_authority"])
    d.note("RegulatorCouncil", "DEFAULT_ADMIN_ROLE", timelock)
    for role in ("PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"):
        d.note("CouncilTimelock", role, council)
    d.note("CouncilTimelock", "DEFAULT_ADMIN_ROLE", timelock)
    return timelock


def hand_over(d: Deployer, timelock, *, keep_admin: bool) -> None:
    """The time lock becomes the admin of every contract and the owner of every proxy's
    ``ProxyAdmin``, the only key that may replace an upgradeable contract's code (also under
    ``keep_admin``: no deployment lets one key upgrade); the deployer renounces its own
    administration."""
    for name, contract in d.contracts.items():
        if name in ("RegulatorCouncil", "CouncilTimelock") or not hasattr(contract, "grantRole"):
            continue
        d.grant(contract, "DEFAULT_ADMIN_ROLE", timelock)
        if d.records[name].implementation:
            admin = ProxyAdmin.at(d.records[name].proxy_admin)
            send(admin.transferOwnership, timelock, sender=d.admin)
        if keep_admin:
            d.note(name, "DEFAULT_ADMIN_ROLE", d.admin)
        else:
            send(contract.renounceRole, b"\0" * 32, d.admin, sender=d.admin)


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
        AuctionHouse, admin, exchange, primary, registry, ledger, prices, pledges, treasury
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


RESERVE_CREDIT_CODE = "11500000MB0000000J"  # the city's reserve centre (a public institution)


def deploy_reserve_and_lifecycle(
    d: Deployer, parties: dict, registry, prices, ledger, pledges, compliance, money
):
    """The government reserve (SPEC §8), changes of a unit (§9) and leasing (§10). The reserve is
    an account of its own in the registry (sector Government, city level); its fund is settlement
    money the treasury transfers to it. A Government account is registered only by the council's
    time lock: the deployer holds that role for this one registration and renounces it."""
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
    council_role = registry.TIMELOCK_ROLE()
    send(registry.grantRole, council_role, admin, sender=admin)
    send(
        registry.registerAccount,
        reserve,
        RESERVE_CREDIT_CODE,
        "重庆市排污权储备中心",
        int(Sector.GOVERNMENT),
        0,
        0,
        sender=admin,
    )
    send(registry.renounceRole, council_role, admin, sender=admin)
    d.grant(reserve, "REGULATOR_ROLE", regulator)
    d.grant(reserve, "TIMELOCK_ROLE", d.contracts["CouncilTimelock"])  # R-27 reclaims, facilities
    d.grant(compliance, "RESERVE_ROLE", reserve)  # R-26 buy-backs use the period's surplus
    d.grant(ledger, "RESERVE_ROLE", reserve)
    d.grant(ledger, "EXCHANGE_ROLE", reserve)  # buy-backs and releases settle in its own calls
    lifecycle = d.deploy(UnitLifecycle, admin, registry, ledger, pledges, compliance, reserve)
    d.grant(ledger, "LIFECYCLE_ROLE", lifecycle)
    d.grant(registry, "ACCOUNT_MANAGER_ROLE", lifecycle)
    d.grant(pledges, "LIFECYCLE_ROLE", lifecycle)
    d.grant(compliance, "LIFECYCLE_ROLE", lifecycle)
    d.grant(reserve, "LIFECYCLE_ROLE", lifecycle)
    # R-33 sanctions; mergers and splits the units did not sign
    d.grant(lifecycle, "TIMELOCK_ROLE", d.contracts["CouncilTimelock"])
    leases = d.deploy(LeaseBook, admin, ledger, money, registry, prices)
    d.grant(ledger, "LEASING_ROLE", leases)


def dev_parties() -> dict:
    """The authorities on the local chain: the chain's unlocked dev accounts (DEV ONLY).

    On the local validator network (a live network to Brownie: no unlocked accounts) the same
    dev keys are added for local signing, and fees are EIP-1559 with a 1 gwei tip (its genesis
    activates London; backend/network/devnet.py)."""
    if len(accounts) == 0:
        if web3.eth.chain_id != DEV_NETWORK_CHAIN_ID:
            raise RuntimeError("dev keys are for the local chains only; deploy with real keys")
        indices = set(range(FIRST_COMPANY_INDEX + DEV_NETWORK_COMPANIES))
        for index in sorted(indices | set(DEV_AUTHORITIES.values())):
            accounts.add(dev_key(index).private_key)
        priority_fee("1 gwei")
    if web3.eth.chain_id == DEV_NETWORK_CHAIN_ID:  # keys added in index order, with gaps
        return {n: accounts.at(dev_key(i).address) for n, i in DEV_AUTHORITIES.items()}
    return {name: accounts[index] for name, index in DEV_AUTHORITIES.items()}


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
