"""``backend tx …`` and ``ops …``: authority operations, built by the service and signed here as
ordinary transactions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from eth_account.signers.local import LocalAccount

from backend.chain.wallet_formats import for_signing, quantity
from backend.cli.batch import Step, run_batch
from backend.cli.context import (
    BODY,
    FIELD,
    ApiClient,
    ApiError,
    CliContext,
    fields,
    pass_cli,
    read_json,
    write_json,
)


def _operation_path(api: ApiClient, name: str) -> str:
    for item in api.operations():
        if item["name"] == name:
            return item["path"]
    raise click.ClickException(f"no operation named {name!r}; see `backend ops list`")


def sign_transaction(built: dict[str, Any], account: LocalAccount) -> dict[str, Any]:
    """Sign a built transaction with a local key; refuses one meant for another sender."""
    if built.get("sender") and built["sender"] != account.address:
        raise click.ClickException(
            f"this transaction must be signed by {built['sender']}, not {account.address}"
        )
    signed = account.sign_transaction(for_signing(built["transaction"]))
    return {
        "operation": built.get("operation"),
        "summary": built.get("summary"),
        "tx_hash": "0x" + bytes(signed.hash).hex(),
        "raw": "0x" + bytes(signed.raw_transaction).hex(),
    }


def show_transaction(built: dict[str, Any]) -> None:
    tx = built["transaction"]
    click.echo(f"Sign {built['function']} on {built['contract']} ({tx['to']}):", err=True)
    for name, value in built["args"].items():
        click.echo(f"  {name:<18} {value}", err=True)
    nonce, gas = quantity(tx["nonce"]), quantity(tx.get("gasLimit", tx.get("gas", 0)))
    click.echo(f"  (sender {built['sender']}, nonce {nonce}, gas limit {gas})", err=True)


@click.group()
def tx() -> None:
    """Authority operations: build (service) → sign (your wallet) → send (service)."""


@tx.command("build")
@click.argument("name")
@FIELD
@BODY
@click.option("-o", "--out", help="write the unsigned transaction here (default: stdout)")
@pass_cli
def tx_build(
    cli: CliContext, name: str, pairs: tuple[str, ...], body_json: str | None, out: str | None
) -> None:
    """Ask the service for an operation's unsigned transaction (checked and simulated)."""
    api = cli.api()
    write_json(out, api.build(_operation_path(api, name), fields(pairs, body_json)))


@tx.command("sign")
@click.argument("file")
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option("-o", "--out", help="write the signed transaction here (default: stdout)")
@click.option("--yes", is_flag=True, help="sign without asking")
@pass_cli
def tx_sign(cli: CliContext, file: str, wallet_name: str, out: str | None, yes: bool) -> None:
    """Sign a built transaction with a local wallet (the key never leaves this machine)."""
    built = read_json(file)
    show_transaction(built)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    write_json(out, sign_transaction(built, cli.unlock(wallet_name)))


@tx.command("send")
@click.argument("file")
@pass_cli
def tx_send(cli: CliContext, file: str) -> None:
    """Send a signed transaction through the service (POST /api/v1/tx/raw)."""
    write_json(None, cli.api().send_raw(read_json(file)["raw"]))


@tx.command("run")
@click.argument("name")
@FIELD
@BODY
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option("--yes", is_flag=True, help="sign without asking")
@pass_cli
def tx_run(
    cli: CliContext,
    name: str,
    pairs: tuple[str, ...],
    body_json: str | None,
    wallet_name: str,
    yes: bool,
) -> None:
    """Build, sign and send in one go (``sender`` defaults to the wallet's address)."""
    account = cli.unlock(wallet_name)
    api = cli.api()
    body = {"sender": account.address, **fields(pairs, body_json)}
    built = api.build(_operation_path(api, name), body)
    show_transaction(built)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    write_json(None, api.send_raw(sign_transaction(built, account)["raw"]))


@click.group()
def ops() -> None:
    """Authority operations: list them, run them in batches from CSV."""


@ops.command("list")
@pass_cli
def ops_list(cli: CliContext) -> None:
    """The operations, by concern, with who may run them."""
    for item in cli.api().operations():
        click.echo(f"{item['name']:<26} {item['summary']}  [{item['role']}]")


def _journal(path: Path) -> dict[int, dict[str, Any]]:
    """Signed transactions of rows sent before (row → last entry)."""
    if not path.exists():
        return {}
    entries: dict[int, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            entries[int(entry["row"])] = entry
    return entries


def _resend(api: ApiClient, entry: dict[str, Any]) -> dict[str, Any] | None:
    """The outcome of a row signed and sent before: its receipt, or ``None`` to sign afresh."""
    try:
        return api.send_raw(entry["raw"])
    except ApiError as exc:
        if exc.error.get("code") != "NodeRejected":
            raise
    try:  # the nonce went to that very transaction (mined) or another one (sign afresh)
        return api.transaction(entry["tx_hash"])
    except ApiError:
        return None


@ops.command("batch")
@click.argument("name")
@click.argument("rows", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="results CSV (default: ROWS.results.csv); rows marked ok there are skipped",
)
@click.option("--yes", is_flag=True, help="sign every row without asking")
@pass_cli
def ops_batch(
    cli: CliContext, name: str, rows: Path, wallet_name: str, out: Path | None, yes: bool
) -> None:
    """Run one operation per CSV row (header: the operation's fields; ``sender`` defaults to
    the wallet), each signed here and sent raw.

    Every signed transaction is written to ROWS.journal.jsonl before it is sent, and each
    row's outcome to the results file as it goes: an interrupted run resumes where it
    stopped and re-sends (never re-signs) a transaction whose answer was lost, so no row
    acts twice. A cell may hold JSON (lists such as a permit's quantities).
    """

    def start(account: LocalAccount, stack: ExitStack) -> Step:
        api = cli.api()
        path = _operation_path(api, name)
        journal_path = rows.with_suffix(".journal.jsonl")
        journal = _journal(journal_path)
        log = stack.enter_context(journal_path.open("a", encoding="utf-8"))

        def step(number: int, row: dict[str, Any]) -> Mapping[str, Any]:
            answer = _resend(api, journal[number]) if number in journal else None
            if answer is None:
                built = api.build(path, {"sender": account.address, **row})
                signed = sign_transaction(built, account)
                log.write(json.dumps({"row": number, **signed}) + "\n")
                log.flush()
                answer = api.send_raw(signed["raw"])
            return answer

        return step

    run_batch(cli, name=name, rows=rows, out=out, wallet_name=wallet_name, yes=yes,
              kind="transactions", verb="run", start=start)  # fmt: skip
