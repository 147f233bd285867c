"""The node's HTTP transport (backend/chain/transport.py): the same answers as web3's requests
session, one kept-alive connection for many round trips, and the node's failures raised as the
``requests`` errors the service tells apart (503 NodeUnavailable, failover, retries)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.providers.rpc import HTTPProvider

from backend.chain.client import connect_web3
from backend.chain.failover import FailoverProvider
from backend.chain.reads import Reads
from backend.chain.transport import PooledPost, node_provider


class _Node(BaseHTTPRequestHandler):
    """A JSON-RPC node answering ``eth_chainId`` and ``eth_blockNumber``; the server's
    ``mode`` makes it fail as a real one can."""

    protocol_version = "HTTP/1.1"  # keep-alive, as geth and anvil

    def log_message(self, *args: object) -> None:
        return None

    def do_POST(self) -> None:  # http.server's name
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server.requests += 1  # type: ignore[attr-defined]
        server.paths.append(self.path)  # type: ignore[attr-defined]
        mode = server.mode  # type: ignore[attr-defined]
        if mode == "hang":
            time.sleep(3)
            return
        if mode == "drop":  # closes the connection without an answer
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "500":
            self.send_response(500, "Internal Server Error")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = json.loads(body)

        def answer(one: dict) -> dict:
            if one["method"] == "eth_chainId":
                return {"jsonrpc": "2.0", "id": one["id"], "result": "0x539"}
            if one["method"] == "eth_blockNumber":
                return {"jsonrpc": "2.0", "id": one["id"], "result": "0x2a"}
            return {
                "jsonrpc": "2.0",
                "id": one["id"],
                "error": {"code": -32601, "message": "the method does not exist"},
            }

        out = [answer(r) for r in request] if isinstance(request, list) else answer(request)
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Node)
        self.mode = "ok"
        self.requests = 0
        self.paths: list[str] = []
        self.connections = 0

    def get_request(self) -> tuple[socket.socket, object]:
        self.connections += 1
        return super().get_request()


@pytest.fixture
def node() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_answers_are_those_of_web3s_own_session_and_one_connection_carries_them(node):
    pooled = Web3(node_provider(_url(node), timeout=5))
    plain = Web3(HTTPProvider(_url(node), request_kwargs={"timeout": 5}))
    assert isinstance(pooled.provider._request_session_manager, PooledPost)
    for _ in range(20):
        assert pooled.eth.chain_id == plain.eth.chain_id == 1337
    # a batch of reads (backend/chain/reads.py), each answered in its place
    reads = Reads(pooled)
    number = reads.add("eth_blockNumber", [], lambda r: int(r, 16))
    unknown = reads.add("eth_nothing", [])
    reads.send()
    assert number.value() == 42
    with pytest.raises(Web3RPCError, match="does not exist"):
        unknown.value()
    connections = node.connections
    assert [pooled.eth.block_number for _ in range(30)] == [42] * 30
    assert node.connections == connections  # kept alive: no new connection per round trip


def test_the_service_connects_through_the_pool_and_a_proxy_keeps_requests(node, monkeypatch):
    assert isinstance(connect_web3(_url(node)).provider._request_session_manager, PooledPost)
    failover = FailoverProvider([_url(node), _url(node)], timeout=5)
    assert all(isinstance(p._request_session_manager, PooledPost) for p in failover._providers)
    # requests reads a proxy from the environment; urllib3 does not: such a node keeps requests
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    provider = node_provider(_url(node), timeout=5)
    assert not isinstance(provider._request_session_manager, PooledPost)
    assert Web3(provider).eth.chain_id == 1337  # the proxy is for https only


def test_a_node_that_is_down_is_a_connection_error():
    post = PooledPost()
    with pytest.raises(requests.ConnectionError):
        post.make_post_request(f"http://127.0.0.1:{_free_port()}", b"{}", timeout=2)
    provider = node_provider(
        f"http://127.0.0.1:{_free_port()}", timeout=2, exception_retry_configuration=None
    )
    with pytest.raises(requests.ConnectionError):
        _ = Web3(provider).eth.block_number


def test_a_node_that_does_not_answer_in_time_is_a_read_timeout(node):
    node.mode = "hang"
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        PooledPost().make_post_request(_url(node), b"{}", timeout=0.5)
    assert time.monotonic() - started < 2.5  # the timeout, not the node's silence


def test_a_node_that_drops_the_connection_is_a_connection_error(node):
    node.mode = "drop"
    with pytest.raises(requests.ConnectionError):
        PooledPost().make_post_request(_url(node), b"{}", timeout=2)


def test_an_http_error_status_is_an_http_error_and_web3_retries_it(node):
    node.mode = "500"
    with pytest.raises(requests.HTTPError, match="500 Server Error"):
        PooledPost().make_post_request(_url(node), b"{}", timeout=2)
    # web3's own retries above the transport are kept: eth_chainId is retried five times
    provider = node_provider(_url(node), timeout=2)
    provider.exception_retry_configuration.backoff_factor = 0.01
    before = node.requests
    with pytest.raises(requests.HTTPError):
        _ = Web3(provider).eth.chain_id
    assert node.requests - before == provider.exception_retry_configuration.retries


def test_a_node_back_after_a_restart_is_reached_again():
    port = _free_port()
    post = PooledPost()
    with pytest.raises(requests.ConnectionError):
        post.make_post_request(f"http://127.0.0.1:{port}/", b"{}", timeout=2)
    server = _Server.__new__(_Server)
    ThreadingHTTPServer.__init__(server, ("127.0.0.1", port), _Node)
    server.mode, server.requests, server.connections, server.paths = "ok", 0, 0, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode()
        headers = {"Content-Type": "application/json"}
        answer = post.make_post_request(f"http://127.0.0.1:{port}/", body, timeout=2,
                                        headers=headers)  # fmt: skip
        assert json.loads(answer)["result"] == "0x539"
    finally:
        server.shutdown()
        server.server_close()


def test_a_node_behind_a_path_is_posted_to_that_path_through_one_pool(node):
    """A node served under a path and query (a gateway's ``/rpc/<project>?key=…``) gets every
    request there; two URLs of the same host are two nodes to the transport, each its own."""
    post = PooledPost()
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode()
    headers = {"Content-Type": "application/json"}
    for url in (f"{_url(node)}/rpc/city?key=a1", f"{_url(node)}/rpc/city?key=a1", _url(node)):
        answer = post.make_post_request(url, body, timeout=2, headers=headers)
        assert json.loads(answer)["result"] == "0x539"
    assert node.paths[-3:] == ["/rpc/city?key=a1", "/rpc/city?key=a1", "/"]
