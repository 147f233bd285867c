"""The service: REST API under ``/api/v1`` and the public explorer under ``/``."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import requests
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.api import cache, docs_pages, errors, guard
from backend.api.router import api_router
from backend.chain import relayer as relayer_module
from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.chain.errors import ErrorDecoder
from backend.chain.journal import Journal
from backend.chain.relayer import Relayer, relayer_account
from backend.core.config import Settings, get_settings
from backend.explorer import i18n, pages
from backend.indexer import projections
from backend.indexer.decode import EventDecoder
from backend.indexer.hooks import Hooks
from backend.indexer.scanner import Indexer, IndexerThread
from backend.indexer.store import create_schema, open_database
from backend.services.actions.catalogue import default_actions
from backend.services.actions.spec import ActionRegistry
from backend.services.operation_catalogue import default_operations

log = logging.getLogger(__name__)


def _telemetry() -> dict[str, bool] | None:
    """FastAPI's OpenTelemetry instrumentation: as FastAPI sets it when the environment
    configures OpenTelemetry (``OTEL_*``), else off. Left on without a provider, FastAPI looks
    for one in the environment on every request (docs/benchmarks.md)."""
    if any(name.startswith("OTEL_") or name.startswith("FASTAPI_OTEL") for name in os.environ):
        return None
    return {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None, actions: ActionRegistry | None = None) -> FastAPI:
    """Build the application; the lifespan opens the resources it shares.

    ``actions`` is the registry of signable actions (default: the product's). The registry of
    authority operations is built here, once, and handed to the routes and the council.
    """
    settings = settings or get_settings()
    if actions is None:
        actions = default_actions(_deployed_contracts(settings))
    operations = default_operations()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        deployment = Deployment.load(settings.deployment_file)
        chain = Chain.connect(settings.rpc_endpoints, deployment)
        engine = open_database(settings.database_url)
        create_schema(engine, projections.metadata)
        relay_url = settings.relay_database
        own_file = relay_url != settings.database_url
        relay_engine = open_database(relay_url) if own_file else engine
        relayer_module.metadata.create_all(relay_engine)
        # every transaction the service sends is journaled first; lost ones go back on chain
        # before anything new is sent (backend/chain/journal.py). The journal commits durably
        # (synchronous=FULL on SQLite): that sync of the write-ahead log also carries every
        # earlier commit of the relayer's rows in the same file (the key claimed, the batch
        # marked sent), so each of them is on disk before its transaction reaches the node,
        # without a sync of its own per order
        journal_engine = open_database(relay_url, durable=True) if own_file else relay_engine
        journal = Journal(journal_engine)
        chain.w3.middleware_onion.add(journal.middleware(), name="journal")
        try:
            journal.recover(chain.w3)
        except Exception as exc:  # the service starts; sends wait for the recovery
            log.warning("journal recovery continues in the background: %s", exc)
            journal.recover_in_background(chain.w3)
        app.state.journal = journal
        decoder = ErrorDecoder.from_abis({n: c.abi for n, c in deployment.contracts.items()})
        app.state.chain = chain
        app.state.engine = engine
        app.state.events = EventDecoder.for_deployment(deployment)
        app.state.relayer = Relayer(
            w3=chain.w3,
            account=relayer_account(
                chain_id=deployment.chain_id,
                private_key=_secret(settings.relayer_private_key),
                keystore=settings.relayer_keystore,
                password=_secret(settings.relayer_password),
            ),
            engine=relay_engine,
            decoder=decoder,
            receipt_timeout=settings.receipt_timeout_seconds,
            priority_fee_wei=settings.relayer_priority_fee_wei,
            stale_claim_seconds=settings.relayer_stale_claim_seconds,
            chain_id=deployment.chain_id,
        )
        _enable_batching(app.state.relayer, chain, settings)
        try:
            for problem in actions.check(chain):
                log.error("signed action misconfigured: %s", problem)
        except requests.ConnectionError as exc:  # the node may come up after the service
            log.warning("cannot check the signed actions against the chain yet: %s", exc)
        indexer_thread = None
        if settings.indexer_enabled:
            indexer = Indexer(
                # its own connection: the indexer's reads never queue behind requests
                w3=Chain.connect(settings.rpc_endpoints, deployment).w3,
                engine=engine,
                deployment=deployment,
                confirmations=settings.indexer_confirmations,
                chunk_blocks=settings.indexer_chunk_blocks,
                max_chunk_blocks=settings.indexer_max_chunk_blocks,
                hooks=Hooks([projections.read_model()]),
            )
            indexer.create_schema()
            indexer_thread = IndexerThread(indexer, settings.indexer_poll_seconds)
            indexer_thread.start()
        app.state.indexer = indexer_thread.indexer if indexer_thread else None
        if settings.response_cache_enabled:
            # its own engine: read on the event loop, never waiting behind the routes' pool
            app.state.index_head = cache.IndexHead(
                open_database(settings.database_url), deployment.chain_id
            )
        try:
            yield
        finally:
            if settings.response_cache_enabled:
                app.state.index_head.close()
            if indexer_thread is not None:
                indexer_thread.stop()
            journal.close()
            app.state.relayer.close()
            engine.dispose()
            relay_engine.dispose()
            journal_engine.dispose()

    app = FastAPI(
        title="Discharge Rights Registry API",
        version="1",
        description="Registry and exchange of discharge rights (排污权有偿使用和交易). "
        "Errors: see docs/api.md (one envelope, one status table).",
        lifespan=lifespan,
        docs_url=None,  # served from local files by backend/api/docs_pages.py
        redoc_url=None,
        telemetry=_telemetry(),
    )
    app.state.settings = settings
    app.state.actions = actions
    app.state.operations = operations
    app.state.signer_limits = _signer_limits(settings)
    errors.install(app, page=pages.error_page)
    _install_cache(app, settings)
    _install_guards(app, settings)
    app.include_router(docs_pages.router)
    app.include_router(api_router(actions, operations), prefix="/api/v1")
    app.include_router(pages.router)
    return app


def _deployed_contracts(settings: Settings) -> set[str]:
    """The contract names of the deployment record (none yet if it is not written): the routes
    of the signed actions are built before the lifespan opens the chain."""
    path = settings.deployment_file
    return set(Deployment.load(path).contracts) if path.is_file() else set()


def _signer_limits(settings: Settings) -> dict[str, guard.Limiter] | None:
    """Per-signer budgets of prepares and submits (each its own), or None when switched off."""
    if not settings.rate_limit_enabled:
        return None
    rate = guard.Rate(settings.rate_limit_signer_per_second, settings.rate_limit_signer_burst)
    return {"prepare": guard.Limiter(rate), "submit": guard.Limiter(rate)}


def _install_cache(app: FastAPI, settings: Settings) -> None:
    """Public reads answered once per index block (backend/api/cache.py), inside the rate limits
    and the security headers, which apply to a kept answer as to any other."""
    if not settings.response_cache_enabled:
        return
    app.state.response_cache = cache.AnswerStore(
        max_entries=settings.response_cache_max_entries,
        max_bytes=settings.response_cache_max_bytes,
        max_age=settings.response_cache_seconds,
    )
    app.add_middleware(
        cache.CachedReads,
        store=app.state.response_cache,
        head=lambda scope: getattr(scope["app"].state, "index_head", None),
        languages=i18n.LANGS,
    )


def _install_guards(app: FastAPI, settings: Settings) -> None:
    """Body limits inside, rate limits around them, security headers on every answer."""
    app.add_middleware(
        guard.BodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.oracle_max_upload_bytes,
    )
    if settings.rate_limit_enabled:
        app.add_middleware(
            guard.RateLimit,
            rates=guard.ClientRates(
                reads=guard.Rate(settings.rate_limit_reads_per_second,
                                 settings.rate_limit_reads_burst),
                writes=guard.Rate(settings.rate_limit_writes_per_second,
                                  settings.rate_limit_writes_burst),
                uploads=guard.Rate(settings.rate_limit_uploads_per_minute / 60,
                                   settings.rate_limit_uploads_burst),
                concurrent=settings.rate_limit_concurrent,
            ),
        )  # fmt: skip
    app.add_middleware(guard.SecurityHeaders)


def _secret(value: object) -> str | None:
    return value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]


def _enable_batching(relayer: Relayer, chain: Chain, settings: Settings) -> None:
    """Batch the relayed orders when the deployment has a ``RelayBatch`` whose
    ``RELAYER_ROLE`` the relayer's key holds (docs/operations.md); else one order per
    transaction, as before."""
    batch = chain.deployment.contracts.get("RelayBatch")
    if batch is None or relayer.address is None or settings.relay_batch_max_calls < 2:
        return
    contract = chain.w3.eth.contract(address=batch.address, abi=batch.abi)
    try:
        allowed = contract.functions.hasRole(
            contract.functions.RELAYER_ROLE().call(), relayer.address
        ).call()
    except (requests.ConnectionError, ContractLogicError, Web3RPCError) as exc:
        log.warning("relay batching off: cannot read RelayBatch's roles (%s)", exc)
        return
    if not allowed:
        log.warning(
            "relay batching off: the relayer %s lacks RelayBatch.RELAYER_ROLE", relayer.address
        )
        return
    # several service processes share a PostgreSQL store: one leader sends for all of them
    shared = make_url(settings.relay_database).get_backend_name() == "postgresql"
    relayer.enable_batching(
        address=batch.address,
        abi=batch.abi,
        max_calls=settings.relay_batch_max_calls,
        linger=settings.relay_batch_linger_ms / 1000,
        shared=shared,
    )
