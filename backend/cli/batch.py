"""The one CSV-batch runner of the command line: one signed act per row, resumable.

Each row's outcome is written to the results file as it goes (``row, status, tx_hash,
block_number, error_code, message``); a re-run skips the rows marked ok there, so an
interrupted run resumes where it stopped. What a row does (a signed action, an authority's
transaction) is the command's own ``step``; how it never acts twice is the command's too (an
Idempotency-Key per row, a journal of signed transactions).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from eth_account.signers.local import LocalAccount
from tqdm import tqdm

from backend.cli.context import ApiError, CliContext, value

RESULT_COLUMNS = ["row", "status", "tx_hash", "block_number", "error_code", "message"]

Row = dict[str, Any]
Step = Callable[[int, Row], Mapping[str, Any]]  # row number, row → the answer (tx_hash, block)


def read_rows(path: Path) -> list[Row]:
    """The CSV's rows (header: the fields), each cell read as JSON when it is JSON."""
    with path.open(newline="", encoding="utf-8-sig") as stream:
        return [
            {k.strip(): value(v.strip()) for k, v in r.items() if k} for r in csv.DictReader(stream)
        ]


def done_rows(path: Path) -> dict[int, dict[str, str]]:
    """The rows a results file marks ok."""
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as stream:
        return {int(r["row"]): r for r in csv.DictReader(stream) if r.get("status") == "ok"}


def batch_key(prefix: str, action: str, signer: str, number: int, row: dict[str, Any]) -> str:
    """The Idempotency-Key of a CSV row: a re-run of the file never repeats a row."""
    canonical = json.dumps([action, signer, number, row], sort_keys=True)
    return f"{prefix}batch-{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


def run_batch(
    cli: CliContext,
    *,
    name: str,
    rows: Path,
    out: Path | None,
    wallet_name: str,
    yes: bool,
    kind: str,
    verb: str,
    start: Callable[[LocalAccount, ExitStack], Step],
) -> None:
    """Run ``name`` once per row of ``rows`` as the wallet ``wallet_name`` (``kind``: what each
    row signs, e.g. "actions"; ``verb``: what is left to do, e.g. "sign"). ``start(account,
    stack)`` is called once the signer agreed, with a stack for files the run keeps open, and
    gives the step of one row. Exits 1 when a row failed."""
    table = read_rows(rows)
    out = out or rows.with_suffix(".results.csv")
    done = done_rows(out)
    todo = [(i, row) for i, row in enumerate(table, start=1) if i not in done]
    click.echo(f"{len(table)} rows, {len(done)} already done, {len(todo)} to {verb}", err=True)
    if not todo:
        return
    account = cli.unlock(wallet_name)
    if not yes:
        click.confirm(f"Sign {len(todo)} {name} {kind} as {account.address}?", abort=True, err=True)
    failed = 0
    with ExitStack() as stack:
        step = start(account, stack)
        stream = stack.enter_context(out.open("w", newline="", encoding="utf-8"))
        writer = csv.DictWriter(stream, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        for number in sorted(done):
            writer.writerow(done[number])
        for number, row in tqdm(todo, desc=name, unit="row", file=sys.stderr):
            result: dict[str, Any] = {"row": number}
            try:
                answer = step(number, row)
                result.update(
                    status="ok", tx_hash=answer["tx_hash"], block_number=answer["block_number"]
                )
            except ApiError as exc:
                failed += 1
                result.update(
                    status="error",
                    error_code=exc.error.get("code"),
                    message=exc.error.get("message"),
                )
            except click.ClickException as exc:
                failed += 1
                result.update(status="error", error_code="Client", message=exc.message)
            writer.writerow(result)
            stream.flush()
    click.echo(f"{len(todo) - failed} ok, {failed} failed; results in {out}", err=True)
    if failed:
        sys.exit(1)
