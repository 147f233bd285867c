"""Write the figures of benchmarks/results/*.json into docs/benchmarks.md (the part between the
``<!-- bench:begin -->`` and ``<!-- bench:end -->`` markers), each beside its target and baseline.

    python -m benchmarks.report        (run by `make bench` at the end)
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.common import RESULTS, ROOT

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def n(value) -> str:
    """Thousands with a thin space, as the rest of the docs write them."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ")
    return f"{int(value):,}".replace(",", " ")


def yes(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def stamp(data: dict | None) -> str:
    if not data:
        return "not run"
    load = data.get("load_average")
    at = f", load average {load}" if load is not None else ""
    return f"measured {data.get('measured_at', '?')}, commit {data.get('commit', '?')}{at}"


def summary() -> list[str]:
    ex, life = load("gas_exchange"), load("gas_lifecycle")
    e2e, city, svc, pages = load("e2e_throughput"), load("city_scale"), load("service"), None
    pages = load("explorer_pages")
    rows: list[list[str]] = []
    if ex:
        limit = ex["target"]["limit"]
        ceiling = ex["target"]["gas"]  # the absolute limit, to a holder that has a balance
        pair = ex["target"]["baseline_pair_existing_holder"]
        for name in (
            "listing: take at the ask (existing holder)",
            "negotiated trade, buyer submits (existing holder)",
            "negotiated trade, buyer sends the service-built transaction (existing holder)",
            "negotiated trade, both signatures relayed (existing holder)",
        ):
            used = ex["operations"].get(name)
            if used is not None:
                rows.append(
                    [
                        f"gas: {name}",
                        n(used),
                        f"≤ {n(limit)} (1.5 × pair); ≤ {n(ceiling)}",
                        f"ERC-1155 + ERC-20 transfer {n(pair)}",
                        f"{yes(used <= limit)}; {yes(used <= ceiling)}",
                    ]
                )
    if life:
        t = life["target"]
        for name in ("surrender, one origin (paid)", "surrender, free then paid (R-24)"):
            used = life["operations"][name]
            rows.append(
                [
                    f"gas: {name}",
                    n(used),
                    f"≤ {n(t['limit'])}",
                    f"1.2 × ERC-1155 burn {n(t['erc1155_burn'])} + recording {n(t['recording'])}",
                    yes(used <= t["limit"]),
                ]
            )
    if e2e:
        s, r = e2e["service"], e2e["raw"]
        rows.append(
            [
                f"signed orders through the API, settled and indexed ({n(s['orders'])} in "
                f"{n(s['seconds_to_indexed'])} s, {s['signers']} signers)",
                f"{n(s['per_second'])} /s = {e2e['ratio']:.0%} of raw",
                "≥ 50 % of raw",
                f"raw pre-signed {n(r['per_second'])} tx/s",
                yes(e2e["met"]),
            ]
        )
    if city:
        rows.append(
            [
                f"city cycle, {n(city['units'])} units × {city['pollutants']} pollutants "
                f"({city.get('mode', '')}; {city.get('chain', '')})",
                f"{n(city['cycle_seconds'])} s",
                f"≤ {city['target_seconds']} s",
                "—",
                yes(city["met"]),
            ]
        )
    if svc:
        for db in ("sqlite", "postgresql"):
            c = svc.get(f"catch_up_{db}")
            if c:
                rows.append(
                    [
                        f"indexer catch-up, {db} ({n(c['events'])} events)",
                        f"{n(c['events_per_second'])} events/s",
                        "≥ 5 000 events/s",
                        "—",
                        yes(c["events_per_second"] >= 5_000),
                    ]
                )
    if pages and "databases" in pages:
        for db, p in pages["databases"].items():
            rows.append(
                [
                    f"explorer pages at {n(p['rows'])} indexed events, {db}, worst p95",
                    f"{p['worst_p95_ms']} ms",
                    f"< {pages['target_p95_ms']} ms",
                    "—",
                    yes(p["met"]),
                ]
            )
    mem: list[str] = []
    if e2e:
        mem.append(
            f"service under the end-to-end load {n(e2e['service'].get('service_peak_rss_mb'))}"
        )
    if svc and "relay" in svc:
        mem.append(f"service in the relay run {n(svc['relay'].get('service_peak_rss_mb'))}")
    for db in ("sqlite", "postgresql"):
        c = (svc or {}).get(f"catch_up_{db}") or {}
        if c.get("indexer_peak_rss_mb"):
            mem.append(f"indexer catching up into {db} {n(c['indexer_peak_rss_mb'])}")
    out = table(["figure", "measured", "target", "baseline (same run)", ""], rows)
    if mem:
        out += ["", "Peak memory (VmHWM, MB): " + "; ".join(mem) + "."]
    return out


def gas_tables() -> list[str]:
    out: list[str] = []
    reg, ex, life = load("gas_registry"), load("gas_exchange"), load("gas_lifecycle")
    if reg:
        out += ["", f"**Registry** (`gas_registry.py`, {stamp(reg)})", ""]
        out += table(["operation", "gas"], [[k, n(v)] for k, v in reg["operations"].items()])
    if ex:
        limit = ex["target"]["limit"]
        out += [
            "",
            f"**Exchange** (`gas_exchange.py`, {stamp(ex)}); limit for a settlement to an "
            f"existing holder: {n(limit)}",
            "",
        ]
        out += table(
            ["baseline (plain OpenZeppelin 5.4)", "gas"],
            [[k, n(v)] for k, v in ex["baselines"].items()],
        )
        out += [""]
        out += table(
            ["operation", "gas", f"≤ {n(limit)}"],
            [
                [k, n(v), (yes(v <= limit) if "existing holder" in k else "—")]
                for k, v in ex["operations"].items()
            ],
        )
    if life:
        t = life["target"]
        out += [
            "",
            f"**Compliance, reserve, leasing, lifecycle, attestation** (`gas_lifecycle.py`, "
            f"{stamp(life)}); surrender limit {n(t['limit'])} = 1.2 × {n(t['erc1155_burn'])} "
            f"+ {n(t['recording'])}",
            "",
        ]
        out += table(["baseline", "gas"], [[k, n(v)] for k, v in life["baselines"].items()])
        out += [""]
        out += table(["operation", "gas"], [[k, n(v)] for k, v in life["operations"].items()])
        for name, tree in life.get("surrender_profile", {}).items():
            out += [
                "",
                f"Call profile of *{name}* (gas per call frame, the callee's own "
                "figure excludes the 2 600 a cold call costs the caller):",
                "",
                "```",
            ]
            out += _tree(tree)
            out += ["```"]
    return out


def _tree(frame: dict, depth: int = 0) -> list[str]:
    lines = [f"{'  ' * depth}{frame['call']:<{60 - 2 * depth}} {frame['gas_used']:>8,}"]
    for child in frame.get("calls", []):
        lines += _tree(child, depth + 1)
    return lines


def throughput_tables() -> list[str]:
    out: list[str] = []
    e2e, svc, pages = load("e2e_throughput"), load("service"), load("explorer_pages")
    if e2e:
        s, r = e2e["service"], e2e["raw"]
        out += ["", f"**End to end** (`e2e_throughput.py`, {stamp(e2e)})", ""]
        out += table(
            ["run", "count", "seconds", "per second", "latency p50 / p95 (ms)"],
            [
                [
                    "raw: pre-signed `PledgeBook.pledge`, one pushing thread per company",
                    n(r["transactions"]),
                    n(r["seconds"]),
                    n(r["per_second"]),
                    "—",
                ],
                [
                    "service: `pledge` signed action, prepare → sign → submit, to indexed"
                    + (f" (indexer: {s['indexer']})" if s.get("indexer") else ""),
                    n(s["orders"]),
                    n(s["seconds_to_indexed"]),
                    n(s["per_second"]),
                    f"prepare {s['prepare_ms']['p50']} / {s['prepare_ms']['p95']}; "
                    f"submit (relay) {s['submit_ms']['p50']} / {s['submit_ms']['p95']}",
                ],
            ],
        )
        if "transactions" in s:
            out += [
                "",
                f"The service's orders went to the chain in {n(s['transactions'])} transactions "
                f"({s['orders_per_transaction']} orders per transaction, `RelayBatch`); load "
                f"average {s.get('load_average_at_start')} when the service phase started.",
            ]
        if "cpu_ceiling_per_second" in s:
            ceiling = s["cpu_ceiling_per_second"]
            out += [
                "",
                f"CPU per order (from /proc, over the run): service "
                f"{n(s['service_cpu_ms_per_order'])} ms ({s['service_cpu_share_of_one_core']:.0%} "
                f"of one core), anvil {n(s['node_cpu_ms_per_order'])} ms; per raw transaction: "
                f"anvil {n(r.get('node_cpu_ms_per_transaction'))} ms. At that cost this "
                f"machine's cores carry at most **{n(ceiling)} orders/s = "
                f"{ceiling / r['per_second']:.0%} of the raw rate**, were nothing else waiting.",
            ]
        prof = s.get("profile", {})
        if prof.get("inclusive_share"):
            out += [
                "",
                f"Where the service's busy threads were (py-spy, {n(prof['samples'])} "
                f"samples while {n(prof['orders_per_second_while_sampled'])} orders/s; "
                "share of samples inside the function, callees included):",
                "",
            ]
            out += table(
                ["function", "share"],
                [
                    [f"`{k})`", f"{v:.0%}"]
                    for k, v in list(prof["inclusive_share"].items())
                    if not k.startswith(("Thread.", "WorkerThread", "_run_sync"))
                ][:16],
            )
    for name in ("city_scale", "city_scale_2000_30m", "city_scale_2000_30m_per_call"):
        c = load(name)
        if not c:
            continue
        out += [
            "",
            f"**City scale: {n(c['units'])} units × {c['pollutants']} pollutants, "
            f"{c.get('mode', 'batch functions')}, {c.get('chain', '')}** (`city_scale.py`, "
            f"{stamp(c)}): whole cycle **{n(c['cycle_seconds'])} s**, {n(c['blocks'])} "
            "blocks",
            "",
        ]
        out += table(
            [
                "phase",
                "items",
                "tx",
                "blocks",
                "s",
                "items/s",
                "gas/item",
                "Mgas/s",
                "s: encode / send / mine / receipts",
                "ms per block mined, first → last",
            ],
            [
                [
                    k,
                    n(p.get("items")),
                    n(p["transactions"]),
                    n(p["blocks"]),
                    n(p["seconds"]),
                    n(p.get("items_per_second")),
                    n(
                        round(
                            p["gas_per_transaction"] * p["transactions"] / max(p.get("items", 1), 1)
                        )
                    ),
                    n(p.get("mgas_per_second")),
                    " / ".join(n(x) for x in p.get("seconds_by_step", {}).values()),
                    f"{n(p.get('mine_ms_first_blocks'))} → {n(p.get('mine_ms_last_blocks'))}",
                ]
                for k, p in c["phases"].items()
            ],
        )
    oracle = load("oracle")
    if oracle:
        i, post = oracle["ingest"], oracle["posting"]
        out += [
            "",
            f"**Verification oracle** (`oracle_throughput.py`, {stamp(oracle)}; "
            f"{n(oracle['data']['records'])} hourly records of {oracle['data']['units']} "
            "units)",
            "",
        ]
        out += table(
            ["measure", "result"],
            [
                ["parsing only", f"{n(i['parse_records_per_second'])} records/s"],
                [
                    "ingest (parse, validate, fill gaps, total, evidence)",
                    f"{n(i['ingest_records_per_second'])} records/s",
                ],
                [
                    "attestations posted, automine",
                    f"{n(post['attestations_per_second_automine'])} /s",
                ],
                [
                    "attestations posted, one block per second",
                    f"{n(post['attestations_per_second_1s_blocks'])} /s",
                ],
            ]
            + [[f"gas: {k}", n(v)] for k, v in oracle["gas"].items()],
        )
    if svc:
        out += ["", f"**Indexer and relay** (`service_bench.py`, {stamp(svc)})", ""]
        rows = []
        for db in ("sqlite", "postgresql"):
            c = svc.get(f"catch_up_{db}")
            if c:
                rows.append(
                    [
                        db,
                        n(c["events"]),
                        n(c["seconds"]),
                        n(c["events_per_second"]),
                        n(c.get("indexer_peak_rss_mb")),
                    ]
                )
        out += table(["catch-up into", "events", "seconds", "events/s", "peak MB"], rows)
        rel = svc.get("relay")
        if rel:
            f = rel["four_signers"]
            out += [
                "",
                f"Relay of the signed-action probe over HTTP: sequential prepare p50 "
                f"{rel['sequential_ms']['prepare']['p50']} ms, submit p50 "
                f"{rel['sequential_ms']['submit']['p50']} ms; four signers "
                f"{f['actions_per_second']} actions/s.",
            ]
    if pages and "databases" in pages:
        for db, p in pages["databases"].items():
            out += [
                "",
                f"**Explorer reads, {db}** (`explorer_pages.py`, {n(p['rows'])} trades + "
                f"{n(p['rows'])} unit-history rows, filled in {n(p.get('fill_seconds'))} s; "
                f"{stamp(p)})",
                "",
            ]
            out += table(
                ["page / query", "p50 ms", "p95 ms"],
                [[k, str(v["p50_ms"]), str(v["p95_ms"])] for k, v in p["cases"].items()],
            )
    return out


def _load_cpu(data: dict) -> str:
    """The machine's load average during a load test and the service's CPU (when recorded)."""
    out = ""
    if data.get("load_average_min_max"):
        low, high = data["load_average_min_max"]
        out += f"Load average during the run {low}–{high}. "
    if data.get("service_cpu_seconds") is not None:
        out += (f"Service CPU {data['service_cpu_share_of_one_core']} of one core, "
                f"{data['service_cpu_ms_per_request']} ms per request. ")  # fmt: skip
    return out


def load_tables() -> list[str]:
    """The Locust load test (`make load-test`, benchmarks/load_test.py)."""
    data = load("load_test")
    if not data:
        return []
    memory = data.get("service_rss_mb_first_last_max") or [None, None, None]
    out = [
        "",
        f"**Load test** (`make load-test`: Locust, {data['users']} users for "
        f"{n(data['minutes'])} min against `make run`'s stack; {stamp(data)}; load average "
        f"{data['load_average_before_after'][0]} → {data['load_average_before_after'][1]}). "
        f"Requests {n(data['requests'])}, server errors {n(data['server_errors'])}, no answer "
        f"{n(data['no_answer'])} (error rate {data['error_rate']:.3%}); slowest public read p95 "
        f"{n(data['public_reads_p95_max_ms'])} ms (target < 200 ms); service memory "
        f"{n(memory[0])} MB at the start, {n(memory[1])} MB at the end, {n(memory[2])} MB at most. "
        + _load_cpu(data)
        + "Per-client rate limits raised for one client at 127.0.0.1: "
        + ", ".join(f"`{k}={v}`" for k, v in data["rate_limits"].items()),
        "",
    ]
    out += table(
        ["endpoint", "requests", "failures (5xx)", "p50 ms", "p95 ms", "p99 ms", "per second"],
        [
            [
                e["endpoint"],  # Locust's name already starts with the method
                n(e["requests"]),
                n(e["failures"]),
                n(e["p50_ms"]),
                n(e["p95_ms"]),
                n(e["p99_ms"]),
                str(e["per_second"]),
            ]
            for e in data["endpoints"]
        ],
    )
    statuses = data.get("answers_by_status") or {}
    if statuses:
        out += ["", "Answers by status: " + ", ".join(
            f"{k}: {n(v)}" for k, v in sorted(statuses.items())
        ) + "."]  # fmt: skip
    samples = data.get("memory") or []
    if samples:
        step = max(1, len(samples) // 12)
        out += ["", "Memory over time (resident, MB):", ""]
        out += table(
            ["second", "service", "anvil", "load average"],
            [
                [str(m["second"]), n(m["service_rss_mb"]), n(m["anvil_rss_mb"]),
                 str(m.get("load_average", "–"))]
                for m in samples[::step]
            ],
        )  # fmt: skip
    return out


def render() -> str:
    lines = [
        "## Summary of the last run (`make bench`)",
        "",
        "Generated by `benchmarks/report.py` from `benchmarks/results/*.json`; do not edit "
        "by hand.",
        "",
    ]
    lines += summary()
    lines += ["", "### Gas per operation"]
    lines += gas_tables()
    lines += ["", "### Throughput, scale, reads"]
    lines += throughput_tables()
    lines += load_tables()
    return "\n".join(lines)


def main() -> Path:
    text = DOC.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{render()}\n{END}"
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"summary written to {DOC}")
    return DOC


if __name__ == "__main__":
    main()
