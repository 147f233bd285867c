"""The processes of a local stack: free ports, waiting for a node or the service to answer,
Brownie's environment, stopping (``make run``, ``make network``, backups, benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


class StackError(RuntimeError):
    """The stack cannot start; the message says why and what to do."""


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def require_free(port: int, what: str, variable: str) -> None:
    if port_taken(port):
        raise StackError(
            f"port {port} ({what}) is already in use. Stop whatever listens there "
            f"(e.g. an earlier `make run`), or choose another port: make <target> {variable}=<port>"
        )


def wait_for_rpc(
    url: str, proc: subprocess.Popen, timeout: float = 30.0, log: Path | str = ".run/"
) -> int:
    """Wait until the node answers; returns its chain id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"the chain node exited with code {proc.returncode}; see {log}")
        try:
            body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
            return int(requests.post(url, json=body, timeout=1).json()["result"], 16)
        except (requests.RequestException, KeyError, ValueError):
            time.sleep(0.2)
    raise StackError(f"the chain node did not answer on {url} within {timeout:.0f} s")


def wait_for_http(
    url: str, proc: subprocess.Popen, timeout: float = 60.0, log: Path | str = ".run/"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"the service exited with code {proc.returncode}; see {log}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise StackError(f"the service did not answer on {url} within {timeout:.0f} s")


def brownie_env(home: Path | None = None) -> dict[str, str]:
    """The environment of a Brownie subprocess: the project's compiler and anvil; with ``home``,
    a Brownie home of the run's own (``networks.brownie_home``) instead of the user's."""
    env = dict(os.environ)
    if home is not None:
        env["HOME"] = str(home)
    env["SOLCX_BINARY_PATH"] = str(ROOT / ".solc")
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
