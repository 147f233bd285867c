"""Who an address is: a registered unit, a contract of the deployment, an authority by the roles
it holds, or an account that only appears in events (R-36: names instead of addresses).

The explorer names every address it shows through :func:`names`, and gives every address a page
(:func:`describe`); the authority console reads a key's duties from the same roles
(:func:`duties`). Roles come from the index (``rm_roles``: ``RoleGranted``/``RoleRevoked``, so a
council's grant counts from its block); a deployment that the index has not read yet falls back to
its record's role holders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from eth_utils import keccak
from sqlalchemy import Connection, select

from backend.chain.deployment import Deployment
from backend.indexer.projections import tables as t

ADMIN_ROLE = "0x" + "00" * 32

# what each contract is, for a person (zh, en)
CONTRACTS: dict[str, tuple[str, str]] = {
    "AccountRegistry": ("账户登记簿（注册登记）", "Account registry"),
    "PriceBook": ("交易基准价格簿", "Benchmark price book"),
    "RightsLedger": ("排污权登记簿", "Rights ledger"),
    "PermitRegistry": ("排污许可证登记", "Permit registry"),
    "PledgeBook": ("排污权质押登记", "Pledge book"),
    "RightsLens": ("排污权查询接口", "Rights lens (read-only)"),
    "VerificationOracle": ("核查数据（在线监测核定）", "Verification oracle"),
    "ComplianceManager": ("核查与清缴履约", "Compliance manager"),
    "SettlementToken": ("交易结算资金", "Settlement money"),
    "Exchange": ("交易所（交易账户、挂牌、协议转让）", "Exchange (accounts, listings, trades)"),
    "PrimaryMarket": ("一级市场（申报、核定、出让）", "Primary market"),
    "AuctionHouse": ("公开竞价（拍卖）", "Auction house"),
    "GovernmentReserve": ("政府储备", "Government reserve"),
    "UnitLifecycle": ("单位变更（合并、分立、注销）", "Unit lifecycle"),
    "LeaseBook": ("排污权租赁", "Lease book"),
    "RegulatorCouncil": ("生态环境局委员会（重大事项审批）", "Regulator council"),
    "CouncilTimelock": ("委员会时间锁（等待期）", "Council time lock"),
}

# what a role lets its holder do (zh, en), by "Contract.ROLE" or by "ROLE" on any contract
ROLES: dict[str, tuple[str, str]] = {
    "AccountRegistry.REGULATOR_ROLE": ("市级生态环境主管部门", "city regulator"),
    "AccountRegistry.DISTRICT_REGULATOR_ROLE": ("区县生态环境主管部门", "district regulator"),
    "AccountRegistry.TIMELOCK_ROLE": ("黑名单（委员会）", "blacklist (council)"),
    "PriceBook.PRICE_SETTER_ROLE": ("价格主管部门", "price bureau"),
    "PrimaryMarket.TREASURY_ROLE": ("财政部门（收费与减免）", "treasury (fees and waivers)"),
    "VerificationOracle.VERIFIER_ROLE": ("核查机构", "verifier"),
    "VerificationOracle.REGULATOR_ROLE": ("核查数据更正", "corrects verified usage"),
    "PledgeBook.PLEDGEE_ROLE": ("质权银行", "bank (pledgee)"),
    "SettlementToken.SETTLEMENT_BANK_ROLE": ("结算银行", "settlement bank"),
    "Exchange.OPERATOR_ROLE": ("交易机构", "exchange operator"),
    "AuctionHouse.OPERATOR_ROLE": ("交易机构（拍卖）", "exchange operator (auctions)"),
    "GovernmentReserve.REGULATOR_ROLE": ("储备管理", "reserve management"),
    "UnitLifecycle.REGULATOR_ROLE": ("单位变更审批", "unit changes"),
    "RegulatorCouncil.MEMBER_ROLE": ("委员会成员", "council member"),
    "RegulatorCouncil.GUARDIAN_ROLE": ("省级主管部门（可撤销提案）", "guardian (may cancel)"),
    "RightsLedger.REGULATOR_ROLE": ("总量指标（委员会）", "caps (council)"),
    "ComplianceManager.REGULATOR_ROLE": ("履约期设定（委员会）", "compliance periods (council)"),
    "DEFAULT_ADMIN_ROLE": ("合约管理（授予角色）", "admin (grants roles)"),
    # roles one contract of the deployment holds on another (the wiring)
    "EXCHANGE_ROLE": ("经交易所变更排污权", "moves rights through the exchange"),
    "PLEDGE_MANAGER_ROLE": ("质押登记", "records pledges"),
    "PERMIT_MANAGER_ROLE": ("许可证登记", "records permits"),
    "COMPLIANCE_ROLE": ("清缴注销", "burns surrendered rights"),
    "LIFECYCLE_ROLE": ("单位变更", "mergers, splits, closures"),
    "LEASING_ROLE": ("租赁登记", "records leases"),
    "RESERVE_ROLE": ("政府储备", "the government reserve"),
    "MARKET_ROLE": ("市场结算", "market settlement"),
    "AUCTION_ROLE": ("拍卖结算", "auction settlement"),
    "ACCOUNT_MANAGER_ROLE": ("账户管理", "account management"),
    "TIMELOCK_ROLE": ("委员会决定的事项", "council decisions"),
    "PROPOSER_ROLE": ("时间锁提案", "time-lock proposer"),
    "EXECUTOR_ROLE": ("时间锁执行", "time-lock executor"),
    "CANCELLER_ROLE": ("时间锁撤销", "time-lock canceller"),
}

# the console's duties: which role makes a key act as which authority
DUTIES: dict[str, tuple[str, ...]] = {
    "regulator": ("AccountRegistry.REGULATOR_ROLE", "AccountRegistry.DISTRICT_REGULATOR_ROLE"),
    "exchange": ("Exchange.OPERATOR_ROLE", "AuctionHouse.OPERATOR_ROLE"),
    "prices": ("PriceBook.PRICE_SETTER_ROLE",),
    "treasury": ("PrimaryMarket.TREASURY_ROLE",),
    "bank": ("PledgeBook.PLEDGEE_ROLE",),
    "settlement": ("SettlementToken.SETTLEMENT_BANK_ROLE",),
    "verifier": ("VerificationOracle.VERIFIER_ROLE",),
    "council": ("RegulatorCouncil.MEMBER_ROLE",),
    "guardian": ("RegulatorCouncil.GUARDIAN_ROLE",),
}


# the roles an authority is appointed to by the council (``grant-role``), as the console offers them
GRANTABLE = (
    "PledgeBook.PLEDGEE_ROLE",
    "VerificationOracle.VERIFIER_ROLE",
    "PriceBook.PRICE_SETTER_ROLE",
    "Exchange.OPERATOR_ROLE",
    "AuctionHouse.OPERATOR_ROLE",
    "SettlementToken.SETTLEMENT_BANK_ROLE",
    "PrimaryMarket.TREASURY_ROLE",
    "AccountRegistry.REGULATOR_ROLE",
)


@dataclass(frozen=True)
class RoleHeld:
    contract: str
    role: str  # the constant's name, e.g. PLEDGEE_ROLE
    scope: int | None = None  # a district regulator's district
    tx_hash: str | None = None  # the grant, when the index has it

    @property
    def key(self) -> str:
        return f"{self.contract}.{self.role}"

    def label(self, lang: int) -> str:
        pair = ROLES.get(self.key) or ROLES.get(self.role)
        return pair[lang] if pair else self.role


@dataclass(frozen=True)
class Party:
    """What an address is, and its name in both languages."""

    address: str
    kind: str  # unit | contract | authority | account
    zh: str
    en: str
    roles: tuple[RoleHeld, ...] = ()
    contract: str | None = None  # the deployment record's name, for a contract
    unit: dict[str, Any] | None = None  # the unit's row, for a registered unit
    extra: dict[str, Any] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    @property
    def duties(self) -> list[str]:
        held = {r.key for r in self.roles}
        return [duty for duty, keys in DUTIES.items() if held.intersection(keys)]

    @property
    def district(self) -> int | None:
        """A district regulator's district (None: the whole city, or not a regulator)."""
        if any(r.key == "AccountRegistry.REGULATOR_ROLE" for r in self.roles):
            return None
        scopes = [r.scope for r in self.roles if r.role == "DISTRICT_REGULATOR_ROLE"]
        return scopes[0] if scopes else None


@cache
def _role_hash(name: str) -> str:
    return ADMIN_ROLE if name == "DEFAULT_ADMIN_ROLE" else "0x" + keccak(text=name).hex()


def role_names(deployment: Deployment) -> dict[tuple[str, str], str]:
    """(contract, role id) → the role constant's name: the ids the deployment record read from
    each contract, else keccak of the constant's name (OpenZeppelin's convention)."""
    out: dict[tuple[str, str], str] = {}
    for contract, record in deployment.contracts.items():
        for item in record.abi:
            name = item.get("name", "")
            if item.get("type") == "function" and name.endswith("_ROLE") and not item["inputs"]:
                known = deployment.role_ids.get(f"{contract}.{name}")
                out[(contract, (known or _role_hash(name)).lower())] = name
        out[(contract, ADMIN_ROLE)] = "DEFAULT_ADMIN_ROLE"
    return out


def roles_of(conn: Connection, deployment: Deployment, accounts: Iterable[str]) -> dict:
    """Roles each of ``accounts`` holds now: from the index, else the deployment record."""
    wanted = sorted(set(accounts))
    held: dict[str, list[RoleHeld]] = {a: [] for a in wanted}
    if not wanted:
        return held
    by_hash = role_names(deployment)
    r = t.roles.c
    rows = list(
        conn.execute(select(t.roles).where(r.account.in_(wanted), r.active.is_(True))).mappings()
    )
    indexed = conn.execute(select(t.roles.c.contract).limit(1)).first() is not None
    for row in rows:
        name = by_hash.get((row["contract"], row["role"]), row["role"])
        held[row["account"]].append(
            RoleHeld(row["contract"], name, row["scope"], row["granted_tx"])
        )
    if not indexed:  # nothing indexed yet: the deployment's own record
        lower = {a.lower(): a for a in wanted}
        for key, holders in deployment.roles.items():
            contract, _, role = key.partition(".")
            for holder in holders:
                if holder.lower() in lower:
                    held[lower[holder.lower()]].append(RoleHeld(contract, role))
    return held


def _role_name(roles: list[RoleHeld], places: dict, lang: int) -> str | None:
    """An authority's name from its most telling role (a district regulator with its district)."""
    for role in roles:
        if role.role == "DISTRICT_REGULATOR_ROLE" and role.scope:
            district = places.get("districts", {}).get(str(role.scope))
            where = district[("zh", "en")[lang]] if district else f"#{role.scope}"
            return f"{where}生态环境主管部门" if lang == 0 else f"regulator of {where}"
    order = [k for keys in DUTIES.values() for k in keys]
    ranked = sorted(roles, key=lambda r: order.index(r.key) if r.key in order else len(order))
    return ranked[0].label(lang) if ranked else None


def names(conn: Connection, deployment: Deployment, addresses: Iterable[str]) -> dict[str, Party]:
    """Every address among ``addresses`` with what it is and its name (one query per source)."""
    wanted = {a for a in addresses if isinstance(a, str) and a.startswith("0x") and len(a) == 42}
    out: dict[str, Party] = {}
    contracts = {r.address.lower(): n for n, r in deployment.contracts.items()}
    rest = set()
    for a in wanted:
        name = contracts.get(a.lower())
        if name is None:
            rest.add(a)
            continue
        zh, en = CONTRACTS.get(name, (name, name))
        out[a] = Party(a, "contract", f"{zh}合约", f"{en} contract", contract=name)
    if rest:
        rows = conn.execute(select(t.units).where(t.units.c.holder.in_(sorted(rest)))).mappings()
        for row in rows:
            out[row["holder"]] = Party(row["holder"], "unit", row["name"], row["name"],
                                       unit=dict(row))  # fmt: skip
        rest -= set(out)
    held = roles_of(conn, deployment, rest) if rest else {}
    known = {k.lower(): v for k, v in deployment.names.items()}
    for a in rest:
        roles = tuple(held.get(a, ()))
        own = known.get(a.lower())
        if own is not None:
            out[a] = Party(a, "authority" if roles else "account", own["zh"], own["en"], roles)
        elif roles:
            zh, en = (_role_name(list(roles), deployment.places, i) for i in (0, 1))
            out[a] = Party(a, "authority", zh or a, en or a, roles)
    return out


def describe(conn: Connection, deployment: Deployment, address: str) -> Party:
    """One address: a unit, a contract, an authority, or an account with no name."""
    found = names(conn, deployment, [address]).get(address)
    if found is not None:
        if found.kind == "unit":  # a unit may also hold a role (the reserve's own account)
            roles = tuple(roles_of(conn, deployment, [address]).get(address, ()))
            return replace(found, roles=roles)
        return found
    return Party(address, "account", address, address)


@dataclass(frozen=True)
class Holder:
    account: str
    role: str
    scope: int | None
    tx_hash: str


def role_holders(conn: Connection, deployment: Deployment, contract: str) -> list[Holder]:
    """Who holds which role on ``contract`` now (from the index), by role."""
    by_hash = role_names(deployment)
    r = t.roles.c
    rows = conn.execute(
        select(t.roles).where(r.contract == contract, r.active.is_(True)).order_by(r.role, r.pos)
    ).mappings()
    return [Holder(x["account"], by_hash.get((contract, x["role"]), x["role"]), x["scope"],
                   x["granted_tx"]) for x in rows]  # fmt: skip
