"""``backend oracle …``: ingest monitoring data, post verified usage, read a unit's status."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
import httpx
from tqdm import tqdm

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.cli.context import CliContext
from backend.core.config import Settings, get_settings
from backend.oracle import demo_data, pollutants
from backend.oracle.contract import OracleContract
from backend.oracle.evidence import EvidenceNotFoundError
from backend.oracle.keys import LocalSigner, SignerError, dev_signer, from_keystore
from backend.oracle.poster import Hooks, Poster, PostReport
from backend.oracle.service import (
    IngestReport,
    OracleContext,
    OracleInputError,
    collect,
    ingest,
    read_sources,
    unit_status,
)
from backend.oracle.store import CONFIRMED, LOCAL
from backend.oracle.wiring import OracleConfigError, context_from

ERRORS_SHOWN = 20
PASSWORD_ENV = "DRR_ORACLE_KEYSTORE_PASSWORD"  # noqa: S105 (the variable's name)
RELAYER_PASSWORD_ENV = "DRR_ORACLE_RELAYER_PASSWORD"  # noqa: S105


class _Bars:
    """One tqdm bar per stage on stderr (hidden when stderr is not a terminal)."""

    def __init__(self) -> None:
        self._bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            label = {"read": "reading files", "post": "posting"}.get(stage, stage)
            bar = self._bars[stage] = tqdm(
                total=total, desc=label, unit="", file=sys.stderr, disable=None
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


def _chain(settings: Settings) -> Chain:
    try:
        deployment = Deployment.load(settings.deployment_file)
    except FileNotFoundError:
        raise click.ClickException(
            f"no deployment record at {settings.deployment_file} (set DRR_DEPLOYMENT_FILE)"
        ) from None
    return Chain.connect(settings.rpc_endpoints, deployment)


def _context(settings: Settings, chain: Chain) -> OracleContext:
    try:
        return context_from(settings, chain)
    except (OracleConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


def _password(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    return click.prompt(prompt, hide_input=True)


def _signers(
    keystore: Path | None, dev_key: str | None, relayer_keystore: Path | None, chain: Chain
) -> tuple[LocalSigner, LocalSigner | None]:
    """The verifier's key (keystore, or a dev key on the local chain) and an optional relayer."""
    try:
        if keystore and dev_key:
            raise SignerError("give either --keystore or --dev-key, not both")
        if keystore:
            signer = from_keystore(keystore, _password(PASSWORD_ENV, "Verifier keystore password"))
        elif dev_key:
            signer = dev_signer(dev_key, chain.w3.eth.chain_id)
        else:
            raise SignerError("posting needs the verifier's key: --keystore PATH (or --dev-key "
                              "on the local chain), or use --no-post")  # fmt: skip
        relayer = None
        if relayer_keystore:
            relayer = from_keystore(
                relayer_keystore, _password(RELAYER_PASSWORD_ENV, "Relayer keystore password")
            )
    except SignerError as exc:
        raise click.ClickException(str(exc)) from None
    return signer, relayer


def _print_ingest(report: IngestReport) -> None:
    click.echo(
        f"period {report.period}: {report.files} file(s), {report.records} record(s) "
        f"in {report.seconds:.1f} s"
    )
    for figure in report.figures:
        click.echo(
            f"  ok        {figure.credit_code}  {figure.pollutant:<8} {figure.kg:>14,} kg  "
            f"evidence {figure.evidence[:16]}…"
        )
    for error in report.file_errors:
        click.echo(f"  unreadable  {error}", err=True)
    for rejection in report.rejected:
        who = rejection.credit_code or "records naming no unit"
        click.echo(
            f"  REJECTED  {who}: {len(rejection.errors)} problem(s), nothing posted", err=True
        )
        for error in rejection.errors[:ERRORS_SHOWN]:
            click.echo(f"      {error}", err=True)
        if len(rejection.errors) > ERRORS_SHOWN:
            click.echo(f"      … and {len(rejection.errors) - ERRORS_SHOWN} more (--report FILE)",
                       err=True)  # fmt: skip


def _print_post(report: PostReport) -> None:
    for outcome in report.outcomes:
        code = pollutants.by_id(outcome.pollutant)
        name = code.code if code else str(outcome.pollutant)
        line = (
            f"  {outcome.state:<10}{outcome.credit_code or outcome.unit}  {name:<8} "
            f"{outcome.kg:>14,} kg  {outcome.message}"
        )
        if outcome.tx_hash:
            line += f"  tx {outcome.tx_hash}"
        click.echo(line, err=outcome.state != CONFIRMED)
    click.echo(
        f"posted {report.sent} transaction(s); "
        f"{report.count(CONFIRMED)} of {len(report.outcomes)} figure(s) on chain"
    )


def _poster(ctx: OracleContext, chain: Chain, signer: LocalSigner, relayer: LocalSigner | None,
            settings: Settings, hooks: Hooks | None = None) -> Poster:  # fmt: skip
    try:
        oracle = OracleContract(chain)
    except KeyError:
        raise click.ClickException("no VerificationOracle in the deployment record") from None
    return Poster(
        store=ctx.store, oracle=oracle, signer=signer, sender=relayer,
        signature_ttl=settings.oracle_signature_ttl, hooks=hooks,
    )  # fmt: skip


KEY_OPTIONS = [
    click.option("--keystore", type=click.Path(path_type=Path, dir_okay=False),
                 help=f"verifier's keystore file (password from ${PASSWORD_ENV} or a prompt)"),
    click.option("--dev-key", metavar="PARTY",
                 help="dev key of the local chain, e.g. verifier_a (refused on other chains)"),
    click.option("--relayer-keystore", type=click.Path(path_type=Path, dir_okay=False),
                 help=f"send through a relayer account (password from ${RELAYER_PASSWORD_ENV})"),
    click.option("--revise", is_flag=True,
                 help="replace this verifier's different attestation while no quorum agreed"),
]  # fmt: skip


F = TypeVar("F", bound=Callable[..., object])


def key_options(fn: F) -> F:
    for option in reversed(KEY_OPTIONS):
        fn = option(fn)
    return fn


@click.group()
def oracle() -> None:
    """Verification oracle (R-23): monitoring data to verified usage on chain."""


@oracle.command("ingest")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--period", type=int, required=True, help="compliance period id")
@click.option("--post/--no-post", default=True, help="sign and post the figures (default)")
@click.option("--report", "report_file", type=click.Path(path_type=Path, dir_okay=False),
              help="write the full report (every rejected record) as JSON")  # fmt: skip
@key_options
def ingest_command(
    path: Path, period: int, post: bool, report_file: Path | None, keystore: Path | None,
    dev_key: str | None, relayer_keystore: Path | None, revise: bool,
) -> None:  # fmt: skip
    """Validate and total the monitoring files at PATH (a file or folder) for a period, store
    the evidence, then sign and post each unit's figures.

    A unit with any bad record is rejected whole: every problem is listed and nothing is posted
    for it. Rerunning is safe: figures already on chain are not posted again.
    """
    settings = get_settings()
    chain = _chain(settings)
    ctx = _context(settings, chain)
    signers = _signers(keystore, dev_key, relayer_keystore, chain) if post else None
    try:
        files = collect(path)
        sources = read_sources(files, path)
        uploaded_by = signers[0].address if signers else LOCAL
        report = ingest(sources, period=period, ctx=ctx, progress=_Bars(), uploaded_by=uploaded_by)
    except OracleInputError as exc:
        raise click.ClickException(str(exc)) from None
    _print_ingest(report)
    if report_file:
        report_file.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    failed = not report.ok
    if signers and report.figures:
        poster = _poster(ctx, chain, signers[0], signers[1], settings)
        posted = poster.post(period=period, revise=revise, progress=_Bars())
        _print_post(posted)
        failed = failed or posted.count(CONFIRMED) != len(posted.outcomes)
    sys.exit(1 if failed else 0)


@oracle.command("upload")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--period", type=int, required=True, help="compliance period id")
@click.option(
    "--keystore",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"verifier's keystore file (password from ${PASSWORD_ENV} or a prompt)",
)
@click.option(
    "--dev-key",
    metavar="PARTY",
    help="dev key of the local chain, e.g. verifier_a (refused on other chains)",
)
@click.option("--ttl", type=click.IntRange(60, 24 * 3600), default=3600, show_default=True,
              help="seconds the signature stays good")  # fmt: skip
def upload_command(
    path: Path, period: int, keystore: Path | None, dev_key: str | None, ttl: int
) -> None:
    """Send the monitoring files at PATH (a file or folder) to the oracle service, signed with
    the verifier's key: the service takes uploads from verifiers only, and keeps each
    verifier's figures apart (docs/oracle.md, "Who may upload")."""
    from backend.oracle.upload import sign_upload

    cli = click.get_current_context().find_object(CliContext) or CliContext()
    try:
        sources = read_sources(collect(path), path)
    except OracleInputError as exc:
        raise click.ClickException(str(exc)) from None
    api = cli.api()
    deployment = api._call("GET", "/api/v1/deployment")
    oracles = [c["address"] for c in deployment["contracts"] if c["name"] == "VerificationOracle"]
    if not oracles:
        raise click.ClickException("the service's deployment has no VerificationOracle")
    try:
        if keystore and dev_key:
            raise SignerError("give either --keystore or --dev-key, not both")
        if keystore:
            signer = from_keystore(keystore, _password(PASSWORD_ENV, "Verifier keystore password"))
        elif dev_key:
            signer = dev_signer(dev_key, deployment["chain_id"])
        else:
            raise SignerError("an upload is signed with the verifier's key: --keystore PATH")
    except SignerError as exc:
        raise click.ClickException(str(exc)) from None
    deadline = int(time.time()) + ttl
    signature = sign_upload(
        private_key=signer.private_key, chain_id=deployment["chain_id"], oracle=oracles[0],
        verifier=signer.address, period=period, files=[s.sha256 for s in sources],
        deadline=deadline,
    )  # fmt: skip
    fields = {"period": str(period), "verifier": signer.address, "deadline": str(deadline),
              "signature": signature}  # fmt: skip
    files = [("files", (s.name, s.content)) for s in sources]
    try:
        response = api.http.post("/api/v1/oracle/ingest", data=fields, files=files)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach the service: {exc}") from None
    body = response.json()
    if "error" in body:
        error = body["error"]
        raise click.ClickException(
            f"{error.get('code')} ({error.get('status')}): {error.get('message')}"
        )
    for figure in body["figures"]:
        click.echo(f"  ok        {figure['credit_code']}  {figure['pollutant']:<8} "
                   f"{figure['kg']:>14,} kg  evidence {figure['evidence'][:16]}…")  # fmt: skip
    for rejection in body["rejected_units"]:
        who = rejection["credit_code"] or "records naming no unit"
        click.echo(f"  REJECTED  {who}: {rejection['count']} problem(s)", err=True)
        for error in rejection["errors"][:ERRORS_SHOWN]:
            click.echo(f"      {error}", err=True)
    for error in body["file_errors"]:
        click.echo(f"  unreadable  {error}", err=True)
    click.echo(body["note"])
    sys.exit(1 if body["rejected_units"] or body["file_errors"] or not body["figures"] else 0)


@oracle.command("post")
@click.option("--period", type=int, help="only this compliance period")
@click.option("--unit", help="only this unit (address or credit code)")
@key_options
def post_command(
    period: int | None, unit: str | None, keystore: Path | None, dev_key: str | None,
    relayer_keystore: Path | None, revise: bool,
) -> None:  # fmt: skip
    """Post stored figures that are not on chain yet (e.g. after an interrupted run)."""
    settings = get_settings()
    chain = _chain(settings)
    ctx = _context(settings, chain)
    signer, relayer = _signers(keystore, dev_key, relayer_keystore, chain)
    address = None
    if unit:
        from backend.oracle.service import resolve_unit

        try:
            address, _ = resolve_unit(unit, ctx.directory)
        except OracleInputError as exc:
            raise click.ClickException(str(exc)) from None
    report = _poster(ctx, chain, signer, relayer, settings).post(
        period=period, unit=address, revise=revise, progress=_Bars()
    )
    _print_post(report)
    sys.exit(0 if report.count(CONFIRMED) == len(report.outcomes) else 1)


@oracle.command("status")
@click.argument("unit")
@click.argument("period", type=int)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def status_command(unit: str, period: int, as_json: bool) -> None:
    """Show UNIT's (address or credit code) figures for PERIOD: on chain and in this oracle."""
    settings = get_settings()
    chain = _chain(settings)
    ctx = _context(settings, chain)
    try:
        status = unit_status(unit, period, ctx=ctx, oracle=OracleContract(chain))
    except OracleInputError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=1))
        return
    click.echo(f"unit {status['unit']} ({status['credit_code'] or 'credit code unknown'}), "
               f"period {period}")  # fmt: skip
    if not status["pollutants"]:
        click.echo("  nothing computed or attested")
    for entry in status["pollutants"]:
        chain_part = entry.get("chain")
        line = f"  {entry['code']:<8}"
        if chain_part:
            line += (
                f" on chain: {chain_part['status']}"
                + (f" {chain_part['kg']:,} kg" if chain_part["status"] != "open" else "")
                + f" ({chain_part['leading_votes']}/{chain_part['quorum']} agree"
                + (", corrected" if chain_part["corrected"] else "")
                + (f", final {chain_part['final_at_time']}" if chain_part["final_at"] else "")
                + ")"
            )
        else:
            line += " on chain: nothing attested"
        for computed in entry.get("computed", []):
            line += f"; computed {computed['kg']:,} kg"
            if computed["uploaded_by"]:
                line += f" (uploaded by {computed['uploaded_by']})"
        click.echo(line)
        for attestation in (chain_part or {}).get("attestations", []):
            mark = " (superseded)" if attestation["superseded"] else ""
            click.echo(f"      {attestation['verifier']} {attestation['kg']:,} kg "
                       f"evidence {attestation['evidence'][:16]}…{mark}")  # fmt: skip
        correction = (chain_part or {}).get("correction")
        if correction:
            click.echo(f"      corrected by {correction['regulator']}: {correction['kg']:,} kg "
                       f"— {correction['reason']}")  # fmt: skip
        for posting in entry.get("postings", []):
            click.echo(f"      this oracle: {posting['state']} {posting['kg']:,} kg"
                       + (f" tx {posting['tx_hash']}" if posting["tx_hash"] else ""))  # fmt: skip


@oracle.command("evidence")
@click.argument("sha256")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="write to a file")
def evidence_command(sha256: str, out: Path | None) -> None:
    """Print (or save) a stored evidence document or monitoring file by its SHA-256."""
    settings = get_settings()
    from backend.oracle.evidence import EvidenceStore

    try:
        content = EvidenceStore(settings.oracle_evidence_dir).get(sha256)
    except EvidenceNotFoundError:
        raise click.ClickException(f"no stored evidence with SHA-256 {sha256}") from None
    if out:
        out.write_bytes(content)
    else:
        click.echo(content.decode("utf-8", errors="replace"))


@oracle.command("demo-data")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--units", "units_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=demo_data.DEMO_UNITS_FILE, show_default=True,
              help="units file (credit code, address, outlets, sector)")  # fmt: skip
@click.option("--year", type=int, default=2025, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--periods-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write a periods file defining period 1 as that year",
)
@click.option("--period", type=int,
              help="cover this compliance period (its span from the chain, or from "
                   "DRR_ORACLE_PERIODS_FILE) instead of --year")  # fmt: skip
def demo_data_command(
    outdir: Path, units_file: Path, year: int, seed: int, periods_file: Path | None,
    period: int | None,
) -> None:  # fmt: skip
    """Write a year (or a compliance period) of hourly monitoring records per outlet of the
    units in --units."""
    units = demo_data.load_units(units_file)
    span = None
    if period is not None:
        settings = get_settings()
        found = _context(settings, _chain(settings)).calendar.span(period)
        if found is None:
            raise click.ClickException(f"period {period} is not defined")
        span = (found.start, found.end)
    files = demo_data.generate(units, outdir, year=year, seed=seed, span=span)
    click.echo(f"{len(files)} monitoring file(s) for {len(units)} unit(s) in {outdir}")
    if periods_file:
        periods_file.write_text(json.dumps(demo_data.periods_document(year), indent=1))
        click.echo(f"period 1 = {year} in {periods_file}")
