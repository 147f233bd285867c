"""Command-line tool for operators and companies (``backend --help``): one group per concern.

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

import click

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.cli import actions, indexer, operations, oracle, wallet
from backend.cli.context import (
    CliContext,
    pass_cli,
)


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


for command in (
    wallet.wallet,
    actions.action,
    actions.trade,
    actions.consent,
    actions.batch,
    operations.tx,
    operations.ops,
    indexer.indexer,
    oracle.oracle,
):
    main.add_command(command)
