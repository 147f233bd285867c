"""Throughput of the verification oracle (R-23): monitoring records ingested per second,
attestations posted per second, and gas per attestation.

    make bench-oracle          (or: python -m benchmarks.oracle_throughput)

Writes ``benchmarks/results/oracle.json``; ``docs/benchmarks.md`` shows the numbers. Size with
``DRR_BENCH_UNITS`` (default 20 synthetic units × 4 hourly series × one year).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from backend.chain.client import Chain
from backend.oracle import demo_data
from backend.oracle.calendar import FilePeriodCalendar
from backend.oracle.contract import OracleContract
from backend.oracle.directory import FileUnitDirectory
from backend.oracle.evidence import EvidenceStore
from backend.oracle.keys import dev_signer
from backend.oracle.poster import Poster
from backend.oracle.records import parse
from backend.oracle.service import OracleContext, collect, ingest, read_sources
from backend.oracle.store import CONFIRMED, OracleStore
from benchmarks.common import connect, write_result

YEAR = 2025


def _context(folder: Path, units_file: Path, periods_file: Path, name: str) -> OracleContext:
    return OracleContext(
        store=OracleStore(f"sqlite:///{folder / f'{name}.db'}"),
        evidence=EvidenceStore(folder / f"evidence_{name}"),
        directory=FileUnitDirectory.load(units_file),
        calendar=FilePeriodCalendar.load(periods_file),
    )


def _post(ctx: OracleContext, chain_client: Chain, party: str) -> tuple[int, float, list[int]]:
    poster = Poster(
        store=ctx.store,
        oracle=OracleContract(chain_client),
        signer=dev_signer(party, chain_client.w3.eth.chain_id),
    )
    started = time.perf_counter()
    report = poster.post(period=1)
    seconds = time.perf_counter() - started
    assert report.count(CONFIRMED) == len(report.outcomes) == report.sent, report
    gas = [
        chain_client.w3.eth.get_transaction_receipt(o.tx_hash)["gasUsed"] for o in report.outcomes
    ]
    return report.sent, seconds, gas


def measure() -> dict:
    from brownie import VerificationOracle, web3

    from scripts.deploy import deploy, dev_parties

    units_count = int(os.environ.get("DRR_BENCH_UNITS", "20"))
    parties = dev_parties()
    deployment = deploy(parties)
    work = Path(tempfile.mkdtemp(prefix="oracle-bench-"))
    deployment_file = work / "deployment.json"
    deployment.save(deployment_file)
    client = Chain.connect(web3.provider.endpoint_uri, deployment)

    units_file = work / "units.json"
    units_file.write_text(json.dumps({"units": demo_data.synthetic_units(units_count)}))
    periods_file = work / "periods.json"
    periods_file.write_text(json.dumps(demo_data.periods_document(YEAR)))
    print(f"generating a year of hourly data for {units_count} units …")
    data = work / "monitoring"
    demo_data.generate(demo_data.load_units(units_file), data, year=YEAR)
    sources = read_sources(collect(data), data)
    megabytes = sum(len(s.content) for s in sources) / 1e6

    # ingest: parse + validate + aggregate + evidence + store (the files are already in memory)
    started = time.perf_counter()
    records = sum(len(parse(s)[0]) for s in sources)
    parse_seconds = time.perf_counter() - started
    ctx_a = _context(work, units_file, periods_file, "a")
    started = time.perf_counter()
    report = ingest(sources, period=1, ctx=ctx_a)
    ingest_seconds = time.perf_counter() - started
    assert report.ok and report.records == records, report.as_dict(max_errors=3)
    print(f"ingested {records:,} records in {ingest_seconds:.2f} s")
    ctx_b = _context(work, units_file, periods_file, "b")
    ingest(sources, period=1, ctx=ctx_b)

    # posting: verifier A opens every figure, verifier B reaches the quorum (automine)
    sent_a, seconds_a, gas_a = _post(ctx_a, client, "verifier_a")
    sent_b, seconds_b, gas_b = _post(ctx_b, client, "verifier_b")
    print(f"posted {sent_a + sent_b} attestations in {seconds_a + seconds_b:.2f} s (automine)")

    # posting with one block per second, as on a proof-of-authority network
    web3.provider.make_request("evm_setAutomine", [False])
    web3.provider.make_request("evm_setIntervalMining", [1])
    try:
        deployment_2 = deploy(parties)
        client_2 = Chain.connect(web3.provider.endpoint_uri, deployment_2)
        ctx_c = _context(work, units_file, periods_file, "c")
        ingest(sources, period=1, ctx=ctx_c)
        sent_c, seconds_c, _gas = _post(ctx_c, client_2, "verifier_a")
    finally:
        web3.provider.make_request("evm_setIntervalMining", [0])
        web3.provider.make_request("evm_setAutomine", [True])
    print(f"posted {sent_c} attestations in {seconds_c:.2f} s (1 s blocks)")

    # direct attest by a verifier's own transaction, and a revision, for the gas table
    oracle = VerificationOracle.at(deployment.contracts["VerificationOracle"].address)
    unit = demo_data.synthetic_units(units_count + 1)[-1]["address"]
    evidence = b"\x01" * 32
    a, b = {"from": parties["verifier_a"]}, {"from": parties["verifier_b"]}
    direct = oracle.attest(unit, 1, 1, 100, evidence, a, silent=True)
    revision = oracle.attest(unit, 1, 1, 101, evidence, a, silent=True)
    agreeing = oracle.attest(unit, 1, 1, 101, evidence, b, silent=True)

    return {
        "chain": "anvil, automine unless stated",
        "cpus": os.cpu_count(),
        "data": {
            "units": units_count,
            "series": units_count * 4,
            "files": len(sources),
            "megabytes": round(megabytes, 1),
            "records": records,
            "figures": len(report.figures),
        },
        "ingest": {
            "parse_records_per_second": round(records / parse_seconds),
            "ingest_seconds": round(ingest_seconds, 2),
            "ingest_records_per_second": round(records / ingest_seconds),
        },
        "posting": {
            "attestations_per_second_automine": round(
                (sent_a + sent_b) / (seconds_a + seconds_b), 1
            ),
            "attestations_per_second_1s_blocks": round(sent_c / seconds_c, 1),
            "attestations": sent_a + sent_b + sent_c,
        },
        "gas": {
            "attestBySig_first_of_figure": round(sum(gas_a) / len(gas_a)),
            "attestBySig_reaching_quorum": round(sum(gas_b) / len(gas_b)),
            "attest_direct_first_of_figure": direct.gas_used,
            "attest_direct_revision": revision.gas_used,
            "attest_direct_reaching_quorum": agreeing.gas_used,
        },
    }


def main() -> None:
    connect()
    path = write_result("oracle", measure())
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
