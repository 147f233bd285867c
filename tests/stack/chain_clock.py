"""Move the local chain's clock: ``python -m tests.stack.chain_clock RPC_URL SECONDS`` (anvil's
``evm_increaseTime`` and one block). The docs runner's ``sleep``: the regulator council's delay
passes without waiting for it."""

from __future__ import annotations

import sys

from backend.stack.anvil import Rpc


def main(url: str, seconds: str) -> None:
    rpc = Rpc(url)
    rpc("evm_increaseTime", int(float(seconds)))
    rpc("evm_mine")


if __name__ == "__main__":
    main(*sys.argv[1:3])
