"""``backend action …``, ``trade …``, ``consent …`` and ``batch``: signed actions, prepared by the
service, signed here in the user's wallet, submitted to the service."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from eth_account.signers.local import LocalAccount

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.chain.typed_data import sign
from backend.cli.batch import Step, batch_key, run_batch
from backend.cli.context import (
    BODY,
    DEADLINE,
    FIELD,
    ApiError,
    CliContext,
    fields,
    pass_cli,
    read_json,
    write_json,
)


def show_typed_data(typed: dict[str, Any]) -> None:
    """What the signer is about to sign, field by field (to stderr)."""
    domain = typed["domain"]
    click.echo(
        f"Sign {typed['primaryType']} for {domain['name']} v{domain['version']} "
        f"(contract {domain['verifyingContract']}, chain {domain['chainId']}):",
        err=True,
    )
    for name, value in typed["message"].items():
        click.echo(f"  {name:<12} {value}", err=True)


def show_permit(prepared: dict[str, Any]) -> None:
    """The payment permit signed with the action, if the action pays."""
    permit = prepared.get("permit")
    if permit:
        m = permit["message"]
        click.echo(
            f"and Permit: {m['spender']} may draw {m['value']} fen of "
            f"{permit['domain']['name']} ({permit['domain']['verifyingContract']}) from "
            f"{m['owner']} until {m['deadline']}",
            err=True,
        )


def sign_envelope(prepared: dict[str, Any], account: LocalAccount) -> dict[str, Any]:
    """Sign prepared typed data with a local key; refuses data meant for another signer."""
    typed = prepared["typed_data"]
    signer = prepared.get("signer")
    if signer and signer != account.address:
        raise click.ClickException(f"this action must be signed by {signer}, not {account.address}")
    signature = "0x" + sign(typed, account.key).hex()
    envelope = {"action": prepared.get("action"), "typed_data": typed, "signature": signature}
    if prepared.get("permit"):  # the money the action pays (ERC-2612), signed with it
        permit = prepared["permit"]
        signature = "0x" + sign(permit, account.key).hex()
        envelope["permit"] = {"typed_data": permit, "signature": signature}
    return envelope


@click.group()
def action() -> None:
    """Signed actions: prepare (service) → sign (your wallet) → submit (service)."""


@action.command("list")
@pass_cli
def action_list(cli: CliContext) -> None:
    """The actions the service offers and the struct each one signs."""
    for item in cli.api().actions():
        fields = ", ".join(f"{f['type']} {f['name']}" for f in item["fields"])
        click.echo(f"{item['name']:<24} {item['summary']}")
        click.echo(f"{'':<24} {item['primary_type']}({fields})")


@action.command("prepare")
@click.argument("name")
@FIELD
@BODY
@DEADLINE
@click.option("-o", "--out", help="write the typed data here (default: stdout)")
@pass_cli
def action_prepare(
    cli: CliContext,
    name: str,
    pairs: tuple[str, ...],
    body_json: str | None,
    deadline: int | None,
    out: str | None,
) -> None:
    """Ask the service for the typed data of an action."""
    body = fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    write_json(out, cli.api().prepare(name, body))


@action.command("sign")
@click.argument("file")
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option("-o", "--out", help="write the signed envelope here (default: stdout)")
@click.option("--yes", is_flag=True, help="sign without asking")
@pass_cli
def action_sign(cli: CliContext, file: str, wallet_name: str, out: str | None, yes: bool) -> None:
    """Sign prepared typed data with a local wallet (the key never leaves this machine)."""
    prepared = read_json(file)
    show_typed_data(prepared["typed_data"])
    show_permit(prepared)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    write_json(out, sign_envelope(prepared, cli.unlock(wallet_name)))


@action.command("submit")
@click.argument("file")
@click.option("--action", "name", help="the action (default: from the file)")
@click.option("--idempotency-key", "key", help="retrying with the same key never acts twice")
@click.option(
    "--direct",
    is_flag=True,
    help="send it yourself from --wallet (pays gas) instead of through the service",
)
@click.option("--wallet", "wallet_name", help="with --direct: the wallet that sends and pays")
@pass_cli
def action_submit(
    cli: CliContext,
    file: str,
    name: str | None,
    key: str | None,
    direct: bool,
    wallet_name: str | None,
) -> None:
    """Submit a signed envelope; prints the transaction and its events."""
    envelope = read_json(file)
    name = name or envelope.get("action")
    if not name:
        raise click.UsageError("the file names no action: pass --action")
    if direct:
        if not wallet_name:
            raise click.UsageError("--direct needs --wallet (the account that sends)")
        result = _submit_direct(cli, name, envelope, key, cli.unlock(wallet_name))
    else:
        result = cli.api().submit(name, envelope, key)
    write_json(None, result)


@click.group()
def trade() -> None:
    """Negotiated trades (协议转让): prepare → each party signs its part → submit both."""


@trade.command("prepare")
@FIELD
@BODY
@DEADLINE
@click.option(
    "-o",
    "--out",
    "prefix",
    default="trade",
    show_default=True,
    help="write PREFIX.seller.json and PREFIX.buyer.json, one for each party to sign",
)
@pass_cli
def trade_prepare(
    cli: CliContext,
    pairs: tuple[str, ...],
    body_json: str | None,
    deadline: int | None,
    prefix: str,
) -> None:
    """Ask the service for the typed data of a trade (seller, buyer, pollutant, quantityKg,
    priceFen, mode); the exchange's pre-check runs first."""
    body = fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    prepared = cli.api().prepare_trade(body)
    for party in ("seller", "buyer"):
        part = {"action": "trade", **prepared[party]}
        write_json(f"{prefix}.{party}.json", part)
        click.echo(f"{prefix}.{party}.json: to be signed by the {party} {part['signer']}")


@trade.command("submit")
@click.argument("seller_file")
@click.argument("buyer_file")
@click.option("--idempotency-key", "key", help="retrying with the same key never acts twice")
@pass_cli
def trade_submit(cli: CliContext, seller_file: str, buyer_file: str, key: str | None) -> None:
    """Submit the two signed parts (``backend action sign`` of each); prints the settlement."""
    result = cli.api().submit_trade(read_json(seller_file), read_json(buyer_file), key)
    write_json(None, result)


@click.group()
def consent() -> None:
    """A unit's consent to its merger or split (R-30, R-31): prepare → each unit signs its part
    (``backend action sign``) → collect the signatures for the regulator's operation."""


@consent.command("prepare")
@click.argument("act", type=click.Choice(["merge", "split"]))
@FIELD
@BODY
@DEADLINE
@click.option(
    "-o",
    "--out",
    "prefix",
    default="consent",
    show_default=True,
    help="write PREFIX.1.json, PREFIX.2.json … in the order the contract takes the signatures",
)
@pass_cli
def consent_prepare(
    cli: CliContext,
    act: str,
    pairs: tuple[str, ...],
    body_json: str | None,
    deadline: int | None,
    prefix: str,
) -> None:
    """Ask the service for the typed data each unit signs (merge: from, to; split: from, plan,
    obligor); the act is simulated first, as the council would make it."""
    body = fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    prepared = cli.api().prepare_consent(act, body)
    for i, party in enumerate(prepared["parties"], start=1):
        part = {"action": f"consent-{act}", "deadline": prepared["deadline"], **party}
        write_json(f"{prefix}.{i}.json", part)
        click.echo(f"{prefix}.{i}.json: to be signed by the unit {party['signer']}")


@consent.command("collect")
@click.argument("files", nargs=-1, required=True)
def consent_collect(files: tuple[str, ...]) -> None:
    """Print the ``deadline`` and ``signatures`` of the signed parts (in the order given, which
    must be the prepared order) for the body of the ``merge`` / ``split`` operation."""
    envelopes = [read_json(f) for f in files]
    deadlines = {e["typed_data"]["message"]["deadline"] for e in envelopes}
    if len(deadlines) != 1:
        raise click.ClickException("the parts were prepared for different deadlines")
    write_json(
        None, {"deadline": deadlines.pop(), "signatures": [e["signature"] for e in envelopes]}
    )


def _submit_direct(
    cli: CliContext, name: str, envelope: dict[str, Any], key: str | None, account: LocalAccount
) -> dict[str, Any]:
    """The service's own checks and relay, run here with the wallet as the sender."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from backend.chain import relayer as relayer_module
    from backend.chain.errors import ErrorDecoder, ServiceError
    from backend.indexer.decode import EventDecoder
    from backend.services.actions import pipeline as service
    from backend.services.actions.catalogue import default_actions

    settings = cli.get_settings()
    deployment = Deployment.load(settings.deployment_file)
    chain = Chain.connect(settings.rpc_endpoints, deployment)
    engine = create_engine("sqlite://", poolclass=StaticPool)
    relayer_module.metadata.create_all(engine)
    sender = relayer_module.Relayer(
        w3=chain.w3,
        account=account,
        engine=engine,
        decoder=ErrorDecoder.from_abis({n: c.abi for n, c in deployment.contracts.items()}),
        receipt_timeout=settings.receipt_timeout_seconds,
    )
    try:
        done = service.submit_action(
            chain=chain,
            actions=default_actions(deployment.contracts),
            relayer=sender,
            events=EventDecoder.for_deployment(deployment),
            name=name,
            data=envelope["typed_data"],
            signature=envelope["signature"],
            idempotency_key=key,
            policy=service.ActionPolicy(min_margin_seconds=settings.action_min_margin_seconds),
            permit=envelope.get("permit"),
        )
    except ServiceError as exc:
        from backend.api.errors import error_body

        raise ApiError(error_body(exc)[1]["error"]) from None
    return vars(done)


@action.command("run")
@click.argument("name")
@FIELD
@BODY
@DEADLINE
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option("--idempotency-key", "key", help="retrying with the same key never acts twice")
@click.option("--yes", is_flag=True, help="sign without asking")
@pass_cli
def action_run(
    cli: CliContext,
    name: str,
    pairs: tuple[str, ...],
    body_json: str | None,
    deadline: int | None,
    wallet_name: str,
    key: str | None,
    yes: bool,
) -> None:
    """Prepare, sign and submit in one go."""
    body = fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    prepared = cli.api().prepare(name, body)
    show_typed_data(prepared["typed_data"])
    show_permit(prepared)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    envelope = sign_envelope(prepared, cli.unlock(wallet_name))
    write_json(None, cli.api().submit(name, envelope, key))


@click.command()
@click.argument("name")
@click.argument("rows", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="results CSV (default: ROWS.results.csv); rows marked ok there are skipped",
)
@click.option("--key-prefix", default="", help="run the same rows again as new actions")
@click.option("--yes", is_flag=True, help="sign every row without asking")
@pass_cli
def batch(
    cli: CliContext,
    name: str,
    rows: Path,
    wallet_name: str,
    out: Path | None,
    key_prefix: str,
    yes: bool,
) -> None:
    """Sign and submit one action per CSV row (header: the action's fields).

    Writes ROW → tx hash or error to the results file as it goes, so an interrupted run
    resumes where it stopped; each row has its own Idempotency-Key, so a row whose answer
    was lost is never executed twice.
    """

    def start(account: LocalAccount, _stack: ExitStack) -> Step:
        api = cli.api()

        def step(number: int, row: dict[str, Any]) -> Mapping[str, Any]:
            envelope = sign_envelope(api.prepare(name, row), account)
            return api.submit(name, envelope, batch_key(key_prefix, name, account.address,
                                                        number, row))  # fmt: skip

        return step

    run_batch(cli, name=name, rows=rows, out=out, wallet_name=wallet_name, yes=yes,
              kind="actions", verb="sign", start=start)  # fmt: skip
