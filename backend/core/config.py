"""Service settings, read from the environment (prefix ``DRR_``) and an optional ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything the service needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="DRR_", env_file=".env", extra="ignore")

    rpc_url: str = Field(
        default="http://127.0.0.1:18545", description="JSON-RPC endpoint of a chain node"
    )
    deployment_file: Path = Field(
        default=PROJECT_ROOT / "deployments" / "local.json",
        description="addresses and ABIs written by scripts/deploy.py",
    )
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / '.run' / 'index.db'}",
        description="SQLAlchemy URL of the event index (SQLite or PostgreSQL)",
    )
    title: str = "排污权登记与交易 · Discharge Rights Registry"

    # verification oracle, see docs/oracle.md
    oracle_database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / '.run' / 'oracle.db'}",
        description="SQLAlchemy URL of the oracle's own state (ingested files, postings)",
    )
    oracle_evidence_dir: Path = Field(
        default=PROJECT_ROOT / ".run" / "evidence",
        description="content-addressed store of monitoring files and evidence documents",
    )
    oracle_units_file: Path | None = Field(
        default=None, description="units file (credit code → address, outlets); else on chain"
    )
    oracle_periods_file: Path | None = Field(
        default=None, description="compliance periods file (id → span); else on chain"
    )
    oracle_registry_contract: str = "AccountRegistry"
    oracle_compliance_contract: str = "ComplianceManager"
    oracle_keystore: Path | None = Field(
        default=None, description="keystore of the verifier whose service this is"
    )
    oracle_keystore_password: SecretStr | None = None
    oracle_relayer_keystore: Path | None = None
    oracle_relayer_password: SecretStr | None = None
    oracle_signature_ttl: int = Field(default=24 * 3600, description="seconds a signature lives")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
