"""Command-line tool for operators and companies (``backend --help``).

A company's key stays in its keystore file on its own machine: ``backend action sign`` signs
typed data locally and only the signature travels to the service.

    backend wallet create acme
    backend action prepare pledge -f holder=0x… -f bank=0x… -f pollutant=1 -f quantityKg=2000 \
        -o t.json
    backend action sign t.json --wallet acme -o signed.json
    backend action submit signed.json
    backend batch surrender rows.csv --wallet acme --out results.csv
    backend indexer run
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click
import httpx
from eth_account.signers.local import LocalAccount
from tqdm import tqdm

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.chain.typed_data import sign
from backend.chain.wallet_formats import for_signing, quantity
from backend.core.config import Settings, get_settings
from backend.oracle.cli import oracle
from backend.wallet.keystore import Keystore, WalletError

# ---------------------------------------------------------------------------------------------
# Context: settings and the service's HTTP API (tests hand in their own)


@dataclass
class CliContext:
    settings: Settings | None = None
    http: httpx.Client | None = None
    api_url: str | None = None
    _api: ApiClient | None = field(default=None, repr=False)

    def get_settings(self) -> Settings:
        if self.settings is None:
            self.settings = get_settings()
        return self.settings

    def api(self) -> ApiClient:
        if self._api is None:
            http = self.http
            if http is None:
                settings = self.get_settings()
                http = httpx.Client(
                    base_url=self.api_url or settings.api_url,
                    timeout=settings.receipt_timeout_seconds + 30,
                )
            self._api = ApiClient(http)
        return self._api

    def keystore(self) -> Keystore:
        return Keystore(self.get_settings().wallet_dir)

    def password(self, *, confirm: bool = False) -> str:
        secret = self.get_settings().wallet_password
        if secret is not None:
            return secret.get_secret_value()
        return click.prompt("Wallet password", hide_input=True, confirmation_prompt=confirm)

    def unlock(self, name: str) -> LocalAccount:
        try:
            return self.keystore().unlock(name, self.password())
        except WalletError as exc:
            raise click.ClickException(str(exc)) from None


class ApiError(click.ClickException):
    """A refusal of the service, shown as its code, status and both texts."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error
        super().__init__(
            f"{error.get('code')} ({error.get('status')}): {error.get('message')}"
            f"\n  {error.get('message_zh', '')}"
        )


RATE_LIMIT_TRIES = 20  # a 429 is retried after its Retry-After, this many times at most
RATE_LIMIT_MAX_WAIT = 30.0


class ApiClient:
    """The service's signed-action endpoints."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:  # noqa: ANN401 - JSON
        for attempt in range(RATE_LIMIT_TRIES):
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                raise click.ClickException(f"cannot reach the service: {exc}") from None
            if response.status_code != 429 or attempt == RATE_LIMIT_TRIES - 1:
                break
            # over the service's rate (per client or per signer): wait as it says, then retry
            wait = min(float(response.headers.get("Retry-After") or 1), RATE_LIMIT_MAX_WAIT)
            if attempt == 0:
                click.echo(f"the service asks to slow down: waiting {wait:g} s", err=True)
            time.sleep(wait)
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {
                    "code": "HTTPError",
                    "status": response.status_code,
                    "message": response.text[:500],
                }
            raise ApiError(error)
        return response.json()

    def actions(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/actions")

    def operations(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/operations")

    def build(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """An authority operation's unsigned transaction (``path`` from ``operations()``)."""
        return self._call("POST", path, json=body)

    def send_raw(self, raw: str) -> dict[str, Any]:
        return self._call("POST", "/api/v1/tx/raw", json={"raw": raw})

    def transaction(self, tx_hash: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/tx/{tx_hash}")

    def prepare(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/actions/{action}/prepare", json=body)

    def submit(
        self, action: str, envelope: dict[str, Any], key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        payload = {"typed_data": envelope["typed_data"], "signature": envelope["signature"]}
        if envelope.get("permit"):
            payload["permit"] = envelope["permit"]
        return self._call("POST", f"/api/v1/actions/{action}/submit", json=payload, headers=headers)

    def prepare_consent(self, act: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/lifecycle/consents/{act}", json=body)

    def prepare_trade(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/v1/trades/prepare", json=body)

    def submit_trade(
        self, seller: dict[str, Any], buyer: dict[str, Any], key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        payload = {
            party: {"typed_data": envelope["typed_data"], "signature": envelope["signature"]}
            for party, envelope in (("seller", seller), ("buyer", buyer))
        }
        return self._call("POST", "/api/v1/trades/submit", json=payload, headers=headers)


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


@click.group()
@click.option("--api", "api_url", metavar="URL", help="the service (default DRR_API_URL)")
@click.pass_context
def main(ctx: click.Context, api_url: str | None) -> None:
    """Discharge rights registry: operator and company tool."""
    cli = ctx.ensure_object(CliContext)
    if api_url:
        cli.api_url = api_url


@main.command()
@pass_cli
def status(cli: CliContext) -> None:
    """Show the chain the tool talks to and the deployed contracts."""
    settings = cli.get_settings()
    deployment = Deployment.load(settings.deployment_file)
    chain = Chain.connect(settings.rpc_endpoints, deployment)
    click.echo(f"node      {', '.join(settings.rpc_endpoints)} (chain {chain.w3.eth.chain_id})")
    click.echo(f"head      block {chain.w3.eth.block_number}")
    click.echo(f"network   {deployment.network}")
    for name, record in deployment.contracts.items():
        click.echo(f"contract  {name:<24} {record.address}  (block {record.block})")


# ---------------------------------------------------------------------------------------------
# wallet


@main.group()
def wallet() -> None:
    """Keystore wallets (folder: DRR_WALLET_DIR; password: DRR_WALLET_PASSWORD or prompt)."""


KDF = click.option(
    "--kdf",
    type=click.Choice(["scrypt", "pbkdf2"]),
    default="scrypt",
    show_default=True,
    help="key derivation of the keystore file",
)
WORK = click.option(
    "--iterations",
    type=int,
    default=None,
    help="KDF work factor (default: the keystore standard's)",
)


@wallet.command("create")
@click.argument("name")
@KDF
@WORK
@pass_cli
def wallet_create(cli: CliContext, name: str, kdf: str, iterations: int | None) -> None:
    """Create a wallet with a new random key."""
    try:
        made = cli.keystore().create(name, cli.password(confirm=True), kdf, iterations)
    except WalletError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{made.name}  {made.address}  {made.path}")


@wallet.command("import")
@click.argument("name")
@click.option(
    "--keystore",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="an existing keystore file (else the private key is asked for)",
)
@click.option("--key-stdin", is_flag=True, help="read the private key from standard input")
@KDF
@WORK
@pass_cli
def wallet_import(
    cli: CliContext,
    name: str,
    source: Path | None,
    key_stdin: bool,
    kdf: str,
    iterations: int | None,
) -> None:
    """Import a keystore file, or a private key typed in (never echoed) or piped in."""
    try:
        if source is not None:
            made = cli.keystore().import_file(name, source, cli.password())
        else:
            if key_stdin:
                key = click.get_text_stream("stdin").readline().strip()
            else:
                key = click.prompt("Private key (hex)", hide_input=True)
            made = cli.keystore().import_key(name, key, cli.password(confirm=True), kdf, iterations)
    except WalletError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{made.name}  {made.address}  {made.path}")


@wallet.command("list")
@pass_cli
def wallet_list(cli: CliContext) -> None:
    """The wallets in the folder."""
    for item in cli.keystore().list():
        click.echo(f"{item.name:<24} {item.address}")


@wallet.command("address")
@click.argument("name")
@pass_cli
def wallet_address(cli: CliContext, name: str) -> None:
    """The address of a wallet (no password needed)."""
    try:
        click.echo(cli.keystore().get(name).address)
    except WalletError as exc:
        raise click.ClickException(str(exc)) from None


# ---------------------------------------------------------------------------------------------
# action


def _value(text: str) -> Any:  # noqa: ANN401 - a JSON value
    """``250`` → 250, ``true`` → True, ``0xAb…`` and other text → the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _fields(pairs: tuple[str, ...], body_json: str | None) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(body_json) if body_json else {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: expected NAME=VALUE", param_hint="-f")
        body[name.strip()] = _value(text.strip())
    return body


def _read_json(path: str) -> dict[str, Any]:
    stream: TextIO
    with click.open_file(path, encoding="utf-8") as stream:
        return json.load(stream)


def _write_json(path: str | None, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if path:
        Path(path).write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


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


FIELD = click.option(
    "-f",
    "--field",
    "pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="a field of the action (repeat)",
)
BODY = click.option("--json", "body_json", metavar="JSON", help="all fields as one JSON object")
DEADLINE = click.option("--deadline", type=int, help="unix seconds (default: the service's)")


@main.group()
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
    body = _fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    _write_json(out, cli.api().prepare(name, body))


@action.command("sign")
@click.argument("file")
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option("-o", "--out", help="write the signed envelope here (default: stdout)")
@click.option("--yes", is_flag=True, help="sign without asking")
@pass_cli
def action_sign(cli: CliContext, file: str, wallet_name: str, out: str | None, yes: bool) -> None:
    """Sign prepared typed data with a local wallet (the key never leaves this machine)."""
    prepared = _read_json(file)
    show_typed_data(prepared["typed_data"])
    show_permit(prepared)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    _write_json(out, sign_envelope(prepared, cli.unlock(wallet_name)))


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
    envelope = _read_json(file)
    name = name or envelope.get("action")
    if not name:
        raise click.UsageError("the file names no action: pass --action")
    if direct:
        if not wallet_name:
            raise click.UsageError("--direct needs --wallet (the account that sends)")
        result = _submit_direct(cli, name, envelope, key, cli.unlock(wallet_name))
    else:
        result = cli.api().submit(name, envelope, key)
    _write_json(None, result)


@main.group()
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
    body = _fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    prepared = cli.api().prepare_trade(body)
    for party in ("seller", "buyer"):
        part = {"action": "trade", **prepared[party]}
        _write_json(f"{prefix}.{party}.json", part)
        click.echo(f"{prefix}.{party}.json: to be signed by the {party} {part['signer']}")


@trade.command("submit")
@click.argument("seller_file")
@click.argument("buyer_file")
@click.option("--idempotency-key", "key", help="retrying with the same key never acts twice")
@pass_cli
def trade_submit(cli: CliContext, seller_file: str, buyer_file: str, key: str | None) -> None:
    """Submit the two signed parts (``backend action sign`` of each); prints the settlement."""
    result = cli.api().submit_trade(_read_json(seller_file), _read_json(buyer_file), key)
    _write_json(None, result)


@main.group()
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
    body = _fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    prepared = cli.api().prepare_consent(act, body)
    for i, party in enumerate(prepared["parties"], start=1):
        part = {"action": f"consent-{act}", "deadline": prepared["deadline"], **party}
        _write_json(f"{prefix}.{i}.json", part)
        click.echo(f"{prefix}.{i}.json: to be signed by the unit {party['signer']}")


@consent.command("collect")
@click.argument("files", nargs=-1, required=True)
def consent_collect(files: tuple[str, ...]) -> None:
    """Print the ``deadline`` and ``signatures`` of the signed parts (in the order given, which
    must be the prepared order) for the body of the ``merge`` / ``split`` operation."""
    envelopes = [_read_json(f) for f in files]
    deadlines = {e["typed_data"]["message"]["deadline"] for e in envelopes}
    if len(deadlines) != 1:
        raise click.ClickException("the parts were prepared for different deadlines")
    _write_json(
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
    body = _fields(pairs, body_json)
    if deadline is not None:
        body["deadline"] = deadline
    prepared = cli.api().prepare(name, body)
    show_typed_data(prepared["typed_data"])
    show_permit(prepared)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    envelope = sign_envelope(prepared, cli.unlock(wallet_name))
    _write_json(None, cli.api().submit(name, envelope, key))


# ---------------------------------------------------------------------------------------------
# batch

RESULT_COLUMNS = ["row", "status", "tx_hash", "block_number", "error_code", "message"]


def _done_rows(path: Path) -> dict[int, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as stream:
        return {int(r["row"]): r for r in csv.DictReader(stream) if r.get("status") == "ok"}


def batch_key(prefix: str, action: str, signer: str, number: int, row: dict[str, Any]) -> str:
    """The Idempotency-Key of a CSV row: a re-run of the file never repeats a row."""
    canonical = json.dumps([action, signer, number, row], sort_keys=True)
    return f"{prefix}batch-{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


@main.command()
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
    with rows.open(newline="", encoding="utf-8-sig") as stream:
        table = [
            {k.strip(): _value(v.strip()) for k, v in r.items() if k}
            for r in csv.DictReader(stream)
        ]
    out = out or rows.with_suffix(".results.csv")
    done = _done_rows(out)
    todo = [(i, row) for i, row in enumerate(table, start=1) if i not in done]
    click.echo(f"{len(table)} rows, {len(done)} already done, {len(todo)} to sign", err=True)
    if not todo:
        return
    account = cli.unlock(wallet_name)
    if not yes:
        click.confirm(
            f"Sign {len(todo)} {name} actions as {account.address}?", abort=True, err=True
        )
    api = cli.api()
    failed = 0
    with out.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        for number in sorted(done):
            writer.writerow(done[number])
        for number, row in tqdm(todo, desc=name, unit="row", file=sys.stderr):
            result = {"row": number}
            try:
                prepared = api.prepare(name, row)
                envelope = sign_envelope(prepared, account)
                key = batch_key(key_prefix, name, account.address, number, row)
                answer = api.submit(name, envelope, key)
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


# ---------------------------------------------------------------------------------------------
# tx and ops: authority operations, signed here as ordinary transactions


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


@main.group()
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
    _write_json(out, api.build(_operation_path(api, name), _fields(pairs, body_json)))


@tx.command("sign")
@click.argument("file")
@click.option("--wallet", "wallet_name", required=True, help="the keystore wallet that signs")
@click.option("-o", "--out", help="write the signed transaction here (default: stdout)")
@click.option("--yes", is_flag=True, help="sign without asking")
@pass_cli
def tx_sign(cli: CliContext, file: str, wallet_name: str, out: str | None, yes: bool) -> None:
    """Sign a built transaction with a local wallet (the key never leaves this machine)."""
    built = _read_json(file)
    show_transaction(built)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    _write_json(out, sign_transaction(built, cli.unlock(wallet_name)))


@tx.command("send")
@click.argument("file")
@pass_cli
def tx_send(cli: CliContext, file: str) -> None:
    """Send a signed transaction through the service (POST /api/v1/tx/raw)."""
    _write_json(None, cli.api().send_raw(_read_json(file)["raw"]))


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
    body = {"sender": account.address, **_fields(pairs, body_json)}
    built = api.build(_operation_path(api, name), body)
    show_transaction(built)
    if not yes:
        click.confirm("Sign this?", abort=True, err=True)
    _write_json(None, api.send_raw(sign_transaction(built, account)["raw"]))


@main.group()
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
    with rows.open(newline="", encoding="utf-8-sig") as stream:
        table = [
            {k.strip(): _value(v.strip()) for k, v in r.items() if k}
            for r in csv.DictReader(stream)
        ]
    out = out or rows.with_suffix(".results.csv")
    journal_path = rows.with_suffix(".journal.jsonl")
    done = _done_rows(out)
    journal = _journal(journal_path)
    todo = [(i, row) for i, row in enumerate(table, start=1) if i not in done]
    click.echo(f"{len(table)} rows, {len(done)} already done, {len(todo)} to run", err=True)
    if not todo:
        return
    account = cli.unlock(wallet_name)
    if not yes:
        click.confirm(f"Sign {len(todo)} {name} transactions as {account.address}?",
                      abort=True, err=True)  # fmt: skip
    api = cli.api()
    path = _operation_path(api, name)
    failed = 0
    with (
        out.open("w", newline="", encoding="utf-8") as stream,
        journal_path.open("a", encoding="utf-8") as log,
    ):
        writer = csv.DictWriter(stream, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        for number in sorted(done):
            writer.writerow(done[number])
        for number, row in tqdm(todo, desc=name, unit="row", file=sys.stderr):
            result: dict[str, Any] = {"row": number}
            try:
                answer = _resend(api, journal[number]) if number in journal else None
                if answer is None:
                    built = api.build(path, {"sender": account.address, **row})
                    signed = sign_transaction(built, account)
                    log.write(json.dumps({"row": number, **signed}) + "\n")
                    log.flush()
                    answer = api.send_raw(signed["raw"])
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


# ---------------------------------------------------------------------------------------------
# indexer


@main.group()
def indexer() -> None:
    """The event index (database: DRR_DATABASE_URL)."""


def _indexer(cli: CliContext):  # noqa: ANN202 - imported lazily
    from backend.indexer.hooks import Hooks
    from backend.indexer.projections import read_model
    from backend.indexer.scanner import Indexer
    from backend.indexer.store import open_database

    settings = cli.get_settings()
    deployment = Deployment.load(settings.deployment_file)
    chain = Chain.connect(settings.rpc_endpoints, deployment)
    found = Indexer(
        w3=chain.w3,
        engine=open_database(settings.database_url),
        deployment=deployment,
        confirmations=settings.indexer_confirmations,
        chunk_blocks=settings.indexer_chunk_blocks,
        max_chunk_blocks=settings.indexer_max_chunk_blocks,
        hooks=Hooks([read_model()]),
    )
    found.create_schema()
    return found


@indexer.command("run")
@click.option("--once", is_flag=True, help="catch up to the head, then stop")
@pass_cli
def indexer_run(cli: CliContext, once: bool) -> None:
    """Follow the chain into the database (Ctrl-C stops; it resumes where it stopped)."""
    found = _indexer(cli)
    start = found.status()
    bar = tqdm(total=max(start["lag"], 0), desc="blocks", unit="block", file=sys.stderr)
    state = {"cursor": start["cursor"], "events": 0}

    def progress(step: Any) -> None:  # noqa: ANN401 - a scanner Step
        if step.kind == "rewound":
            bar.write(f"reorg: rewound to block {step.cursor}")
        if step.target - state["cursor"] > bar.total - bar.n:
            bar.total = bar.n + step.target - state["cursor"]
        bar.update(max(step.cursor - state["cursor"], 0))
        state["cursor"] = step.cursor
        state["events"] += step.added
        bar.set_postfix(events=state["events"])

    try:
        if once:
            found.catch_up(progress)
        else:
            found.run(threading.Event(), cli.get_settings().indexer_poll_seconds, progress)
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()
    end = found.status()
    click.echo(f"cursor block {end['cursor']} (head {end['head']}), {end['events']} events")


@indexer.command("status")
@pass_cli
def indexer_status(cli: CliContext) -> None:
    """Cursor, head and lag of the index."""
    for key, value in _indexer(cli).status().items():
        click.echo(f"{key:<12} {value}")


if __name__ == "__main__":
    main()


main.add_command(oracle)
