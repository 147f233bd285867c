"""The oracle with the registry's own contracts: units from the account registry, periods from
the compliance manager, and surrender reading the verified usage it posted (R-23, R-24)."""

from __future__ import annotations

from datetime import timedelta

import brownie
import pytest

from backend.chain.client import Chain
from backend.chain.deployment import DeployedContract
from backend.chain.domain import Sector
from backend.oracle.calendar import ChainPeriodCalendar, PeriodSpan
from backend.oracle.directory import ChainUnitDirectory
from backend.oracle.store import CONFIRMED
from backend.oracle.wiring import context_from
from scripts.deploy import deploy_contract
from tests.backend.oracle.conftest import (
    CHEM,
    END,
    EXPECTED_CHEM_KG,
    POWER,
    START,
    ingest_dir,
)

WINDOW = 7 * 24 * 3600
AWAITING_VERIFICATION = 2


@pytest.fixture(scope="module")
def compliance(regulator, registry, ledger, deployment):
    """The compliance manager reading this deployment's verification oracle."""
    from brownie import ComplianceManager

    oracle = deployment.contracts["VerificationOracle"].address
    manager = deploy_contract(ComplianceManager, regulator, regulator, registry, ledger, oracle)[0]
    manager.grantRole(manager.REGULATOR_ROLE(), regulator, {"from": regulator})
    return manager


@pytest.fixture(scope="module")
def chain_with_compliance(deployment, compliance, rpc_url):
    """A deployment record that includes the compliance manager."""
    record = DeployedContract(
        address=compliance.address,
        abi=compliance.abi,
        block=compliance.tx.block_number,
        tx_hash=compliance.tx.txid,
    )
    full = deployment.model_copy(
        update={"contracts": {**deployment.contracts, "ComplianceManager": record}}
    )
    return Chain.connect(rpc_url, full)


@pytest.fixture
def registered(registry, regulator, companies):
    opts = {"from": regulator}
    registry.registerAccount(companies[0], CHEM, "长江化工", int(Sector.INDUSTRY), 1, 1, opts)
    registry.registerAccount(companies[1], POWER, "嘉陵热电", int(Sector.THERMAL_POWER), 1, 1, opts)


@pytest.fixture
def period_id(compliance, regulator):
    """The test span as compliance period (it ended long before the chain's clock)."""
    start, end = int(START.timestamp()), int(END.timestamp())
    tx = compliance.definePeriod(start, end, end + 30 * 86400, end + 60 * 86400,
                                 {"from": regulator})  # fmt: skip
    return tx.return_value


def test_units_resolved_through_the_account_registry_R23(chain, registered, companies):
    """R-23: the credit code in monitoring data maps to the unit's account on chain (R-02)."""
    directory = ChainUnitDirectory(chain, "AccountRegistry")
    entry = directory.resolve(CHEM)
    assert (entry.address, entry.credit_code, entry.outlets) == (companies[0].address, CHEM, None)
    assert directory.resolve("91500000NOBODY000X") is None
    assert directory.credit_code_of_address(companies[0].address.lower()) == CHEM


def test_periods_read_from_the_compliance_manager_R23(chain_with_compliance, period_id):
    """R-23: the period span is the regulator's compliance period on chain; unknown ids are None."""
    calendar = ChainPeriodCalendar(chain_with_compliance, "ComplianceManager")
    assert calendar.span(period_id) == PeriodSpan(
        period_id, int(START.timestamp()), int(END.timestamp())
    )
    assert calendar.span(period_id + 1) is None


def test_surrender_reads_the_usage_the_oracle_posted_R23_R24(
    oracle_settings, chain_with_compliance, registered, period_id, monitoring_dir, make_poster,
    compliance, companies, tmp_path,
):  # fmt: skip
    """R-23, R-24: with no units or periods file, two verifiers' figures become the usage the
    compliance manager measures surrender against, once final."""
    settings = oracle_settings.model_copy(
        update={"oracle_units_file": None, "oracle_periods_file": None}
    )
    ctx_a = context_from(settings, chain_with_compliance)
    ctx_b = context_from(
        settings.model_copy(update={"oracle_database_url": f"sqlite:///{tmp_path / 'b.db'}"}),
        chain_with_compliance,
    )
    report = ingest_dir(monitoring_dir, ctx_a, period=period_id)
    assert report.ok and len(report.figures) == 5
    ingest_dir(monitoring_dir, ctx_b, period=period_id)
    assert make_poster("verifier_a", context=ctx_a).post(period=period_id).count(CONFIRMED) == 5
    make_poster("verifier_b", context=ctx_b).post(period=period_id)

    unit = companies[0]
    status, usage, _ = compliance.status(unit, 1, period_id)
    assert (status, usage) == (AWAITING_VERIFICATION, 0)  # agreed, still disputable
    brownie.chain.sleep(WINDOW)
    brownie.chain.mine()
    status, usage, surrendered = compliance.status(unit, 1, period_id)
    assert status != AWAITING_VERIFICATION
    assert (usage, surrendered) == (EXPECTED_CHEM_KG[1], 0)


def test_data_outside_the_chain_period_refused_R23(
    oracle_settings, chain_with_compliance, registered, period_id, monitoring_dir
):
    """R-23: records beyond the period the regulator defined on chain reject the unit."""
    settings = oracle_settings.model_copy(
        update={"oracle_units_file": None, "oracle_periods_file": None}
    )
    ctx = context_from(settings, chain_with_compliance)
    late = (END + timedelta(hours=1)).isoformat()
    text = (monitoring_dir / "power.csv").read_text()
    first_time = START.isoformat()
    (monitoring_dir / "power.csv").write_text(text.replace(first_time, late, 1))
    report = ingest_dir(monitoring_dir, ctx, period=period_id)
    rejected = {r.credit_code for r in report.rejected}
    assert rejected == {POWER}
    problems = [str(e) for e in report.rejected[0].errors]
    assert any(f"is outside period {period_id}" in p for p in problems), problems
