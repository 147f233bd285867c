"""Keys, units and periods files: refused clearly when wrong (R-23)."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from backend.chain.devkeys import authority_key
from backend.oracle.calendar import CalendarError, FilePeriodCalendar
from backend.oracle.directory import DirectoryError, FileUnitDirectory
from backend.oracle.keys import SignerError, dev_signer, from_keystore


def test_dev_keys_only_on_the_local_chain_R23():
    """R-23: dev keys are refused on any chain but the local dev chain."""
    assert dev_signer("verifier_a", 31337).address == authority_key("verifier_a").address
    with pytest.raises(SignerError, match="dev keys are for the local chain"):
        dev_signer("verifier_a", 1)
    with pytest.raises(SignerError, match="unknown dev party 'mallory'"):
        dev_signer("mallory", 31337)


def test_keystore_unlocked_with_its_password_and_never_shown_R23(tmp_path):
    """R-23: the verifier's key comes from its keystore; the signer does not reveal it."""
    key = authority_key("verifier_b").private_key
    path = tmp_path / "k.json"
    path.write_text(json.dumps(Account.encrypt(key, "pw", kdf="pbkdf2", iterations=1000)))
    signer = from_keystore(path, "pw")
    assert signer.address == authority_key("verifier_b").address
    assert key.removeprefix("0x") not in repr(signer)
    with pytest.raises(SignerError, match="wrong password"):
        from_keystore(path, "bad")
    with pytest.raises(SignerError, match="cannot read keystore"):
        from_keystore(tmp_path / "missing.json", "pw")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"units": [{"credit_code": "X", "address": "0x12"}]}, "unit 1: address '0x12'"),
        ({"units": [{"credit_code": "X", "address": "0x" + "11" * 20,
                     "outlets": {"DW001": ["PM2.5"]}}]}, "unknown pollutant 'PM2.5'"),
        ({"unit": []}, "'units'"),
    ],
)  # fmt: skip
def test_malformed_units_file_refused_R23(tmp_path, document, message):
    """R-23: a units file with a bad address or pollutant is refused with where and why."""
    path = tmp_path / "units.json"
    path.write_text(json.dumps(document))
    with pytest.raises(DirectoryError, match=message.replace("(", r"\(").replace(".", r"\.")):
        FileUnitDirectory.load(path)


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ({"1": {"start": "2025-01-01", "end": "2024-01-01"}}, "period 1: end is not after start"),
        ({"1": {"start": "soon", "end": "2026-01-01"}}, "time 'soon' is not an ISO 8601"),
        ({"1": {"start": "2025-01-01"}}, "'end'"),
    ],
)
def test_malformed_periods_file_refused_R23(tmp_path, periods, message):
    """R-23: a periods file with an impossible span is refused."""
    path = tmp_path / "periods.json"
    path.write_text(json.dumps({"periods": periods}))
    with pytest.raises(CalendarError, match=message):
        FilePeriodCalendar.load(path)
