"""Shared fixtures: the deployment under test and the parties, named after their roles.

Run through Brownie (``make test``), which starts the project's own anvil (network
``drr-test-<port>``) and reverts the chain after every test (``fn_isolation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from backend.chain.devkeys import FIRST_COMPANY_INDEX
from backend.chain.domain import POLLUTANT_IDS, POLLUTANTS, Origin, Sector
from backend.services.registration import with_check
from backend.toolchain import networks
from scripts.deploy import deploy, deploy_contract, deploy_regulator_alone, dev_parties
from scripts.receipts import wait_for_receipts_first
from tests.helpers import FUNDS_FEN, STOCK_KG, earliest_effect, issue, settle_benchmarks

DAY = 86_400
YEAR = 365 * DAY
# benchmark prices, fen per tonne (元/吨 × 100)
BENCHMARKS = {"COD": 400_000, "NH3-N": 800_000, "SO2": 200_000, "NOx": 200_000}
CAP_KG = 10_000_000


wait_for_receipts_first()  # scripts/receipts.py: Brownie's "Tx dropped" under load


def pytest_sessionstart(session):
    """The test chain Brownie starts for this process keeps anvil's spilled states in
    .run/chains/<port>/, removed at exit (not in ~/.foundry/anvil/tmp)."""
    from brownie._config import CONFIG

    if CONFIG.argv.get("network"):
        networks.own_chain_folder(CONFIG.argv["network"])


# The longest test files, started first so that `make test`'s processes (pytest-xdist, whole files
# per process) finish together instead of one waiting for the other's last long file.
LONG_FILES = (
    "tests/network/test_make_network.py",  # mostly waits for blocks: started first
    "tests/security/test_invariants.py",
    "tests/contracts/registry/test_registry_state_machine.py",
    "tests/e2e/test_explorer.py",
    "tests/stack/test_durable_stack.py",
    "tests/stack/test_docs_commands.py",
    "tests/e2e/test_readable_and_console.py",
    "tests/contracts/market/test_exchange_state_machine.py",
    "tests/contracts/lifecycle/test_reserve_state_machine.py",
    "tests/contracts/oracle/test_model.py",
    "tests/backend/writes/test_ops_cli.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        return LONG_FILES.index(path) if path in LONG_FILES else len(LONG_FILES)

    items.sort(key=rank)  # stable: every other file keeps its place


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    """Every test starts from the state its module fixtures built."""


@pytest.fixture(scope="module")
def parties():
    return dev_parties()


@pytest.fixture(scope="module")
def regulator(parties):
    return parties["city_regulator"]


@pytest.fixture(scope="module")
def district_regulator(parties):
    return parties["district_regulator"]


@pytest.fixture(scope="module")
def exchange(parties):
    return parties["exchange_operator"]


@pytest.fixture(scope="module")
def price_bureau(parties):
    return parties["price_bureau"]


@pytest.fixture(scope="module")
def bank(parties):
    return parties["bank"]


@pytest.fixture(scope="module")
def stranger():
    from brownie import accounts

    return accounts[FIRST_COMPANY_INDEX + 9]


@pytest.fixture(scope="module")
def companies():
    from brownie import accounts

    return accounts[FIRST_COMPANY_INDEX : FIRST_COMPANY_INDEX + 8]


@pytest.fixture(scope="module")
def deployment(parties):
    """The deployment the tests of the rules use. TEST ONLY, unlike production: the regulator's
    key stays a second admin and is granted the time-locked roles explicitly, so these tests call
    setCap / reclaim / sanctionFraud / blacklist directly. The council's own path and the
    production roles are tested in tests/contracts/governance/ and tests/security/."""
    return deploy_regulator_alone(parties)


@pytest.fixture(scope="module")
def production(parties):
    """A deployment as in production: the deployer renounced its admin everywhere, the council's
    time lock alone holds the high-impact roles (dev delays: seconds for hours)."""
    return deploy(parties)


def _at(deployment, name):
    import brownie

    return getattr(brownie, name).at(deployment.contracts[name].address)


@pytest.fixture(scope="module")
def registry(deployment):
    return _at(deployment, "AccountRegistry")


@pytest.fixture(scope="module")
def prices(deployment):
    return _at(deployment, "PriceBook")


@pytest.fixture(scope="module")
def ledger(deployment, regulator, exchange):
    """The ledger; the registry's own tests settle directly from the exchange operator's account
    (the deployment gives that role to the market contracts only)."""
    rights = _at(deployment, "RightsLedger")
    rights.grantRole(rights.EXCHANGE_ROLE(), exchange, {"from": regulator})
    return rights


@pytest.fixture(scope="module")
def policy(deployment):
    """The city's policy and rule engine (default profile: docs/registry.md "Policy")."""
    return _at(deployment, "PolicyBook")


@pytest.fixture(scope="module")
def lens(deployment):
    return _at(deployment, "RightsLens")


@pytest.fixture(scope="module")
def permits(deployment):
    return _at(deployment, "PermitRegistry")


@pytest.fixture(scope="module")
def pledges(deployment, regulator, exchange):
    """The pledge book; registry tests settle enforcement sales from the operator's account."""
    book = _at(deployment, "PledgeBook")
    book.grantRole(book.EXCHANGE_ROLE(), exchange, {"from": regulator})
    return book


@pytest.fixture(scope="module")
def settlement_bank(parties):
    return parties["settlement_bank"]


@pytest.fixture(scope="module")
def cny(deployment):
    """The settlement money (fen) the settlement bank issues (R-16)."""
    return _at(deployment, "SettlementToken")


@pytest.fixture(scope="module")
def secondary(deployment):
    """The exchange: trading accounts, negotiated trades, listings (R-13, R-14, R-16)."""
    return _at(deployment, "Exchange")


@pytest.fixture(scope="module")
def primary(deployment):
    return _at(deployment, "PrimaryMarket")


@pytest.fixture(scope="module")
def auctions(deployment):
    return _at(deployment, "AuctionHouse")


@pytest.fixture(scope="module")
def usage(regulator):
    """Final verified usage posted directly (the oracle's quorum is tested on its own)."""
    from brownie import PostedUsage

    return PostedUsage.deploy({"from": regulator})


@pytest.fixture(scope="module")
def compliance(regulator, registry, ledger, usage):
    from brownie import ComplianceManager

    manager = deploy_contract(ComplianceManager, regulator, regulator, registry, ledger, usage)[0]
    manager.grantRole(manager.REGULATOR_ROLE(), regulator, {"from": regulator})
    ledger.grantRole(ledger.COMPLIANCE_ROLE(), manager, {"from": regulator})
    return manager


@dataclass(frozen=True)
class Unit:
    """A registered account in the test city."""

    account: object
    code: str
    sector: Sector
    district: int
    basin: int

    @property
    def address(self) -> str:
        return self.account.address

    def __str__(self) -> str:
        return self.account.address


# name → (sector, district, basin); district 1 is the dev district regulator's
CITY_UNITS = {
    "chem": (Sector.INDUSTRY, 1, 1),  # 长江化工
    "steel": (Sector.INDUSTRY, 2, 1),  # 嘉陵钢铁
    "power": (Sector.THERMAL_POWER, 2, 1),  # 嘉陵热电
    "power2": (Sector.THERMAL_POWER, 1, 1),  # 两江热电
    "farm": (Sector.LIVESTOCK, 3, 2),  # 渝北养殖场
    "hotel": (Sector.SERVICE, 1, 1),  # 解放碑酒店
    "fund": (Sector.INVESTOR, 1, 1),  # 绿色投资基金
}


@pytest.fixture(scope="module")
def city(registry, prices, ledger, regulator, price_bureau, companies):
    """Seven pollutants, industry-first roll-out, caps, benchmarks and one unit per sector.

    The reserve is a government account (here held by a dev account; the reserve contract in
    deployment)."""
    from brownie import accounts

    opts = {"from": regulator}
    for p in POLLUTANTS:
        registry.addPollutant(p.code, p.name_zh, int(p.pollutant_class), opts)
    for sector in (
        Sector.INDUSTRY,
        Sector.THERMAL_POWER,
        Sector.LIVESTOCK,
        Sector.SERVICE,
        Sector.INVESTOR,
    ):
        registry.setSectorEnabled(int(sector), True, opts)
    effective = earliest_effect()
    for code, price in BENCHMARKS.items():
        prices.publish(POLLUTANT_IDS[code], 0, price, effective, {"from": price_bureau})
    settle_benchmarks()
    for district in (0, 1, 2, 3):
        for pid in POLLUTANT_IDS.values():
            ledger.setCap(district, pid, CAP_KG, opts)
    units = {}
    for i, (name, (sector, district, basin)) in enumerate(CITY_UNITS.items()):
        code = with_check(f"91500000MA5U{i:05d}")  # GB 32100, with its check character
        registry.registerAccount(companies[i], code, name, int(sector), district, basin, opts)
        units[name] = Unit(companies[i], code, sector, district, basin)
    reserve = accounts[FIRST_COMPANY_INDEX + 8]
    registry.registerAccount(
        reserve, "11500000MB0000003U", "市政府储备", int(Sector.GOVERNMENT), 0, 0, opts
    )
    units["reserve"] = Unit(reserve, "11500000MB0000003U", Sector.GOVERNMENT, 0, 0)
    return SimpleNamespace(**units, pollutant=POLLUTANT_IDS)


@pytest.fixture(scope="module")
def money(regulator):
    """Settlement money stand-in (fen): anyone mints in tests."""
    from brownie import TestMoney

    return TestMoney.deploy({"from": regulator})


@pytest.fixture(scope="module")
def treasury(parties):
    return parties["finance_bureau"]


@pytest.fixture(scope="module")
def reserve(regulator, registry, ledger, prices, compliance, money, treasury):
    """The government reserve contract, registered as the city's Government account."""
    from brownie import GovernmentReserve

    r = deploy_contract(
        GovernmentReserve,
        regulator,
        regulator,
        registry,
        ledger,
        prices,
        compliance,
        money,
        treasury,
    )[0]
    registry.registerAccount(
        r,
        "11500000MB0000001M",
        "市排污权储备中心",
        int(Sector.GOVERNMENT),
        0,
        0,
        {"from": regulator},
    )
    r.grantRole(r.REGULATOR_ROLE(), regulator, {"from": regulator})
    # TEST ONLY: the regulator's key reclaims directly (production: the council's time lock)
    r.grantRole(r.TIMELOCK_ROLE(), regulator, {"from": regulator})
    ledger.grantRole(ledger.RESERVE_ROLE(), r, {"from": regulator})
    ledger.grantRole(ledger.EXCHANGE_ROLE(), r, {"from": regulator})
    compliance.grantRole(compliance.RESERVE_ROLE(), r, {"from": regulator})  # R-26 surplus
    money.mint(r, 10**12, {"from": regulator})  # the reserve fund
    return r


@pytest.fixture(scope="module")
def lifecycle(regulator, registry, ledger, pledges, compliance, reserve):
    from brownie import UnitLifecycle

    life = deploy_contract(
        UnitLifecycle, regulator, regulator, registry, ledger, pledges, compliance, reserve
    )[0]
    ledger.grantRole(ledger.LIFECYCLE_ROLE(), life, {"from": regulator})
    registry.grantRole(registry.ACCOUNT_MANAGER_ROLE(), life, {"from": regulator})
    pledges.grantRole(pledges.LIFECYCLE_ROLE(), life, {"from": regulator})
    compliance.grantRole(compliance.LIFECYCLE_ROLE(), life, {"from": regulator})
    reserve.grantRole(reserve.LIFECYCLE_ROLE(), life, {"from": regulator})
    # TEST ONLY: the regulator's key sanctions directly (production: the council's time lock)
    life.grantRole(life.TIMELOCK_ROLE(), regulator, {"from": regulator})
    return life


@pytest.fixture(scope="module")
def leases(regulator, ledger, money, registry, prices):
    from brownie import LeaseBook

    book = deploy_contract(LeaseBook, regulator, regulator, ledger, money, registry, prices)[0]
    ledger.grantRole(ledger.LEASING_ROLE(), book, {"from": regulator})
    return book


@pytest.fixture(scope="module")
def lessor(city, ledger, exchange, money, leases, regulator):
    """chem: 10 t paid COD; steel holds money for rents and lets the lease book draw them."""
    cod = city.pollutant["COD"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    money.mint(city.steel, 10**9, {"from": regulator})
    money.approve(leases, 10**9, {"from": city.steel.account})
    return city


@pytest.fixture(scope="module")
def traders(city, ledger, registry, exchange, regulator, cny, secondary, settlement_bank):
    """Every unit and the reserve: 50 t paid COD, NH3-N, SO2 and NOx (through the ledger directly,
    as the primary market's own tests cover how rights are bought), qualified and certified
    tradable (R-39), and 一亿元 in its trading account, paid in by the settlement bank."""
    names = ("chem", "steel", "power", "power2", "farm", "hotel", "fund", "reserve")
    pollutants = [city.pollutant[code] for code in ("COD", "NH3-N", "SO2", "NOx")]
    issue(cny, settlement_bank, settlement_bank, FUNDS_FEN * len(names))
    cny.approve(secondary, 2**256 - 1, {"from": settlement_bank})
    for name in names:
        unit = getattr(city, name)
        for p in pollutants:
            ledger.allocate(unit, p, int(Origin.PAID), STOCK_KG, {"from": exchange})
        if name != "reserve":
            registry.setQualifiedSeller(unit, True, {"from": regulator})
            for p in pollutants:
                ledger.certifyTradable(unit, p, STOCK_KG, {"from": regulator})
        secondary.deposit(unit, FUNDS_FEN, {"from": settlement_bank})
    return city
