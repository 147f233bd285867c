"""The ``backend`` tool: keystore wallets, signing locally, submitting, CSV batches, indexer.

The tool talks to the real service (wired to the test chain) through its HTTP client, which
the tests hand in; keys live in keystore files in a temp folder.
"""

import csv
import json
import stat

import pytest
from brownie import web3
from click.testing import CliRunner
from pydantic import SecretStr
from web3 import Web3

from backend import cli
from backend.cli import CliContext
from backend.services.registration import with_check
from tests.backend.conftest import PROBE_POLLUTANT

ACTION = "probe-transfer"
POLLUTANT = PROBE_POLLUTANT
FAST_KDF = ["--kdf", "pbkdf2", "--iterations", "1000"]


@pytest.fixture
def cli_settings(service_settings):
    return service_settings.model_copy(update={"wallet_password": SecretStr("correct horse")})


@pytest.fixture
def run(api, cli_settings):
    """Invoke ``backend …`` against the test service; returns the click result."""

    def invoke(*args, input=None, expect=0):
        result = CliRunner().invoke(
            cli.main, list(args), obj=CliContext(settings=cli_settings, http=api), input=input
        )
        assert result.exit_code == expect, result.output
        return result

    return invoke


@pytest.fixture
def acme_wallet(run, funded):
    """Company 0's key imported into a keystore wallet named ``acme``."""
    run("wallet", "import", "acme", *FAST_KDF, input=funded[0].private_key + "\n")
    return funded[0]


def transfer_fields(sender, receiver, kg):
    return ["-f", f"from={sender.address}", "-f", f"to={receiver.address}",
            "-f", f"pollutant={POLLUTANT}", "-f", f"kg={kg}"]  # fmt: skip


def test_wallet_create_list_address(run, cli_settings):
    made = run("wallet", "create", "acme", *FAST_KDF).output.split()
    name, address, path = made[0], made[1], made[2]
    assert name == "acme" and Web3.is_checksum_address(address)
    assert stat.S_IMODE((cli_settings.wallet_dir / "acme.json").stat().st_mode) == 0o600
    assert path == str(cli_settings.wallet_dir / "acme.json")
    assert run("wallet", "address", "acme").output.strip() == address
    assert run("wallet", "list").output.split() == ["acme", address]
    again = run("wallet", "create", "acme", *FAST_KDF, expect=1)
    assert "already exists" in again.output
    assert "use letters" in run("wallet", "create", "../evil", expect=1).output


def test_wallet_import_key_and_keystore(run, company_keys, cli_settings, tmp_path):
    acme = company_keys[0]
    out = run("wallet", "import", "acme", *FAST_KDF, input=acme.private_key + "\n").output
    assert acme.address in out
    copied = run("wallet", "import", "acme2", "--keystore",
                 str(cli_settings.wallet_dir / "acme.json")).output  # fmt: skip
    assert acme.address in copied
    bad = run("wallet", "import", "x", *FAST_KDF, input="nonsense\n", expect=1)
    assert "not a private key" in bad.output


def test_prepare_sign_submit_with_a_keystore_wallet(run, acme_wallet, funded, probe, tmp_path):
    """The documented flow: the key stays in the wallet file, only the signature travels."""
    acme, beta = acme_wallet, funded[1]
    prepared, envelope = tmp_path / "transfer.json", tmp_path / "signed.json"
    run("action", "prepare", ACTION, *transfer_fields(acme, beta, 250), "-o", str(prepared))
    assert json.loads(prepared.read_text())["typed_data"]["message"]["kg"] == 250
    shown = run("action", "sign", str(prepared), "--wallet", "acme", "-o", str(envelope),
                input="y\n").output  # fmt: skip
    assert "Sign Transfer for SignedActionProbe" in shown and "kg           250" in shown
    assert acme.private_key[2:] not in envelope.read_text()
    out = json.loads(run("action", "submit", str(envelope)).stdout)
    assert out["events"][0]["event"] == "ProbeTransferred"
    assert probe.balanceOf(beta.address, POLLUTANT) == 250


def test_signing_refused_without_confirmation(run, acme_wallet, funded, tmp_path):
    prepared = tmp_path / "t.json"
    run("action", "prepare", ACTION, *transfer_fields(acme_wallet, funded[1], 5), "-o",
        str(prepared))  # fmt: skip
    result = run("action", "sign", str(prepared), "--wallet", "acme", input="n\n", expect=1)
    assert "Aborted" in result.output


def test_wallet_of_another_account_does_not_sign(run, acme_wallet, funded, tmp_path):
    prepared = tmp_path / "t.json"
    beta = funded[1]
    run("wallet", "import", "beta", *FAST_KDF, input=beta.private_key + "\n")
    run("action", "prepare", ACTION, *transfer_fields(acme_wallet, beta, 5), "-o", str(prepared))
    result = run("action", "sign", str(prepared), "--wallet", "beta", "--yes", expect=1)
    assert f"must be signed by {acme_wallet.address}" in result.output


def test_refusal_shows_code_and_both_languages(run, acme_wallet, funded):
    result = run("action", "prepare", ACTION, *transfer_fields(acme_wallet, funded[1], 5_000),
                 expect=1)  # fmt: skip
    assert "ProbeInsufficientBalance (409)" in result.output and "可用余额不足" in result.output


def test_action_run_and_direct_submit(run, acme_wallet, funded, probe, tmp_path, company_keys):
    acme, beta = acme_wallet, funded[1]
    out = json.loads(run("action", "run", ACTION, *transfer_fields(acme, beta, 10), "--wallet",
                         "acme", "--yes").stdout)  # fmt: skip
    assert out["nonce"] == 0
    prepared, envelope = tmp_path / "t.json", tmp_path / "s.json"
    run("action", "prepare", ACTION, *transfer_fields(acme, beta, 20), "-o", str(prepared))
    run("action", "sign", str(prepared), "--wallet", "acme", "--yes", "-o", str(envelope))
    direct = json.loads(run("action", "submit", str(envelope), "--direct", "--wallet",
                            "acme").stdout)  # fmt: skip
    tx = web3.eth.get_transaction(direct["tx_hash"])
    assert tx["from"] == acme.address  # sent and paid by the company itself
    assert probe.balanceOf(beta.address, POLLUTANT) == 30


def write_rows(path, rows):
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["from", "to", "pollutant", "kg"])
        writer.writeheader()
        writer.writerows(rows)


def read_results(path):
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def test_batch_from_csv_with_results_and_resume(run, acme_wallet, funded, probe, tmp_path):
    acme, beta = acme_wallet, funded[1]
    rows = tmp_path / "transfers.csv"
    row = {"from": acme.address, "to": beta.address, "pollutant": POLLUTANT}
    write_rows(rows, [{**row, "kg": 100}, {**row, "kg": 5_000}, {**row, "kg": -1},
                      {**row, "kg": 200}])  # fmt: skip
    first = run("batch", ACTION, str(rows), "--wallet", "acme", "--yes", expect=1)
    assert "2 ok, 2 failed" in first.output
    results = read_results(tmp_path / "transfers.results.csv")
    assert [(r["row"], r["status"], r["error_code"]) for r in results] == [
        ("1", "ok", ""), ("2", "error", "ProbeInsufficientBalance"),
        ("3", "error", "RequestInvalid"), ("4", "ok", ""),
    ]  # fmt: skip
    assert all(r["tx_hash"].startswith("0x") for r in results if r["status"] == "ok")
    assert probe.balanceOf(beta.address, POLLUTANT) == 300

    # fix the two bad rows and run the file again: only they are signed
    write_rows(rows, [{**row, "kg": 100}, {**row, "kg": 50}, {**row, "kg": 1}, {**row, "kg": 200}])
    second = run("batch", ACTION, str(rows), "--wallet", "acme", "--yes")
    assert "2 already done, 2 to sign" in second.output
    assert probe.balanceOf(beta.address, POLLUTANT) == 351
    assert [r["status"] for r in read_results(tmp_path / "transfers.results.csv")] == ["ok"] * 4


def test_batch_rerun_after_lost_results_does_not_act_twice(run, acme_wallet, funded, probe,
                                                           tmp_path):  # fmt: skip
    """The results file is lost: the rows' idempotency keys make the service answer with the
    first transactions instead of transferring again."""
    acme, beta = acme_wallet, funded[1]
    rows = tmp_path / "transfers.csv"
    row = {"from": acme.address, "to": beta.address, "pollutant": POLLUTANT}
    write_rows(rows, [{**row, "kg": 10}, {**row, "kg": 20}])
    run("batch", ACTION, str(rows), "--wallet", "acme", "--yes")
    first = read_results(tmp_path / "transfers.results.csv")
    (tmp_path / "transfers.results.csv").unlink()
    run("batch", ACTION, str(rows), "--wallet", "acme", "--yes")
    again = read_results(tmp_path / "transfers.results.csv")
    assert [r["tx_hash"] for r in again] == [r["tx_hash"] for r in first]
    assert probe.balanceOf(beta.address, POLLUTANT) == 30


def test_indexer_run_once_and_status(run, funded, probe):
    out = run("indexer", "run", "--once").output
    assert "events" in out
    status = dict(line.split(None, 1) for line in run("indexer", "status").output.splitlines())
    assert int(status["lag"]) == 0 and int(status["events"]) >= 3
    assert int(status["cursor"]) == web3.eth.block_number


def test_action_list(run):
    listed = run("action", "list").output
    assert ACTION in listed
    assert "Transfer(address from, address to, uint32 pollutant, uint64 kg" in listed


def test_signed_file_can_be_posted_as_is(api, acme_wallet, funded, run, tmp_path):
    """docs/api.md posts the CLI's signed file with curl: the action name inside must match."""
    prepared, envelope = tmp_path / "t.json", tmp_path / "s.json"
    run(
        "action",
        "prepare",
        ACTION,
        *transfer_fields(acme_wallet, funded[1], 5),
        "-o",
        str(prepared),
    )
    run("action", "sign", str(prepared), "--wallet", "acme", "--yes", "-o", str(envelope))
    body = json.loads(envelope.read_text())
    assert api.post(f"/api/v1/actions/{ACTION}/submit", json=body).status_code == 200
    wrong = api.post(f"/api/v1/actions/{ACTION}/submit", json={**body, "action": "other"})
    assert wrong.status_code == 422


def test_units_consent_to_a_merger_with_their_own_wallets_R30(
    run, api, deployment, regulator, company_keys, tmp_path
):
    """R-30: `consent prepare merge` writes one typed data per unit, each unit signs its own
    file with its keystore wallet (`action sign`), `consent collect` gives the regulator the
    deadline and signatures its `merge` operation takes; the operation then builds."""
    from brownie import AccountRegistry

    from backend.chain.devkeys import authority_key

    registry = AccountRegistry.at(deployment.contracts["AccountRegistry"].address)
    a, b = company_keys[0], company_keys[1]
    for i, key in enumerate((a, b)):
        registry.registerAccount(key.address, with_check(f"91500000MA5W{i:05d}"), f"u{i}", 1, 1, 1,
                                 {"from": regulator})  # fmt: skip
        run("wallet", "import", f"unit{i}", *FAST_KDF, input=key.private_key + "\n")
    prefix = str(tmp_path / "merger")
    out = run("consent", "prepare", "merge", "-f", f"from={a.address}", "-f", f"to={b.address}",
              "-o", prefix).output  # fmt: skip
    assert f"{prefix}.1.json: to be signed by the unit {a.address}" in out
    for i in (1, 2):
        run("action", "sign", f"{prefix}.{i}.json", "--wallet", f"unit{i - 1}", "--yes",
            "-o", f"{prefix}.{i}.signed.json")  # fmt: skip
    wrong = run("action", "sign", f"{prefix}.1.json", "--wallet", "unit1", "--yes", expect=1)
    assert "must be signed by" in wrong.output
    collected = json.loads(
        run("consent", "collect", f"{prefix}.1.signed.json", f"{prefix}.2.signed.json").output
    )
    assert len(collected["signatures"]) == 2
    district = authority_key("district_regulator").address
    body = {"sender": district, "from": a.address, "to": b.address, "reason": "吸收合并",
            **collected}  # fmt: skip
    built = api.post("/api/v1/lifecycle/merge", json=body)
    assert built.status_code == 200, built.text
    assert built.json()["args"]["signatures"] == collected["signatures"]
