"""The service answers from the chain it is pointed at."""

import os

from backend.chain.domain import Origin
from tests.backend.disclosure_city import index


def test_deployment_endpoint_lists_contracts(client, deployment):
    body = client.get("/api/v1/deployment").json()
    assert body["chain_id"] == deployment.chain_id
    assert {c["name"]: c["address"] for c in body["contracts"]} == {
        name: c.address for name, c in deployment.contracts.items()
    }
    assert body["latest_block"] >= deployment.start_block


def test_accounts_endpoint_serves_the_index_paged_and_filtered_R02_R04(
    client, ledger, exchange, city, deployment, settings
):
    """R-02, R-04: registered accounts and their holdings by origin, as the chain has them,
    from the event index (finding 2 of issue 25: it read the chain per account and pollutant),
    paged by keyset and filtered."""
    ledger.allocate(city.power, city.pollutant["SO2"], int(Origin.PAID), 40_000, {"from": exchange})
    index(deployment, settings.database_url)[0].dispose()
    accounts = {a["holder"]: a for a in client.get("/api/v1/accounts").json()["rows"]}
    assert len(accounts) == 9  # seven units, the test city's reserve and the deployed reserve
    power = accounts[city.power.address]
    assert (power["sector"], power["district"]) == ("thermal_power", 2)
    assert power["holdings"] == [
        {"pollutant": 3, "paid_kg": 40_000, "free_kg": 0, "waived_kg": 0, "pledged_kg": 0}
    ]
    assert accounts[city.chem.address]["holdings"] == []
    first = client.get("/api/v1/accounts?limit=4").json()
    second = client.get(f"/api/v1/accounts?limit=4&before={first['before']}").json()
    third = client.get(f"/api/v1/accounts?limit=4&before={second['before']}").json()
    paged = [a["holder"] for page in (first, second, third) for a in page["rows"]]
    assert sorted(paged) == sorted(accounts) and third["before"] is None
    thermal = client.get("/api/v1/accounts?sector=thermal_power").json()["rows"]
    assert {a["holder"] for a in thermal} == {
        h for h, a in accounts.items() if a["sector"] == "thermal_power"
    }
    assert city.power.address in {a["holder"] for a in thermal}
    bad = client.get("/api/v1/accounts?district=70000")
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "RequestInvalid")


def test_explorer_home_lists_the_deployed_contracts(client, city):
    page = client.get("/")
    assert page.status_code == 200
    assert "RightsLedger" in page.text
    assert client.get("/static/explorer.css").status_code == 200


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
    assert deployment.contracts["RightsLedger"].address in result.output


def test_one_registry_of_operations_serves_the_routes_and_the_list(client):
    """The service builds its registry of authority operations once, when the app is created:
    each operation has its route under its concern, and ``GET /operations`` lists the same."""
    registry = client.app.state.operations
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"/api/v1{op.path}" for op in registry} <= set(paths)
    assert all("post" in paths[f"/api/v1{op.path}"] for op in registry)
    listed = [o["name"] for o in client.get("/api/v1/operations").json()]
    assert listed == [op.name for op in registry]
    assert registry.get("council-propose").concern == "council"


def test_opentelemetry_is_instrumented_only_when_the_environment_configures_it(monkeypatch):
    """An operator who configures OpenTelemetry (OTEL_* variables) gets FastAPI's spans and
    metrics; without it FastAPI is told so once, not asked on every request."""
    from backend.main import _telemetry

    for name in [n for n in os.environ if n.startswith(("OTEL_", "FASTAPI_OTEL"))]:
        monkeypatch.delenv(name)
    assert _telemetry() == {"tracing": False, "metrics": False, "logs": False}
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    assert _telemetry() is None  # FastAPI's own defaults: instrumented
