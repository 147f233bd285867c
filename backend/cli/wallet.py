"""``backend wallet …``: keystore wallets on the user's own machine."""

from __future__ import annotations

from pathlib import Path

import click

from backend.cli.context import (
    CliContext,
    pass_cli,
)
from backend.wallet.keystore import WalletError


@click.group()
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
