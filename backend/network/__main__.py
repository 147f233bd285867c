"""Command line of the local validator network.

    python -m backend.network build [--background] [--quiet]   geth v1.13.15 into .cache/geth/
    python -m backend.network init     genesis, dev keys, static peers (wipes .run/network/)
    python -m backend.network start [NODE ...]    default: the 3 validators and the RPC node
    python -m backend.network stop [NODE ...]     default: every node
    python -m backend.network status
    python -m backend.network run      what `make network` runs: everything + API and explorer

Nodes: city_regulator, exchange_operator, district_regulator (validators), rpc (the service's
node), district_regulator_2 (a validator candidate). Ports from ``DRR_GETH_BASE_PORT``
(default 18600; see backend/network/nodes.py for the layout).
"""

from __future__ import annotations

import argparse
import sys

from backend.network import geth
from backend.network.nodes import RPC_NODE, NetworkError, network


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backend.network",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build geth (skipped when cached)")
    build.add_argument("--background", action="store_true", help="start the build and return")
    build.add_argument("--quiet", action="store_true")
    sub.add_parser("init", help="write genesis and keys, geth init every node (wipes data)")
    start = sub.add_parser("start", help="start nodes")
    start.add_argument("nodes", nargs="*")
    stop = sub.add_parser("stop", help="stop nodes")
    stop.add_argument("nodes", nargs="*")
    stop.add_argument("--kill", action="store_true", help="SIGKILL: the node dies")
    sub.add_parser("status", help="each node: running, block, peers")
    sub.add_parser("run", help="build, start, deploy, seed, serve (make network)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            if args.background:
                if geth.build_in_background():
                    print(f"geth build started in the background (log: {geth.CACHE_DIR}/)")
            else:
                geth.build(quiet=args.quiet)
            return 0
        if args.command == "run":
            from backend.network import stack

            return stack.run()
        geth.ensure()
        net = network()
        if args.command == "init":
            net.init()
            print(f"network initialised in {net.root} (chain id {net.chain_id})")
        elif args.command == "start":
            net.start(*args.nodes)
            for name in args.nodes or net.default_nodes():
                print(f"{name:22} {net.url(name)}")
        elif args.command == "stop":
            for name in args.nodes or list(net.specs):
                net.stop(name, kill=args.kill)
        elif args.command == "status":
            for name, spec in net.specs.items():
                if not net.running(name):
                    print(f"{name:22} stopped")
                    continue
                block = net.block_number(name)
                peers = int(str(net.rpc(name, "net_peerCount")), 16)
                role = "validator" if spec.validator else "rpc" if name == RPC_NODE else "node"
                print(f"{name:22} {role:9} {spec.url}  block {block}  peers {peers}")
    except (geth.GethUnavailableError, NetworkError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
