"""A JSON-RPC proxy in front of the test chain that records what the service asks the node.

Each HTTP request the service sends is one round trip (a JSON-RPC batch is one); the proxy
keeps, per round trip, the methods it carried, and forwards it unchanged.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class RpcCounter:
    """``with RpcCounter(upstream) as counter:`` → ``counter.url`` for the service."""

    def __init__(self, upstream: str, *, without: frozenset[str] = frozenset()) -> None:
        """``without``: methods answered "method not found", as a node without that API."""
        self.upstream = upstream
        self.round_trips: list[list[str]] = []
        self._lock = threading.Lock()
        counter = self
        session = requests.Session()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body)
                calls = payload if isinstance(payload, list) else [payload]
                with counter._lock:
                    counter.round_trips.append([c.get("method", "?") for c in calls])
                refused = [c for c in calls if c.get("method") in without]
                if refused:
                    body = json.dumps(_answer_without(calls, without, counter.upstream)).encode()
                    if not isinstance(payload, list):
                        body = json.dumps(json.loads(body)[0]).encode()
                    status, content = 200, body
                else:
                    answer = session.post(
                        counter.upstream, data=body, headers={"Content-Type": "application/json"}
                    )
                    status, content = answer.status_code, answer.content
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> RpcCounter:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def take(self) -> list[list[str]]:
        """The round trips recorded since the last call (and forget them)."""
        with self._lock:
            taken, self.round_trips = self.round_trips, []
        return taken


def _answer_without(calls: list[dict], without: frozenset[str], upstream: str) -> list[dict]:
    """The answers to ``calls`` with those of the methods ``without`` "method not found"."""
    kept = [c for c in calls if c.get("method") not in without]
    answers = requests.post(upstream, json=kept, timeout=30).json() if kept else []
    by_id = {a.get("id"): a for a in answers}
    missing = {"code": -32601, "message": "the method does not exist/is not available"}
    return [
        by_id[c.get("id")] if c.get("method") not in without else
        {"jsonrpc": "2.0", "id": c.get("id"), "error": missing}
        for c in calls
    ]  # fmt: skip
