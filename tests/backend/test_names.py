"""An index no name can poison (issue 25, findings 3 and 4): whatever bytes a registration put
on chain are indexed (SQLite and PostgreSQL), shown escaped with the replaced characters marked,
and checkable against the node; the service itself refuses names and credit codes a register
should not hold, at register-account and at /tx/raw (R-02, R-36, R-37)."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.chain.devkeys import authority_key
from backend.chain.domain import Sector
from backend.indexer import store
from backend.indexer.projections import tables as t
from backend.main import create_app
from backend.services.registration import credit_code_problem, with_check
from tests.backend.disclosure_city import index

REGISTER = "registerAccount(address,string,string,uint8,uint16,uint16)"
LONG = "长江化工有限公司" * 2_500  # 20 000 characters, 60 000 bytes of UTF-8
# (name bytes, credit code bytes) as a registration can put them on chain, bypassing the service
REGISTRATIONS = {
    "invalid_utf8": (b"\xff\xfe\xfd bad text", b"\xff" * 18),
    "nul": ("新\x00材料".encode(), b"\xfe" * 18),  # cleans to the same code text as the above
    "long": (LONG.encode(), b"91500000MA5UL00001"),
    "formula": (b'=HYPERLINK("http://evil.example","x")', b"91500000MA5UL00002"),
    "command": (b"=cmd|' /C calc'!A0", b"91500000MA5UL00003"),
}


def _holder(i: int) -> str:
    return to_checksum_address(f"0x{0xBAD0 + i:040x}")


@pytest.fixture(scope="module")
def registered(registry, regulator, city):
    """Registrations with raw bytes (string and bytes share their ABI encoding)."""
    holders = {}
    for i, (label, (name, code)) in enumerate(REGISTRATIONS.items()):
        holder = _holder(i)
        data = function_signature_to_4byte_selector(REGISTER) + encode(
            ["address", "bytes", "bytes", "uint8", "uint16", "uint16"],
            [holder, code, name, int(Sector.INDUSTRY), 1, 1],
        )
        tx = regulator.transfer(registry.address, 0, data="0x" + data.hex(), silent=True)
        assert tx.status == 1
        holders[label] = holder
    return holders


@pytest.fixture
def indexed_url(registered, deployment, any_database_url):
    engine, _indexer = index(deployment, any_database_url)
    try:
        from brownie import web3

        with engine.connect() as conn:
            cursor = store.load_cursor(conn, deployment.chain_id)
        assert cursor.block_number == web3.eth.block_number  # nothing stopped the index
    finally:
        engine.dispose()
    return any_database_url


def _units(url: str) -> dict[str, dict]:
    engine = store.open_database(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(t.units)).mappings()
            return {r["holder"]: dict(r) for r in rows}
    finally:
        engine.dispose()


def test_any_registered_bytes_are_indexed_on_both_databases_R02(indexed_url, registered):
    """Findings 3 and 4: U+0000, invalid UTF-8, 60 000 bytes, two codes that clean to the same
    text: every registration is a unit of the index (it stopped the PostgreSQL indexer for
    good, or became an UnknownEvent); what is not text is U+FFFD."""
    units = _units(indexed_url)
    shown = {label: units[holder] for label, holder in registered.items()}
    assert shown["invalid_utf8"]["name"] == "\ufffd\ufffd\ufffd bad text"
    assert shown["invalid_utf8"]["credit_code"] == "\ufffd" * 18
    assert shown["nul"]["name"] == "新\ufffd材料"
    assert shown["nul"]["credit_code"] == "\ufffd" * 18
    assert shown["long"]["name"] == LONG
    assert shown["formula"]["name"].startswith("=HYPERLINK(")


@pytest.fixture
def client(settings, registered, deployment):
    index(deployment, settings.database_url)[0].dispose()
    with TestClient(create_app(settings.model_copy(update={"indexer_enabled": False}))) as c:
        yield c


def test_unit_page_and_verify_of_a_bad_name_R36_R37(client, registered):
    """Finding 4: a registration whose name is not UTF-8 has its page (the replaced bytes
    escaped and marked) and its check against the node (it answered 404)."""
    holder = registered["invalid_utf8"]
    page = client.get(f"/units/{holder}")
    assert page.status_code == 200
    mark = '<mark class="replaced" title='
    assert page.text.count(mark) >= 3  # the three bytes of the name that are not text
    assert "\x00" not in page.text
    nul = client.get(f"/units/{registered['nul']}")
    assert "新" + mark in nul.text
    api = client.get(f"/api/v1/public/units/{holder}").json()
    assert api["name"] == "\ufffd\ufffd\ufffd bad text"
    verified = client.get(f"/api/v1/public/verify/unit?holder={holder}").json()
    assert verified["match"] is True
    assert client.get(f"/units/{registered['long']}").status_code == 200


def test_csv_downloads_neutralise_formulas(client, registered):
    """Finding 8: a name registered as =HYPERLINK(…) or =cmd|' /C calc'!A0 reaches the CSV
    with a leading apostrophe, so a spreadsheet shows it as text; JSON keeps it as is."""
    csv_text = client.get("/download/units.csv").text
    assert "'=HYPERLINK(" in csv_text and "'=cmd|' /C calc'!A0" in csv_text
    assert ",=HYPERLINK(" not in csv_text and ",=cmd" not in csv_text
    assert '"=HYPERLINK(' in client.get("/download/units.json").text


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("name", "新材料\x00有限公司", "holds U+0000 at position 4"),
        ("name", "新材料\u202e司公限有", "holds U+202E at position 4"),
        ("name", "新" * 101, "at most 100"),
        ("name", " 新材料", "starts or ends with a space"),
        ("creditCode", "91500000MA5UNEW001", "the check character is '1', GB 32100-2015 gives"),
        ("creditCode", "91500000MA5U00001O", "should match pattern '^[0-9A-HJ-NPQRTUWXY]{18}$'"),
    ],
)
def test_register_account_refuses_what_a_register_should_not_hold_R02(
    client, regulator, field, value, problem
):
    """Finding 4: the service refuses a name with control or format characters, over 100
    characters, or a credit code off GB 32100 (check character included), naming the field."""
    body = {"sender": regulator.address, "holder": _holder(50), "creditCode": with_check(
        "91500000MA5UX0001"), "name": "新材料有限公司", "sector": "industry", "district": 1,
            "basin": 1, field: value}  # fmt: skip
    response = client.post("/api/v1/registry/register-account", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "RequestInvalid"
    (found,) = [p for p in error["problems"] if p["field"].endswith(field)]
    assert problem in found["problem"]
    fine = client.post("/api/v1/registry/register-account", json={**body, field: (
        "新材料有限公司" if field == "name" else with_check("91500000MA5UX0001"))})  # fmt: skip
    assert fine.status_code == 200, fine.text


def _raw(client, data: bytes, to: str) -> dict:
    key = authority_key("city_regulator")
    from brownie import web3

    tx = {
        "chainId": web3.eth.chain_id,
        "nonce": web3.eth.get_transaction_count(key.address),
        "to": to,
        "data": data,
        "gas": 3_000_000,
        "gasPrice": web3.eth.gas_price,
        "value": 0,
    }
    signed = Account.sign_transaction(tx, key.private_key)
    return client.post("/api/v1/tx/raw", json={"raw": "0x" + bytes(signed.raw_transaction).hex()})


@pytest.mark.parametrize(
    ("name", "code", "error"),
    [
        (b"a\x00b", with_check("91500000MA5UX0002").encode(), "UnitNameInvalid"),
        (b"\xff\xfe", with_check("91500000MA5UX0003").encode(), "UnitNameInvalid"),
        ("新材料".encode(), b"91500000MA5UX00049", "CreditCodeInvalid"),
        ("新材料".encode(), b"\xff" * 18, "CreditCodeInvalid"),
    ],
)
def test_tx_raw_refuses_a_registration_with_a_bad_name_or_code_R02(
    client, registry, name, code, error
):
    """Finding 4: /tx/raw decodes a registration (or a batch) and refuses it as
    register-account does; nothing is sent."""
    from brownie import web3

    assert credit_code_problem(with_check("91500000MA5UX0002")) is None
    data = function_signature_to_4byte_selector(REGISTER) + encode(
        ["address", "bytes", "bytes", "uint8", "uint16", "uint16"],
        [_holder(60), code, name, int(Sector.INDUSTRY), 1, 1],
    )
    head = web3.eth.block_number
    response = _raw(client, data, registry.address)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == error
    assert web3.eth.block_number == head
    batch = function_signature_to_4byte_selector(
        "registerAccountBatch((address,string,string,uint8,uint16,uint16)[])"
    ) + encode(
        ["(address,bytes,bytes,uint8,uint16,uint16)[]"],
        [[(_holder(61), with_check("91500000MA5UX0005").encode(), "好名字".encode(),
           int(Sector.INDUSTRY), 1, 1), (_holder(60), code, name, int(Sector.INDUSTRY), 1, 1)]],
    )  # fmt: skip
    refused = _raw(client, batch, registry.address)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == error
    assert refused.json()["error"]["args"] == {"line": 1}


def test_one_bad_line_of_a_batch_is_named_R02(client, regulator):
    """Finding 9: one bad row of a batch reports that row (a 422 naming its field), never a
    failure of the service; nothing is built."""
    line = {"holder": _holder(70), "creditCode": with_check("91500000MA5UX0007"),
            "name": "新材料有限公司", "sector": "industry", "district": 1, "basin": 1}  # fmt: skip
    bad = {**line, "holder": _holder(71), "creditCode": "91500000MA5UX00070"}
    body = {"sender": regulator.address, "accounts": [line, bad]}
    response = client.post("/api/v1/registry/register-accounts", json=body)
    assert response.status_code == 422
    (problem,) = response.json()["error"]["problems"]
    assert problem["field"] == "body.accounts.1.creditCode"
    assert "check character" in problem["problem"]
