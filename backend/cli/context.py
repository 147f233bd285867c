"""The command line's context: settings, the wallet's keystore and the service's HTTP API (tests
hand in their own), and the helpers every command reads its fields and files with."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click
import httpx
from eth_account.signers.local import LocalAccount

from backend.core.config import Settings, get_settings
from backend.wallet.keystore import Keystore, WalletError


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


def value(text: str) -> Any:  # noqa: ANN401 - a JSON value
    """``250`` → 250, ``true`` → True, ``0xAb…`` and other text → the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def fields(pairs: tuple[str, ...], body_json: str | None) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(body_json) if body_json else {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: expected NAME=VALUE", param_hint="-f")
        body[name.strip()] = value(text.strip())
    return body


def read_json(path: str) -> dict[str, Any]:
    stream: TextIO
    with click.open_file(path, encoding="utf-8") as stream:
        return json.load(stream)


def write_json(path: str | None, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if path:
        Path(path).write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


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
