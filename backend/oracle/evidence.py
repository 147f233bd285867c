"""Evidence, stored content-addressed: the SHA-256 of a file is its name and what goes on chain.

For each figure the oracle writes an evidence document (canonical JSON): the unit, pollutant,
period, the kilograms and how they were computed (per outlet: records, substituted gaps), and
the SHA-256 of every monitoring file used. The document's hash is the attestation's
``evidence``; the document and the monitoring files it lists stay retrievable by hash, so anyone
can check the figure against the raw data. The document holds nothing specific to one verifier
or to file names, so independent verifiers computing from the same files attest the same hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

from backend.oracle.aggregate import UnitFigure, when

FORMAT = "drr-usage-evidence/1"
METHOD = (
    "Sum over the period of each outlet's monitoring records in grams (value × unit, or "
    "concentration × flow: mg/L × m³ = g, mg/m³ × m³ = mg); intervals flagged M/D/C/B filled "
    "per HJ 75-2017 (gap ≤ 24 h: mean rate of the valid records before and after; longer: "
    "highest rate of the previous 720 h, else of the following 720 h); flag F counts as zero; "
    "an interval straddling the period's start or end counts pro rata by the second; "
    "total in kg rounded half up."
)
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class EvidenceNotFoundError(KeyError):
    """No stored evidence has this hash."""


def _plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros (no rounding)."""
    return format(number.normalize(Context(prec=80)), "f") if number else "0"


def canonical_json(document: dict[str, Any]) -> bytes:
    """The one byte form of a JSON document (sorted keys, no spaces, UTF-8)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def evidence_document(figure: UnitFigure, source_hashes: dict[str, str]) -> dict[str, Any]:
    """What a verifier attests for one figure; ``source_hashes`` maps file name → SHA-256."""
    return {
        "format": FORMAT,
        "unit": figure.unit.address,
        "credit_code": figure.unit.credit_code,
        "pollutant": {"id": figure.pollutant.id, "code": figure.pollutant.code},
        "period": {
            "id": figure.period.id,
            "start": when(figure.period.start),
            "end": when(figure.period.end),
        },
        "kg": figure.kg,
        "grams": _plain(figure.grams),
        "method": METHOD,
        "series": [
            {
                "outlet": s.outlet,
                "records": s.records,
                "valid": s.valid,
                "stopped": s.stopped,
                "substituted": s.substituted,
                "grams": _plain(s.grams),
                "substitutions": [
                    {
                        "start": when(g.start),
                        "end": when(g.end),
                        "flags": g.flags,
                        "rule": g.rule,
                        "grams_per_hour": _plain(g.grams_per_hour),
                    }
                    for g in s.gaps
                ],
            }
            for s in figure.series
        ],
        # by content only, so verifiers holding the same files under other names agree
        "sources": sorted({source_hashes[name] for name in figure.sources}),
    }


class EvidenceStore:
    """Files kept under their SHA-256 in a folder (``ab/abcdef…``), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        if not _DIGEST.match(digest):
            raise EvidenceNotFoundError(digest)
        return self.root / digest[:2] / digest

    def put(self, content: bytes) -> str:
        """Store ``content``; returns its SHA-256 (hex). Storing the same bytes twice is a no-op."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
            with tmp.open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(target)
        return digest

    def get(self, digest: str) -> bytes:
        """The stored bytes; :class:`EvidenceNotFoundError` if absent or not what was stored."""
        try:
            content = self.path(digest.lower().removeprefix("0x")).read_bytes()
        except FileNotFoundError:
            raise EvidenceNotFoundError(digest) from None
        if hashlib.sha256(content).hexdigest() != digest.lower().removeprefix("0x"):
            raise EvidenceNotFoundError(digest)
        return content

    def has(self, digest: str) -> bool:
        try:
            return self.path(digest.lower().removeprefix("0x")).exists()
        except EvidenceNotFoundError:
            return False
