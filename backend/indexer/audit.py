"""The read model audited against the chain: what a restore and a restart are checked with.

At the block the index has reached, for every pollutant the index knows:

- the supply on chain (``RightsLedger.totalSupply``) equals the sum of the rights on chain of
  every holder the index knows (paid + free + waived + leased in; R-04, R-10, R-35): a holder
  the index missed shows here;
- every indexed holding (paid, free, waived, pledged; permitted, leased in and out, tradable)
  equals ``RightsLedger.balanceOf`` and ``positionOf`` on chain;
- nobody has pledged more than it holds paid (R-34).

The reads go to the node in batches of one round trip (``backend/chain/reads.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from backend.chain.client import Chain
from backend.chain.reads import Reads
from backend.indexer import store
from backend.indexer.projections import tables as t

FIELDS = ("paid", "free", "waived", "pledged", "permitted", "leased_in", "leased_out", "tradable")
BATCH = 500


@dataclass(frozen=True)
class PollutantAudit:
    pollutant: int
    code: str
    supply: int  # on chain
    held_on_chain: int  # Σ paid + free + waived + leased in of the indexed holders, on chain
    held_indexed: int  # the same sum in the index
    holders: int

    @property
    def ok(self) -> bool:
        return self.supply == self.held_on_chain == self.held_indexed


@dataclass
class Audit:
    block: int
    pollutants: list[PollutantAudit] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)  # holdings that differ, over-pledges

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(p.ok for p in self.pollutants)

    def table(self) -> str:
        """A plain-text table (what ``make restore`` prints)."""
        lines = [f"index against the chain at block {self.block}:",
                 f"  {'pollutant':<10} {'holders':>7} {'supply (kg)':>16} {'Σ on chain':>16} "
                 f"{'Σ indexed':>16}  "]  # fmt: skip
        for p in self.pollutants:
            lines.append(
                f"  {p.code:<10} {p.holders:>7} {p.supply:>16,} {p.held_on_chain:>16,} "
                f"{p.held_indexed:>16,}  {'ok' if p.ok else 'DIFFERS'}"
            )
        lines += [f"  {m}" for m in self.mismatches[:20]]
        if len(self.mismatches) > 20:
            lines.append(f"  … {len(self.mismatches) - 20} more")
        return "\n".join(lines)


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _held(holding: tuple[int, ...]) -> int:
    """Rights a holder holds (paid + free + waived + leased in), pledged ones included."""
    paid, free, waived, _, _, leased_in, _, _ = holding
    return paid + free + waived + leased_in


def audit(engine: Engine, chain: Chain) -> Audit:
    """Compare the index in ``engine`` with ``chain`` (see the module docstring)."""
    with engine.connect() as conn:
        cursor = store.load_cursor(conn, chain.deployment.chain_id)
        codes = dict(conn.execute(select(t.pollutants.c.id, t.pollutants.c.code)).all())
        rows = [dict(r._mapping) for r in conn.execute(select(t.holdings))]
    block = cursor.block_number if cursor is not None else chain.w3.eth.block_number
    ledger = chain.contract("RightsLedger")
    supply_reads = Reads(chain.w3)
    supplies = {p: supply_reads.call(ledger.functions.totalSupply(p), block=block) for p in codes}
    supply_reads.send()
    result = Audit(block)
    on_chain: dict[tuple[str, int], tuple[int, ...]] = {}
    for part in _chunks(rows, BATCH):
        reads = Reads(chain.w3)
        pending = []
        for r in part:
            args = (r["holder"], r["pollutant"])
            balance = reads.call(ledger.functions.balanceOf(*args), block=block)
            position = reads.call(ledger.functions.positionOf(*args), block=block)
            pending.append((r, balance, position))
        reads.send()
        for row, balance, position in pending:
            key = (row["holder"], row["pollutant"])
            on_chain[key] = (*balance.value(), *position.value())
    for row in rows:
        chain_holding = on_chain[row["holder"], row["pollutant"]]
        indexed = tuple(int(row[f]) for f in FIELDS)
        where = f"{row['holder']} pollutant {row['pollutant']}"
        if indexed != chain_holding:
            figures = ", ".join(
                f"{f} {i} ≠ {c}" for f, i, c in zip(FIELDS, indexed, chain_holding, strict=True)
                if i != c
            )  # fmt: skip
            result.mismatches.append(f"{where}: indexed ≠ on chain: {figures}")
        paid, pledged = chain_holding[0], chain_holding[3]
        if pledged > paid:
            result.mismatches.append(f"{where}: pledged {pledged} above paid {paid}")
    for pollutant, code in sorted(codes.items()):
        mine = [r for r in rows if r["pollutant"] == pollutant]
        result.pollutants.append(
            PollutantAudit(
                pollutant=pollutant,
                code=code,
                supply=int(supplies[pollutant].value()),
                held_on_chain=sum(_held(on_chain[r["holder"], pollutant]) for r in mine),
                held_indexed=sum(_held(tuple(int(r[f]) for f in FIELDS)) for r in mine),
                holders=len(mine),
            )
        )
    return result
