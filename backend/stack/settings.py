"""Where the default stack (``make run``) keeps its data and listens."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class StackSettings(BaseSettings):
    """Where the default stack keeps its data and listens (environment, prefix ``DRR_``)."""

    model_config = SettingsConfigDict(env_prefix="DRR_", env_file=".env", extra="ignore")

    data_dir: Path = ROOT / "data"
    chain_port: int = 18545
    api_port: int = 8700
    state_interval_seconds: float = 2.0
