"""The service answers from the chain it is pointed at."""

CODE = "91500000MA5U000009"


def test_deployment_endpoint_lists_contracts(client, deployment):
    body = client.get("/api/v1/deployment").json()
    assert body["chain_id"] == deployment.chain_id
    assert {c["name"]: c["address"] for c in body["contracts"]} == {
        name: c.address for name, c in deployment.contracts.items()
    }
    assert body["latest_block"] >= deployment.start_block


def test_accounts_endpoint_reads_chain_R02(client, registry, regulator, companies):
    assert client.get("/api/v1/accounts").json() == []
    pollutant = registry.addPollutant("SO2", "二氧化硫", {"from": regulator}).return_value
    registry.registerAccount(companies[2], CODE, "渝北热电", 7, {"from": regulator})
    registry.allocate(companies[2], pollutant, 40_000, {"from": regulator})
    assert client.get("/api/v1/accounts").json() == [
        {"holder": companies[2].address, "district": 7, "balances_kg": {str(pollutant): 40_000}}
    ]


def test_explorer_home_lists_contracts_and_accounts(client, registry, regulator, companies):
    registry.registerAccount(companies[3], CODE, "江北水务", 2, {"from": regulator})
    page = client.get("/")
    assert page.status_code == 200
    assert "DischargeRegistry" in page.text
    assert companies[3].address in page.text


def test_cli_status_reports_chain_and_contracts(settings, deployment, monkeypatch):
    from click.testing import CliRunner

    from backend import cli
    from backend.core.config import get_settings

    monkeypatch.setenv("DRR_RPC_URL", settings.rpc_url)
    monkeypatch.setenv("DRR_DEPLOYMENT_FILE", str(settings.deployment_file))
    get_settings.cache_clear()
    result = CliRunner().invoke(cli.main, ["status"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"chain {deployment.chain_id}" in result.output
    assert deployment.contracts["DischargeRegistry"].address in result.output
