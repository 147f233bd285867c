"""``backend indexer …``: the event index (database: DRR_DATABASE_URL)."""

from __future__ import annotations

import sys
import threading
from typing import Any

import click
from tqdm import tqdm

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.cli.context import (
    CliContext,
    pass_cli,
)


@click.group()
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
