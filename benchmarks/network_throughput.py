"""Rights trades per second: the 3-validator Clique network next to anvil.

    make bench-network        → benchmarks/results/network_throughput.json

A trade is a listing taken at the ask (R-14), settled delivery versus payment in one transaction
(R-16, every rule of the ledger checked). The market (``backend/network/market.py``): 4 sellers
with certified paid COD, 8 buyers with money at the exchange, ``DRR_BENCH_TRADES`` listings
(default 300) made beforehand. Then every buyer signs its takes (consecutive nonces), all are
sent as fast as one client can, and the clock runs from the first send to the last receipt.

- geth: 3 validators (city regulator, exchange, district regulator), one block per second, the
  client sends to the RPC node; ports ``DRR_GETH_TEST_BASE_PORT`` … +24.
- anvil: one node, a block per transaction (automine), port ``BENCH_PORT``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from web3 import Web3

from backend import devstack
from backend.chain.client import connect_web3
from backend.network import geth
from backend.network.batch import BUILD, Batch, wait_receipt
from backend.network.market import deploy_market, list_lots
from backend.network.nodes import RPC_NODE, Network
from backend.stack import processes
from benchmarks.common import BENCH_PORT, ROOT, write_result

TRADES = int(os.environ.get("DRR_BENCH_TRADES", "300"))
GETH_BASE = int(os.environ.get("DRR_GETH_TEST_BASE_PORT", "18625"))
LOT_KG = 1_000


def measure(w3: Web3) -> dict:
    market = deploy_market(w3, sellers=4, buyers=8)
    started = time.monotonic()
    listings = list_lots(market, TRADES, LOT_KG)
    list_seconds = time.monotonic() - started
    batch = Batch(w3)
    signed = []
    for i, listing in enumerate(listings):
        buyer = market.buyers[i % len(market.buyers)]
        data = market.exchange.encode_abi("take", args=[listing])
        signed.append(
            batch.sign(buyer, {"to": market.exchange.address, "data": data, "gas": 300_000})
        )
    started = time.monotonic()
    for _tx_hash, raw in signed:
        w3.eth.send_raw_transaction(raw)
    sent = time.monotonic() - started
    receipts = [wait_receipt(w3, tx_hash, 300) for tx_hash, _ in signed]
    seconds = time.monotonic() - started
    assert all(r["status"] == 1 for r in receipts), "a take reverted"
    blocks = sorted({r["blockNumber"] for r in receipts})
    per_block = [sum(1 for r in receipts if r["blockNumber"] == b) for b in blocks]
    return {
        "trades": TRADES,
        "seconds": round(seconds, 2),
        "trades_per_second": round(TRADES / seconds, 1),
        "send_seconds": round(sent, 2),
        "blocks": len(blocks),
        "max_trades_per_block": max(per_block),
        "gas_per_trade": int(sum(r["gasUsed"] for r in receipts) / len(receipts)),
        "listings_per_second": round(TRADES / list_seconds, 1),
    }


def on_geth() -> dict:
    net = Network(
        ROOT / ".run" / f"bench-network-{GETH_BASE}", base_port=GETH_BASE, geth=geth.ensure()
    )
    net.init()
    try:
        net.up()
        return measure(connect_web3(net.url(RPC_NODE), timeout=60))
    finally:
        net.stop_all()


def on_anvil() -> dict:
    processes.require_free(BENCH_PORT, "benchmark chain", "BENCH_PORT")
    devstack.RUN_DIR.mkdir(exist_ok=True)
    proc = devstack.start_chain(BENCH_PORT)
    try:
        url = f"http://127.0.0.1:{BENCH_PORT}"
        processes.wait_for_rpc(url, proc)
        return measure(connect_web3(url, timeout=60))
    finally:
        processes.stop([proc])


def main() -> int:
    if not (BUILD / "Exchange.json").exists():
        brownie = Path(sys.executable).with_name("brownie")
        subprocess.run([str(brownie), "compile"], cwd=ROOT, env=processes.brownie_env(), check=True)
    results = {"anvil (automine)": on_anvil(), "geth Clique, 3 validators, 1 s blocks": on_geth()}
    for chain, figures in results.items():
        print(f"{chain}: {figures}")
    path = write_result("network_throughput", {"results": results})
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
