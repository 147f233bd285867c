"""The company portal (企业门户): a compliance officer's pages, server-rendered for the account
its wallet connected, Chinese first.

The wallet gives the page an account (``/portal?account=0x…``, any case); the server renders what
that account holds and owes and only the forms it can use, each in words and units (t, 元,
pollutant names, Beijing time). The small script (``static/drr.js``) signs in the wallet and
submits; the result or refusal is shown next to the button. The figures come from the index
(``backend/services/disclosure.py``) and, for money, from the chain.
"""

from __future__ import annotations

from typing import Any

from eth_utils import is_address, to_checksum_address
from sqlalchemy import Connection
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.client import Chain
from backend.chain.domain import ApplicationStatus, ListingStatus, LotStatus, Sector
from backend.chain.errors import ServiceError
from backend.services import disclosure, explain

OPEN_LISTING = (ListingStatus.OPEN, ListingStatus.BIDDING)
OPEN_LOT = LotStatus.OPEN
FIGURES = ("paid", "free", "waived", "pledged", "permitted", "tradable", "leased_in",
           "leased_out", "owed")  # fmt: skip


def account_of(value: str | None) -> str | None:
    """The account the page is for: any case, answered checksummed; ``None`` if not given."""
    if not value:
        return None
    if not is_address(value) and not (
        value.startswith("0x") and len(value) == 42 and is_address(value.lower())
    ):
        raise ServiceError("RequestInvalid", f"account: not an address: {value!r}")
    return to_checksum_address(value.lower())


def permit_valid(permit: dict[str, Any] | None, now: int) -> bool:
    return (
        bool(permit) and not permit["revoked"] and permit["valid_from"] <= now < permit["valid_to"]
    )


def holdings(unit: dict[str, Any], now: int) -> list[dict[str, Any]]:
    """Each pollutant's rights by origin and state, the permit floor, and what can be sold now
    with the reason for the rest (R-05, R-06, R-07, R-17, R-39)."""
    valid = permit_valid(unit.get("permit"), now)
    rows = []
    for h in unit["holdings"]:
        figures = {k: int(h[k] or 0) for k in FIGURES}
        can = explain.sellable(
            figures,
            permit_valid=valid,
            government=unit["sector"] == int(Sector.GOVERNMENT),
            qualified=bool(unit["qualified_seller"]),
            restricted=bool(unit["restrictions"]),
        )
        total = figures["paid"] + figures["free"] + figures["waived"]
        rows.append({
            **figures, "pollutant": h["pollutant"], "total": total,
            "floor": figures["permitted"] if valid else 0, "sellable": can.kg,
            "held_back": can.held_back, "tx_hash": h.get("tx_hash"),
        })  # fmt: skip
    return rows


def money(chain: Chain, account: str) -> dict[str, Any]:
    """The wallet's settlement money and the trading account at the exchange (R-16)."""
    out: dict[str, Any] = {"wallet": None, "available": None, "locked": None, "native": None}
    try:
        out["native"] = int(chain.w3.eth.get_balance(account))
        if "SettlementToken" in chain.deployment.contracts:
            out["wallet"] = int(
                chain.contract("SettlementToken").functions.balanceOf(account).call()
            )
        if "Exchange" in chain.deployment.contracts:
            available, locked = chain.contract("Exchange").functions.fundsOf(account).call()
            out["available"], out["locked"] = int(available), int(locked)
    except (ContractLogicError, Web3RPCError, ValueError):
        pass
    return out


def view(conn: Connection, chain: Chain, account: str | None, lang: str = "zh") -> dict[str, Any]:
    """Everything the portal shows for ``account`` (or the connect prompt without one), banks
    and authorities named in ``lang``."""
    now = disclosure.chain_now(conn)
    base: dict[str, Any] = {"account": account, "now": now, "unit": None}
    if account is None:
        return base
    unit = disclosure.unit(conn, account, now=now)
    base["money"] = money(chain, account)
    if unit is None:
        return base
    periods = disclosure.periods(conn)
    listings = disclosure.listings(conn, limit=200).rows
    lots = disclosure.lots(conn, status=OPEN_LOT, limit=100).rows
    return {
        **base,
        "unit": unit,
        "holdings": holdings(unit, now),
        "permit_valid": permit_valid(unit.get("permit"), now),
        "obligations": [{**r, "period_row": periods.get(r["period"])} for r in unit["compliance"]],
        "periods": periods,
        "my_listings": [r for r in listings if r["seller"] == account],
        "open_listings": [
            r for r in listings if r["status"] in OPEN_LISTING and r["seller"] != account
        ],
        "open_lots": lots,
        "applications": applications(chain, conn, account),
        "pledges": [
            {**p, "bank_name": p.get("bank_name") or chain.deployment.name_of(p["bank"], lang)}
            for p in unit["pledges"]
        ],
        "bank_options": [(b["address"], b["name"]) for b in _banks(conn, chain, lang)],
    }


APPROVED = ApplicationStatus.APPROVED


def applications(chain: Chain, conn: Connection, account: str) -> list[dict[str, Any]]:
    """The unit's primary applications; an approved one with the fee its purchase would charge
    now (``fee_now``, the benchmark times the approved quantity, R-08): the purchase the company
    signs accepts at most this fee, so a later benchmark cannot make it pay more."""
    rows = disclosure.applications(conn, applicant=account, limit=50).rows
    primary = (
        chain.contract("PrimaryMarket") if "PrimaryMarket" in chain.deployment.contracts else None
    )
    out = []
    for row in rows:
        fee = None
        if primary is not None and row["status"] == APPROVED:
            try:
                fee = int(primary.functions.feeOf(row["id"]).call())
            except (ContractLogicError, Web3RPCError, ValueError):
                fee = None  # no benchmark published: nothing to buy at yet
        out.append({**row, "fee_now": fee})
    return out


def _banks(conn: Connection, chain: Chain, lang: str = "zh") -> list[dict[str, Any]]:
    """The pledgees a unit may pledge to (R-34), named as registered units or by the
    deployment record (a bank is an authority, not a registered unit)."""
    holders = _role_holders(chain, "PledgeBook", "PLEDGEE_ROLE")
    names = disclosure.unit_names(conn, holders)
    return [
        {"address": a,
         "name": (names.get(a) or {}).get("name") or chain.deployment.name_of(a, lang)}
        for a in holders
    ]  # fmt: skip


def _role_holders(chain: Chain, contract: str, role: str) -> list[str]:
    """The accounts the deployment record lists with ``role`` on ``contract`` (the banks)."""
    return list(chain.deployment.roles.get(f"{contract}.{role}", []))
