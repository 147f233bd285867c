"""Command-line tool for operators and companies (``backend --help``)."""

from __future__ import annotations

import click

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.core.config import get_settings
from backend.oracle.cli import oracle


@click.group()
def main() -> None:
    """Discharge rights registry: operator and company tool."""


@main.command()
def status() -> None:
    """Show the chain the tool talks to and the deployed contracts."""
    settings = get_settings()
    deployment = Deployment.load(settings.deployment_file)
    chain = Chain.connect(settings.rpc_url, deployment)
    click.echo(f"node      {settings.rpc_url} (chain {chain.w3.eth.chain_id})")
    click.echo(f"head      block {chain.w3.eth.block_number}")
    click.echo(f"network   {deployment.network}")
    for name, record in deployment.contracts.items():
        click.echo(f"contract  {name:<24} {record.address}  (block {record.block})")


main.add_command(oracle)
