"""The signed-action flow as a client performs it (shared by the service tests)."""

from __future__ import annotations

from typing import Any

from backend.chain.typed_data import sign

PREPARE = "/api/v1/actions/{}/prepare"
SUBMIT = "/api/v1/actions/{}/submit"


def prepare(api, action: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(PREPARE.format(action), json=body)
    assert response.status_code == 200, response.text
    return response.json()


def signed(typed_data: dict[str, Any], private_key: str) -> dict[str, Any]:
    """What a wallet returns: the typed data and its signature."""
    return {"typed_data": typed_data, "signature": "0x" + sign(typed_data, private_key).hex()}


def submit(api, action: str, envelope: dict[str, Any], key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(SUBMIT.format(action), json=envelope, headers=headers)


def act(api, action: str, body: dict[str, Any], private_key: str, key: str | None = None):
    """Prepare, sign and submit; returns the submit response."""
    prepared = prepare(api, action, body)
    return submit(api, action, signed(prepared["typed_data"], private_key), key)


def error_of(response) -> dict[str, Any]:
    """The error envelope of a refused request."""
    return response.json()["error"]
