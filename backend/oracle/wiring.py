"""Build the oracle's parts from the settings."""

from __future__ import annotations

from backend.chain.client import Chain
from backend.core.config import Settings
from backend.oracle.calendar import ChainPeriodCalendar, FilePeriodCalendar, PeriodCalendar
from backend.oracle.directory import ChainUnitDirectory, FileUnitDirectory, UnitDirectory
from backend.oracle.evidence import EvidenceStore
from backend.oracle.keys import LocalSigner, from_keystore
from backend.oracle.service import OracleContext
from backend.oracle.store import OracleStore


class OracleConfigError(RuntimeError):
    """The oracle is not configured for what was asked; the message says what to set."""


def directory_from(settings: Settings, chain: Chain | None) -> UnitDirectory:
    if settings.oracle_units_file is not None:
        return FileUnitDirectory.load(settings.oracle_units_file)
    if chain is None or settings.oracle_registry_contract not in chain.deployment.contracts:
        raise OracleConfigError(
            f"no units file (DRR_ORACLE_UNITS_FILE) and no {settings.oracle_registry_contract} "
            "in the deployment record"
        )
    return ChainUnitDirectory(chain, settings.oracle_registry_contract)


def calendar_from(settings: Settings, chain: Chain | None) -> PeriodCalendar:
    if settings.oracle_periods_file is not None:
        return FilePeriodCalendar.load(settings.oracle_periods_file)
    if chain is None or settings.oracle_compliance_contract not in chain.deployment.contracts:
        raise OracleConfigError(
            f"no periods file (DRR_ORACLE_PERIODS_FILE) and no "
            f"{settings.oracle_compliance_contract} in the deployment record"
        )
    return ChainPeriodCalendar(chain, settings.oracle_compliance_contract)


def context_from(settings: Settings, chain: Chain | None) -> OracleContext:
    return OracleContext(
        store=OracleStore(settings.oracle_database_url),
        evidence=EvidenceStore(settings.oracle_evidence_dir),
        directory=directory_from(settings, chain),
        calendar=calendar_from(settings, chain),
    )


def service_signers(settings: Settings) -> tuple[LocalSigner, LocalSigner | None] | None:
    """The verifier (and relayer) keys configured for the HTTP service, if any."""
    if settings.oracle_keystore is None:
        return None
    if settings.oracle_keystore_password is None:
        raise OracleConfigError("DRR_ORACLE_KEYSTORE needs DRR_ORACLE_KEYSTORE_PASSWORD")
    verifier = from_keystore(
        settings.oracle_keystore, settings.oracle_keystore_password.get_secret_value()
    )
    relayer = None
    if settings.oracle_relayer_keystore is not None:
        if settings.oracle_relayer_password is None:
            raise OracleConfigError("DRR_ORACLE_RELAYER_KEYSTORE needs DRR_ORACLE_RELAYER_PASSWORD")
        relayer = from_keystore(
            settings.oracle_relayer_keystore, settings.oracle_relayer_password.get_secret_value()
        )
    return verifier, relayer
