"""Run the whole product locally: chain, contracts, demo data, API and explorer.

    python -m backend.devstack          (what `make run` calls)

Starts anvil on the project's own port, deploys and seeds the demo through Brownie
(network ``drr-local-<port>``), then serves the API and explorer. Ctrl-C stops everything.
Ports come from ``DRR_CHAIN_PORT`` (default 18545) and ``DRR_API_PORT`` (default 8700).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import requests

from backend.chain.devkeys import DEV_MNEMONIC
from backend.toolchain import networks

ROOT = Path(__file__).resolve().parents[1]
RUN_DIR = ROOT / ".run"
DEPLOYMENT_FILE = ROOT / "deployments" / "local.json"


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


def wait_for_rpc(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> int:
    """Wait until the node answers; returns its chain id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(
                f"the chain node exited with code {proc.returncode}; see .run/anvil.log"
            )
        try:
            body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
            return int(requests.post(url, json=body, timeout=1).json()["result"], 16)
        except (requests.RequestException, KeyError, ValueError):
            time.sleep(0.2)
    raise StackError(f"the chain node did not answer on {url} within {timeout:.0f} s")


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(
                f"the service exited with code {proc.returncode}; see .run/service.log"
            )
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise StackError(f"the service did not answer on {url} within {timeout:.0f} s")


def start_chain(port: int) -> subprocess.Popen:
    anvil = ROOT / "node_modules" / ".bin" / "anvil"
    log = (RUN_DIR / "anvil.log").open("w")
    settings = networks.ANVIL_SETTINGS
    cmd = [
        str(anvil),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--mnemonic", DEV_MNEMONIC,
        "--accounts", str(settings["accounts"]),
        "--block-base-fee-per-gas", str(settings["base_fee"]),
        "--gas-limit", str(settings["gas_limit"]),
        "--hardfork", settings["evm_version"],
        "--chain-id", str(settings["chain_id"]),
    ]  # fmt: skip
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def brownie_env(home: Path | None = None) -> dict[str, str]:
    """The environment of a Brownie subprocess: the project's compiler and anvil; with ``home``,
    a Brownie home of the run's own (``networks.brownie_home``) instead of the user's."""
    env = dict(os.environ)
    if home is not None:
        env["HOME"] = str(home)
    env["SOLCX_BINARY_PATH"] = str(ROOT / ".solc")
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def local_network(port: int) -> str:
    """The Brownie network id of the local chain on ``port``."""
    return f"drr-local-{port}"


def seed(port: int) -> Path:
    """Deploy and load the demo city through Brownie; returns the deployment file."""
    network = local_network(port)
    networks.ensure({network: port})
    brownie = Path(sys.executable).with_name("brownie")
    env = brownie_env()
    env["DRR_DEPLOYMENT_FILE"] = str(DEPLOYMENT_FILE)
    # Brownie's own chain.sleep/mine/snapshot warn that rpc.* "should not be called directly"
    # (its caller check misfires): noise for whoever watches the demo load
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"),
                                                   "ignore:rpc.:FutureWarning"]))  # fmt: skip
    subprocess.run(
        [str(brownie), "run", "scripts/demo.py", "--network", network],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    return DEPLOYMENT_FILE


def start_service(api_port: int, rpc_url: str, deployment_file: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DRR_RPC_URL=rpc_url,
        DRR_DEPLOYMENT_FILE=str(deployment_file),
        DRR_DATABASE_URL=f"sqlite:///{RUN_DIR / 'index.db'}",
    )
    log = (RUN_DIR / "service.log").open("w")
    cmd = [
        sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(api_port),
    ]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run() -> int:
    chain_port = int(os.environ.get("DRR_CHAIN_PORT", "18545"))
    api_port = int(os.environ.get("DRR_API_PORT", "8700"))
    require_free(chain_port, "local chain", "LOCAL_PORT")
    require_free(api_port, "API and explorer", "API_PORT")
    RUN_DIR.mkdir(exist_ok=True)
    (RUN_DIR / "index.db").unlink(missing_ok=True)

    procs: list[subprocess.Popen] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a shell that starts us in the background may have ignored SIGINT.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        rpc_url = f"http://127.0.0.1:{chain_port}"
        print(f"[1/3] starting the local chain (anvil) on {rpc_url}", flush=True)
        procs.append(start_chain(chain_port))
        chain_id = wait_for_rpc(rpc_url, procs[0])
        print(f"      chain id {chain_id}", flush=True)
        print("[2/3] deploying the contracts and loading the demo city", flush=True)
        deployment_file = seed(chain_port)
        print(f"[3/3] starting the API and explorer on port {api_port}", flush=True)
        procs.append(start_service(api_port, rpc_url, deployment_file))
        url = f"http://127.0.0.1:{api_port}"
        wait_for_http(f"{url}/api/v1/deployment", procs[1])
        print(
            f"\n  Explorer:  {url}/\n  API docs:  {url}/docs\n  Chain RPC: {rpc_url}\n"
            f"  Logs:      {RUN_DIR}/\n\nPress Ctrl-C to stop.",
            flush=True,
        )
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        dead = next(p for p in procs if p.poll() is not None)
        print(
            f"error: {dead.args[0]} exited with code {dead.returncode}; see {RUN_DIR}/",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    except (StackError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        stop(procs)


def main(argv: list[str]) -> int:
    """``run`` (default), or ``check-port PORT WHAT VARIABLE`` for the Makefile."""
    if argv[:1] == ["check-port"] and len(argv) == 4:
        try:
            require_free(int(argv[1]), argv[2], argv[3])
        except StackError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    return run()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
