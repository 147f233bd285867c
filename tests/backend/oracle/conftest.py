"""Fixtures of the oracle service tests: a short compliance period, a units file, monitoring
files written the way plants report them, and the oracle wired to the chain Brownie started."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from backend.chain.client import Chain
from backend.oracle.calendar import FilePeriodCalendar
from backend.oracle.contract import OracleContract
from backend.oracle.directory import FileUnitDirectory
from backend.oracle.evidence import EvidenceStore
from backend.oracle.keys import dev_signer
from backend.oracle.poster import Hooks, Poster
from backend.oracle.records import BEIJING, FIELDS
from backend.oracle.service import OracleContext
from backend.oracle.store import OracleStore

PERIOD = 7
START = datetime(2025, 3, 1, tzinfo=BEIJING)
HOURS = 48  # the test period: two days
END = START + timedelta(hours=HOURS)
CHEM = "91500000TEST0001AA"  # chemical plant: DW001 (COD, NH3-N), DA001 (SO2)
POWER = "91500000TEST0002BB"  # power plant: DA001 (SO2, NOx)


@pytest.fixture(scope="module", autouse=True)
def fresh_chain(module_isolation):
    """Reset the chain before this module's fixtures deploy anything (an explicitly requested
    module fixture could otherwise deploy before Brownie's module reset)."""


@pytest.fixture(scope="module")
def units(companies):
    return {
        CHEM: {"address": companies[0].address, "outlets": {"DW001": ["COD", "NH3-N"],
                                                            "DA001": ["SO2"]}},
        POWER: {"address": companies[1].address, "outlets": {"DA001": ["SO2", "NOx"]}},
    }  # fmt: skip


@pytest.fixture
def oracle_files(tmp_path, units):
    """Units and periods files for the test period."""
    units_file = tmp_path / "units.json"
    units_file.write_text(
        json.dumps({"units": [{"credit_code": c, "name": c, **u} for c, u in units.items()]}),
        encoding="utf-8",
    )
    periods_file = tmp_path / "periods.json"
    periods_file.write_text(
        json.dumps({"periods": {str(PERIOD): {"start": START.isoformat(), "end": END.isoformat()}}})
    )
    return units_file, periods_file


@pytest.fixture
def oracle_settings(settings, oracle_files, tmp_path):
    """The service's settings with this test's own stores. The relayer's store holds the journal
    of every transaction the service sent, which it puts back on a chain that lost them when it
    starts (backend/chain/journal.py): shared by the module while Brownie reverts the chain
    after each test, it would replay one test's postings into the next."""
    units_file, periods_file = oracle_files
    return settings.model_copy(
        update={
            "relay_database_url": f"sqlite:///{tmp_path / 'relay.db'}",
            "oracle_database_url": f"sqlite:///{tmp_path / 'oracle.db'}",
            "oracle_evidence_dir": tmp_path / "evidence",
            "oracle_units_file": units_file,
            "oracle_periods_file": periods_file,
        }
    )


def make_context(settings) -> OracleContext:
    return OracleContext(
        store=OracleStore(settings.oracle_database_url),
        evidence=EvidenceStore(settings.oracle_evidence_dir),
        directory=FileUnitDirectory.load(settings.oracle_units_file),
        calendar=FilePeriodCalendar.load(settings.oracle_periods_file),
    )


@pytest.fixture
def ctx(oracle_settings) -> OracleContext:
    return make_context(oracle_settings)


@pytest.fixture(scope="module")
def chain(deployment, rpc_url) -> Chain:
    return Chain.connect(rpc_url, deployment)


@pytest.fixture(scope="module")
def oracle_contract(chain) -> OracleContract:
    return OracleContract(chain)


@pytest.fixture
def make_poster(ctx, oracle_contract, chain) -> Callable[..., Poster]:
    def build(party: str = "verifier_a", *, context=None, sender=None, hooks: Hooks | None = None):
        signer = dev_signer(party, chain.w3.eth.chain_id)
        return Poster(
            store=(context or ctx).store, oracle=oracle_contract, signer=signer,
            sender=dev_signer(sender, chain.w3.eth.chain_id) if sender else None, hooks=hooks,
        )  # fmt: skip

    return build


def hourly_rows(
    credit_code: str,
    outlet: str,
    pollutant: str,
    *,
    conc: str = "20.00",
    flow: str = "100.0",
    hours: int = HOURS,
    start: datetime = START,
    flags: dict[int, str] | None = None,
    water: bool = True,
) -> list[dict[str, str]]:
    """Hourly records of one outlet and pollutant; ``flags`` maps hour index → data flag."""
    rows = []
    for h in range(hours):
        row = {
            "credit_code": credit_code, "outlet": outlet,
            "time": (start + timedelta(hours=h)).isoformat(), "interval": "hour",
            "pollutant": pollutant, "flag": (flags or {}).get(h, "N"),
        }  # fmt: skip
        if row["flag"] == "N":
            row.update(
                concentration=conc,
                concentration_unit="mg/L" if water else "mg/m3",
                flow=flow,
                flow_unit="m3" if water else "m3/h",
            )
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], fields=FIELDS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def chem_rows(**overrides) -> list[dict[str, str]]:
    """A complete, valid period for the chemical plant (COD 2×48×2 kg … see expected_chem)."""
    return (
        hourly_rows(CHEM, "DW001", "COD", conc="50.00", flow="40.0", **overrides)
        + hourly_rows(CHEM, "DW001", "NH3-N", conc="5.00", flow="40.0", **overrides)
        + hourly_rows(CHEM, "DA001", "SO2", conc="30.00", flow="20000", water=False, **overrides)
    )


# what chem_rows weighs: COD 50 mg/L × 40 m³ = 2000 g/h; NH3-N 200 g/h;
# SO2 30 mg/m³ × 20000 m³ = 600 g/h
EXPECTED_CHEM_KG = {1: 2 * HOURS, 2: round(0.2 * HOURS), 3: round(0.6 * HOURS)}


def power_rows() -> list[dict[str, str]]:
    return hourly_rows(POWER, "DA001", "SO2", conc="25.00", flow="400000", water=False) + (
        hourly_rows(POWER, "DA001", "NOx", conc="40.00", flow="400000", water=False)
    )


EXPECTED_POWER_KG = {3: 10 * HOURS, 4: 16 * HOURS}


@pytest.fixture
def monitoring_dir(tmp_path) -> Path:
    """A folder with both units' complete data for the period, as two files."""
    folder = tmp_path / "monitoring"
    write_csv(folder / "chem.csv", chem_rows())
    write_csv(folder / "power.csv", power_rows())
    return folder


@pytest.fixture(scope="module")
def oracle(deployment):
    """The deployed oracle as a Brownie contract (for the regulator's actions and time)."""
    from brownie import VerificationOracle

    return VerificationOracle.at(deployment.contracts["VerificationOracle"].address)


def ingest_dir(folder: Path, ctx: OracleContext, period: int = PERIOD):
    from backend.oracle.service import collect, ingest, read_sources

    return ingest(read_sources(collect(folder), folder), period=period, ctx=ctx)
