"""Service settings, read from the environment (prefix ``DRR_``) and an optional ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything the service needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="DRR_", env_file=".env", extra="ignore")

    rpc_url: str = Field(
        default="http://127.0.0.1:18545", description="JSON-RPC endpoint of a chain node"
    )
    public_rpc_url: str | None = Field(
        default=None,
        description="the chain's RPC URL as a company's wallet reaches it (offered to the wallet "
        "to add the chain, EIP-3085); default: the service's own rpc_url",
    )
    chain_name: str = Field(
        default="排污权登记与交易链", description="the chain's name a wallet shows (EIP-3085)"
    )
    rpc_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="several JSON-RPC endpoints of the same chain, comma-separated, used in "
        "order with failover (backend/chain/failover.py); when set, it replaces DRR_RPC_URL",
    )
    # -- validator network (backend/services/validators.py, docs/operations.md) ----------------
    validator_engine: Literal["clique", "qbft"] = Field(
        default="clique", description="consensus of the chain: geth Clique or Besu QBFT"
    )
    validator_nodes: dict[str, str] = Field(
        default_factory=dict,
        description='JSON {"<authority account>": "<admin RPC URL of the validator node it '
        'runs>"}: where a vote of that authority is cast (clique_propose / clique_discard)',
    )
    deployment_file: Path = Field(
        default=PROJECT_ROOT / "deployments" / "local.json",
        description="addresses and ABIs written by scripts/deploy.py",
    )
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / '.run' / 'index.db'}",
        description="SQLAlchemy URL of the event index (SQLite or PostgreSQL)",
    )
    relay_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the relayer's idempotency store; default: the index's "
        "database on PostgreSQL, a file of its own beside a SQLite index (``index.db`` → "
        "``index-relay.db``), so a relay never waits for the indexer's write lock",
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
    # -- relayer (backend/chain/relayer.py): the service's own key, never a company's --------
    relayer_private_key: SecretStr | None = Field(
        default=None, description="relayer key (hex); else DRR_RELAYER_KEYSTORE"
    )
    relayer_keystore: Path | None = Field(
        default=None, description="keystore v3 file of the relayer key"
    )
    relayer_password: SecretStr | None = Field(
        default=None, description="password of DRR_RELAYER_KEYSTORE"
    )
    relayer_priority_fee_wei: int | None = Field(
        default=None, ge=0, description="priority fee per gas; default: ask the node"
    )
    receipt_timeout_seconds: float = Field(
        default=60.0, gt=0, description="how long a request waits for its transaction"
    )
    relay_batch_max_calls: int = Field(
        default=64,
        ge=0,
        le=256,
        description="signed orders sent together in one RelayBatch transaction at most "
        "(backend/chain/batching.py); 0 or 1: each order in a transaction of its own",
    )
    relay_batch_linger_ms: float = Field(
        default=5.0,
        ge=0,
        le=1000,
        description="how long the batch sender waits for the orders arriving just behind the "
        "first one (only while fewer than the maximum wait)",
    )
    relayer_stale_claim_seconds: float = Field(
        default=300.0,
        gt=0,
        description="a request that claimed an idempotency key and sent nothing for this long "
        "is taken to have died (a killed service): a retry takes the key over",
    )

    # -- bounded work for every caller (backend/api/guard.py, docs/security.md) ---------------
    max_body_bytes: int = Field(
        default=1 << 20,
        gt=0,
        description="largest request body (bytes) of every endpoint but "
        "the monitoring upload; larger: 413 RequestTooLarge",
    )
    oracle_max_upload_bytes: int = Field(
        default=32 << 20,
        gt=0,
        description="largest monitoring upload (bytes, all files; a year of hourly data of one "
        "unit is about 5 MB)",
    )
    rate_limit_enabled: bool = Field(
        default=True, description="per-client and per-signer rate limits (429 RateLimited)"
    )
    rate_limit_reads_per_second: float = Field(default=20.0, gt=0)
    rate_limit_reads_burst: float = Field(default=200.0, ge=1)
    rate_limit_writes_per_second: float = Field(default=5.0, gt=0)
    rate_limit_writes_burst: float = Field(default=60.0, ge=1)
    rate_limit_uploads_per_minute: float = Field(
        default=6.0, gt=0, description="monitoring uploads per client"
    )
    rate_limit_uploads_burst: float = Field(default=3.0, ge=1)
    rate_limit_concurrent: int = Field(
        default=16, ge=1, description="requests of one client in progress at once"
    )
    rate_limit_signer_per_second: float = Field(
        default=1.0, gt=0, description="prepares and submits per signer (each its own budget)"
    )
    rate_limit_signer_burst: float = Field(default=30.0, ge=1)

    # -- public reads answered from memory (backend/api/cache.py, docs/explorer.md) ----------
    response_cache_enabled: bool = Field(
        default=True,
        description="keep the public pages' and the public API's answers per index block",
    )
    response_cache_max_entries: int = Field(default=512, ge=1, description="answers kept")
    response_cache_max_bytes: int = Field(
        default=16 << 20, ge=1, description="bytes of answers kept (bodies and headers)"
    )
    response_cache_seconds: float = Field(
        default=5.0,
        gt=0,
        description="longest an answer is reused while the index stands still (figures that "
        "follow the clock, e.g. a benchmark coming into force, are at most this late)",
    )

    # -- signed actions (backend/services/actions/) ---------------------------------------
    action_ttl_seconds: int = Field(
        default=3600, gt=0, description="default validity of a prepared action"
    )
    action_max_ttl_seconds: int = Field(
        default=30 * 86400, gt=0, description="latest deadline a prepared action may carry"
    )
    action_min_margin_seconds: int = Field(
        default=30, ge=0, description="a signed action must stay valid this long to be relayed"
    )

    # -- indexer (backend/indexer/) ----------------------------------------------------------
    indexer_enabled: bool = Field(default=True, description="run the indexer inside the service")
    indexer_poll_seconds: float = Field(default=2.0, gt=0)
    indexer_confirmations: int = Field(
        default=0, ge=0, description="blocks behind the head the indexer stays"
    )
    indexer_chunk_blocks: int = Field(
        default=2000, gt=0, description="first eth_getLogs range; adapts to the node"
    )
    indexer_max_chunk_blocks: int = Field(
        default=100_000, gt=0, description="largest eth_getLogs range the indexer grows to"
    )

    # -- command-line tool (backend/cli/) -----------------------------------------------------
    api_url: str = Field(default="http://127.0.0.1:8700", description="service the CLI talks to")
    wallet_dir: Path = Field(
        default=Path.home() / ".drr" / "wallets", description="keystore files of the CLI"
    )
    wallet_password: SecretStr | None = Field(
        default=None, description="password of the CLI's keystore (else prompted)"
    )

    @field_validator("rpc_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [u.strip() for u in value.split(",") if u.strip()]
        return value

    @property
    def relay_database(self) -> str:
        """Where the relayer keeps its idempotency keys (see ``relay_database_url``)."""
        if self.relay_database_url:
            return self.relay_database_url
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return self.database_url
        index = Path(url.database)
        return url.set(
            database=str(index.with_name(f"{index.stem}-relay{index.suffix}"))
        ).render_as_string(hide_password=False)

    @property
    def rpc_endpoints(self) -> list[str]:
        """The nodes the service uses, in order: ``DRR_RPC_URLS``, else ``DRR_RPC_URL``."""
        return list(self.rpc_urls) or [self.rpc_url]


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
