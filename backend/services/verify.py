"""Check a published figure against a chain node (R-37).

Each function reads the figure from the read model and the same figure from the contract,
at the block the index has reached (so a lagging index is compared with the chain as it was
then), and returns both with the ``eth_call`` made — anyone can repeat that call against a
node of their own. An event-backed row (a trade, an allocation, a benchmark …) is checked by
re-reading its transaction's receipt and decoding the log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hexbytes import HexBytes
from sqlalchemy import Connection, select
from web3.exceptions import TransactionNotFound

from backend.chain.client import Chain
from backend.chain.errors import ServiceError
from backend.indexer import store
from backend.indexer.decode import EventDecoder
from backend.indexer.projections import tables as t
from backend.services.disclosure import compliance_status

Figure = dict[str, Any]


def _cursor_block(conn: Connection, chain: Chain) -> int:
    cursor = store.load_cursor(conn, chain.deployment.chain_id)
    if cursor is None or cursor.block_number < 0:
        raise ServiceError("FigureNotFound", "the index has not read any block yet")
    return cursor.block_number


def _call(chain: Chain, contract: str, function: str, args: list, block: int) -> tuple[Any, dict]:
    if contract not in chain.deployment.contracts:
        raise ServiceError("FigureNotFound", f"{contract} is not deployed")
    fn = getattr(chain.contract(contract).functions, function)(*args)
    call = {
        "contract": contract,
        "to": chain.deployment.contracts[contract].address,
        "function": function,
        "args": args,
        "data": fn._encode_transaction_data(),
        "block": block,
    }
    return fn.call(block_identifier=block), call


def _answer(kind: str, key: Mapping, block: int, indexed: Mapping, on_chain: Mapping, calls: list,
            source_tx: str | None) -> Figure:  # fmt: skip
    return {
        "figure": kind,
        "key": dict(key),
        "block": block,
        "indexed": dict(indexed),
        "chain": dict(on_chain),
        "match": dict(indexed) == dict(on_chain),
        "calls": calls,
        "tx_hash": source_tx,
    }


def _row(conn: Connection, table: Any, **key: Any) -> dict[str, Any]:  # noqa: ANN401
    where = [table.c[k] == v for k, v in key.items()]
    row = conn.execute(select(table).where(*where)).mappings().first()
    if row is None:
        raise ServiceError("FigureNotFound", f"no {table.name.removeprefix('rm_')} {key}")
    return dict(row)


HOLDING_FIELDS = ("paid", "free", "waived", "pledged", "permitted", "leased_in", "leased_out",
                  "tradable", "owed")  # fmt: skip


def holding(conn: Connection, chain: Chain, *, holder: str, pollutant: int) -> Figure:
    """Balances by origin and state, permitted, leased, certified and owed quantities."""
    block = _cursor_block(conn, chain)
    row = _row(conn, t.holdings, holder=holder, pollutant=pollutant)
    balance, c1 = _call(chain, "RightsLedger", "balanceOf", [holder, pollutant], block)
    paid, free, waived, pledged = balance
    (permitted, leased_in, leased_out, tradable), c2 = _call(
        chain, "RightsLedger", "positionOf", [holder, pollutant], block
    )
    owed, c3 = _call(chain, "RightsLedger", "owed", [holder, pollutant], block)
    on_chain = dict(zip(HOLDING_FIELDS, (paid, free, waived, pledged, permitted, leased_in,
                                         leased_out, tradable, owed), strict=True))  # fmt: skip
    indexed = {k: row[k] for k in HOLDING_FIELDS}
    key = {"holder": holder, "pollutant": pollutant}
    return _answer("holding", key, block, indexed, on_chain, [c1, c2, c3], row["tx_hash"])


def cap(conn: Connection, chain: Chain, *, region: int, pollutant: int) -> Figure:
    block = _cursor_block(conn, chain)
    row = _row(conn, t.caps, region=region, pollutant=pollutant)
    (cap_kg, allocated, is_set), call = _call(
        chain, "RightsLedger", "capOf", [region, pollutant], block
    )
    return _answer(
        "cap",
        {"region": region, "pollutant": pollutant},
        block,
        {"cap": row["cap"], "allocated": row["allocated"], "is_set": row["is_set"]},
        {"cap": cap_kg, "allocated": allocated, "is_set": is_set},
        [call],
        row["tx_hash"],
    )


def pledge(conn: Connection, chain: Chain, *, pledge_id: int) -> Figure:
    block = _cursor_block(conn, chain)
    row = _row(conn, t.pledges, id=pledge_id)
    (holder, pollutant, kg, bank, status, maturity, claim), call = _call(
        chain, "PledgeBook", "pledgeOf", [pledge_id], block
    )
    fields = ("holder", "bank", "pollutant", "kg", "status", "maturity", "claim_fen")
    return _answer(
        "pledge",
        {"id": pledge_id},
        block,
        {k: row[k] for k in fields},
        dict(zip(fields, (holder, bank, pollutant, kg, status, maturity, claim), strict=True)),
        [call],
        row["tx_hash"],
    )


def permit(conn: Connection, chain: Chain, *, holder: str) -> Figure:
    block = _cursor_block(conn, chain)
    row = _row(conn, t.permits, holder=holder)
    (valid_from, valid_to, version), call = _call(
        chain, "RightsLedger", "permitOf", [holder], block
    )
    fields = ("valid_from", "valid_to", "version")
    return _answer(
        "permit",
        {"holder": holder},
        block,
        {k: row[k] for k in fields},
        dict(zip(fields, (valid_from, valid_to, version), strict=True)),
        [call],
        row["tx_hash"],
    )


def unit(conn: Connection, chain: Chain, *, holder: str) -> Figure:
    """The account's attributes and credit status (R-03, R-17)."""
    block = _cursor_block(conn, chain)
    row = _row(conn, t.units, holder=holder)
    profile, call = _call(chain, "AccountRegistry", "profile", [holder], block)
    _, closed, policy, qualified, restrictions, sector, district, basin, _ = profile
    fields = ("closed", "policy_restricted", "qualified_seller", "restrictions", "sector",
              "district", "basin")  # fmt: skip
    values = (closed, policy, qualified, restrictions, sector, district, basin)
    return _answer(
        "unit",
        {"holder": holder},
        block,
        {k: row[k] for k in fields},
        dict(zip(fields, values, strict=True)),
        [call],
        row["tx_hash"],
    )


def compliance(conn: Connection, chain: Chain, *, unit: str, pollutant: int, period: int) -> Figure:
    """R-23 – R-25: status, verified usage and surrendered quantity of one unit and period."""
    block = _cursor_block(conn, chain)
    row = _row(conn, t.compliance, unit=unit, pollutant=pollutant, period=period)
    known = conn.execute(select(t.periods).where(t.periods.c.id == period)).mappings().first()
    stamp = int(chain.w3.eth.get_block(block)["timestamp"])
    status = compliance_status(row, dict(known) if known else None, stamp)
    (chain_status, usage, surrendered), call = _call(
        chain, "ComplianceManager", "status", [unit, pollutant, period], block
    )
    final = status not in (1, 2)  # the contract reports usage once it is final
    return _answer(
        "compliance",
        {"unit": unit, "pollutant": pollutant, "period": period},
        block,
        {
            "status": int(status),
            "usage_kg": (row["usage_kg"] or 0) if final else 0,
            "surrendered": row["surrendered"],
        },
        {"status": chain_status, "usage_kg": usage, "surrendered": surrendered},
        [call],
        row["tx_hash"],
    )


def reserve_stock(conn: Connection, chain: Chain, *, source: int, pollutant: int) -> Figure:
    block = _cursor_block(conn, chain)
    row = _row(conn, t.reserve_stock, source=source, pollutant=pollutant)
    inflow, c1 = _call(chain, "GovernmentReserve", "inflow", [source, pollutant], block)
    outflow, c2 = _call(chain, "GovernmentReserve", "outflow", [source, pollutant], block)
    return _answer(
        "reserve-stock",
        {"source": source, "pollutant": pollutant},
        block,
        {"inflow": row["inflow"], "outflow": row["outflow"]},
        {"inflow": inflow, "outflow": outflow},
        [c1, c2],
        row["tx_hash"],
    )


def event(
    conn: Connection, chain: Chain, decoder: EventDecoder, *, tx_hash: str, log_index: int
) -> Figure:
    """An event-backed figure: the stored event against the log in the node's receipt."""
    e = store.events.c
    row = (
        conn.execute(
            select(store.events).where(e.tx_hash == tx_hash.lower(), e.log_index == log_index)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise ServiceError("FigureNotFound", f"no indexed event {tx_hash}#{log_index}")
    try:
        receipt = chain.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
    except TransactionNotFound:
        receipt = None
    logs = decoder.decode_receipt(receipt) if receipt is not None else []
    found = next((d for d in logs if d.log_index == log_index), None)
    fields = ("contract", "event", "block_number", "block_hash", "args")
    indexed = {k: row[k] for k in fields}
    on_chain = {k: getattr(found, k) for k in fields} if found else {}
    call = {"method": "eth_getTransactionReceipt", "params": [tx_hash]}
    return _answer(
        "event",
        {"tx_hash": tx_hash, "log_index": log_index},
        row["block_number"],
        indexed,
        on_chain,
        [call],
        tx_hash,
    )


FIGURES: dict[str, Callable[..., Figure]] = {
    "holding": holding,
    "cap": cap,
    "pledge": pledge,
    "permit": permit,
    "unit": unit,
    "compliance": compliance,
    "reserve-stock": reserve_stock,
}
