"""JSON-RPC failover across several nodes of the same chain (``DRR_RPC_URLS``).

The service talks plain JSON-RPC to whichever node is in use (geth Clique here, Hyperledger Besu
QBFT for operators who run it: nothing node-specific is asked). When that node cannot be
reached, the request goes to the next one in the list, which then stays in use.

Writes are never duplicated: the service only sends transactions it (or a party) signed, as
``eth_sendRawTransaction``. Resending the *same signed bytes* to another node is idempotent by
the transaction's hash — at most one transaction with that hash can ever be mined — so a send
that failed or timed out on a dying node is repeated, byte for byte, on the next node; an
answer there that the transaction is already known (or already mined: "nonce too low" for a
hash the node has) counts as success and returns the hash. Nothing is ever re-signed with a new
nonce here. ``eth_sendTransaction`` (the node signs) is not idempotent and is never repeated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import requests
from eth_utils import keccak
from hexbytes import HexBytes
from web3.providers.base import JSONBaseProvider
from web3.providers.rpc import HTTPProvider
from web3.types import RPCEndpoint, RPCResponse

from backend.chain.transport import node_provider

log = logging.getLogger(__name__)

NEVER_REPEATED = frozenset({"eth_sendTransaction", "personal_sendTransaction"})
_KNOWN = ("already known", "already imported", "known transaction")
_PROBABLY_MINED = ("nonce too low",)


class AllNodesDown(requests.ConnectionError):
    """No node in the list answered (a ``ConnectionError``: callers treat it as one)."""


class FailoverProvider(JSONBaseProvider):
    """A web3 provider over several HTTP endpoints of one chain, used in order."""

    def __init__(self, urls: Sequence[str], *, timeout: float = 30.0) -> None:
        if not urls:
            raise ValueError("FailoverProvider needs at least one RPC URL")
        super().__init__()
        self.urls = list(urls)
        # no retries inside a provider: a dead node is left at once for the next one
        self._providers = [
            node_provider(u, timeout=timeout, exception_retry_configuration=None) for u in self.urls
        ]
        self._current = 0
        self._lock = threading.Lock()

    @property
    def endpoint_uri(self) -> str:
        """The node in use."""
        return self.urls[self._current]

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:  # noqa: ANN401
        start = self._current
        last: Exception | None = None
        for step in range(len(self._providers)):
            index = (start + step) % len(self._providers)
            provider = self._providers[index]
            try:
                response = provider.make_request(method, params)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = exc
                if method in NEVER_REPEATED:
                    raise
                log.warning("RPC node %s failed (%s); trying the next one", self.urls[index], exc)
                continue
            if index != self._current:
                with self._lock:
                    self._current = index
                log.warning("RPC failover: now using %s", self.urls[index])
            if step > 0 and method == "eth_sendRawTransaction":
                return self._resent(provider, params, response)
            return response
        raise AllNodesDown(f"no RPC node answered {method}: {', '.join(self.urls)}") from last

    def _resent(self, provider: HTTPProvider, params: Any, response: RPCResponse) -> RPCResponse:  # noqa: ANN401
        """The answer to a raw transaction repeated on another node: "already known" is success,
        and so is "nonce too low" when this node has the transaction (it was mined)."""
        error = response.get("error")
        if not error:
            return response
        message = str(error.get("message", "")).lower() if isinstance(error, dict) else ""
        tx_hash = "0x" + keccak(HexBytes(params[0])).hex()
        ok = RPCResponse(jsonrpc="2.0", id=response.get("id", 0), result=tx_hash)  # type: ignore[typeddict-item]
        if any(text in message for text in _KNOWN):
            return ok
        if any(text in message for text in _PROBABLY_MINED):
            found = provider.make_request(RPCEndpoint("eth_getTransactionByHash"), [tx_hash])
            if found.get("result"):
                return ok
        return response

    def make_batch_request(self, requests_: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse]:  # type: ignore[override]
        return [self.make_request(method, params) for method, params in requests_]

    def is_connected(self, show_traceback: bool = False) -> bool:
        return any(p.is_connected(show_traceback) for p in self._providers)
