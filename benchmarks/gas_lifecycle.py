"""Gas of the compliance, reserve, leasing, unit-lifecycle and attestation operations, measured on
anvil (EVM paris) in one run, beside a plain OpenZeppelin ERC-1155 burn deployed in the same run.

    make bench-gas          (or: python -m benchmarks.gas_lifecycle)

Also profiles the surrender (issue 10's target: ≤ 1.2 × ERC-1155 burn + the cost of recording
the surrender) call frame by call frame with anvil's `debug_traceTransaction` call tracer.
Writes benchmarks/results/gas_lifecycle.json; docs/benchmarks.md shows the table.
"""

from __future__ import annotations

import contextlib

from benchmarks.common import connect, write_result

DAY, YEAR = 86_400, 365 * 86_400
FACILITY, IDLE = 2, 3  # GovernmentReserve.Source
PRIORITY_PROJECT = 1  # GovernmentReserve.Use
# what recording a surrender needs beyond the burn: the unit's period record written the first
# time (a zero slot set: 22 100 with its cold access) and the `Surrendered` event (375 + 4 topics
# × 375 + 3 data words × 8 × 32 = 2 643)
RECORDING_GAS = 22_100 + 375 + 4 * 375 + 3 * 32 * 8
SURRENDER_FACTOR = 1.2


def call_profile(txid: str) -> dict:
    """The call tree of a mined transaction with each frame's gas (anvil's call tracer)."""
    from brownie import web3

    trace = web3.provider.make_request("debug_traceTransaction", [txid, {"tracer": "callTracer"}])[
        "result"
    ]

    def frame(f) -> dict:
        out = {
            "to": f.get("to"),
            "selector": (f.get("input") or "0x")[:10],
            "gas_used": int(f["gasUsed"], 16),
        }
        if f.get("calls"):
            out["calls"] = [frame(c) for c in f["calls"]]
        return out

    return frame(trace)


def name_frames(profile: dict, names: dict[str, str], abis: dict[str, object]) -> dict:
    """Replace addresses and selectors by contract and function names."""
    to = (profile.get("to") or "").lower()
    contract = names.get(to, to)
    fn = profile["selector"]
    if to in abis:
        with contextlib.suppress(Exception):  # a selector the ABI does not know stays raw
            fn = abis[to].get_method(profile["selector"]) or fn
    out = {"call": f"{contract}.{fn}", "gas_used": profile["gas_used"]}
    if "calls" in profile:
        out["calls"] = [name_frames(c, names, abis) for c in profile["calls"]]
    return out


def measure() -> tuple[dict[str, int], dict[str, int], dict]:
    import brownie
    from brownie import (
        BaselineERC1155,
        ComplianceManager,
        GovernmentReserve,
        LeaseBook,
        PostedUsage,
        TestMoney,
        UnitLifecycle,
        VerificationOracle,
        accounts,
        chain,
    )

    from backend.chain.consent import merge_document
    from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key
    from backend.chain.domain import POLLUTANTS, Origin, Sector
    from backend.chain.typed_data import sign
    from scripts.deploy import deploy_contract, deploy_regulator_alone, dev_parties

    parties = dev_parties()
    reg, ex, bank = parties["city_regulator"], parties["exchange_operator"], parties["bank"]
    d = deploy_regulator_alone(parties)  # benchmark: regulator acts alone
    c = {n: getattr(brownie, n).at(r.address) for n, r in d.contracts.items()}
    registry, ledger, prices = c["AccountRegistry"], c["RightsLedger"], c["PriceBook"]
    pledges = c["PledgeBook"]
    ledger.grantRole(ledger.EXCHANGE_ROLE(), ex, {"from": reg})
    gas: dict[str, int] = {}
    base: dict[str, int] = {}

    def record(name, tx, into=gas):
        into[name] = tx.gas_used
        return tx

    # ---- baseline: a plain OpenZeppelin ERC-1155 burn (holder with a balance left)
    t1155 = BaselineERC1155.deploy({"from": reg})
    x = accounts[FIRST_COMPANY_INDEX + 20]
    t1155.mint(x, 1, 10**6, {"from": reg})
    record("ERC-1155 burn", t1155.burn(x, 1, 1_000, {"from": x}), base)

    # ---- the contracts of the reserve and lifecycle wired as the tests wire them (posted usage)
    usage = PostedUsage.deploy({"from": reg})
    compliance = deploy_contract(ComplianceManager, reg, reg, registry, ledger, usage)[0]
    compliance.grantRole(compliance.REGULATOR_ROLE(), reg, {"from": reg})
    ledger.grantRole(ledger.COMPLIANCE_ROLE(), compliance, {"from": reg})
    money = TestMoney.deploy({"from": reg})
    treasury = parties["finance_bureau"]
    reserve = deploy_contract(
        GovernmentReserve, reg, reg, registry, ledger, prices, compliance, money, treasury
    )[0]
    compliance.grantRole(compliance.RESERVE_ROLE(), reserve, {"from": reg})  # R-26 surplus
    life = deploy_contract(UnitLifecycle, reg, reg, registry, ledger, pledges, compliance, reserve)[
        0
    ]
    leases = deploy_contract(LeaseBook, reg, reg, ledger, money, registry, prices)[0]
    for p in POLLUTANTS:
        registry.addPollutant(p.code, p.name_zh, int(p.pollutant_class), {"from": reg})
    for sector in (Sector.INDUSTRY, Sector.TREATMENT_FACILITY):
        registry.setSectorEnabled(int(sector), True, {"from": reg})
    gov = int(Sector.GOVERNMENT)
    registry.registerAccount(reserve, "11500000MB0000001R", "储备中心", gov, 0, 0, {"from": reg})
    reserve.grantRole(reserve.REGULATOR_ROLE(), reg, {"from": reg})
    reserve.grantRole(reserve.TIMELOCK_ROLE(), reg, {"from": reg})  # benchmark: no council
    life.grantRole(life.TIMELOCK_ROLE(), reg, {"from": reg})
    ledger.grantRole(ledger.RESERVE_ROLE(), reserve, {"from": reg})
    ledger.grantRole(ledger.EXCHANGE_ROLE(), reserve, {"from": reg})
    ledger.grantRole(ledger.LIFECYCLE_ROLE(), life, {"from": reg})
    registry.grantRole(registry.ACCOUNT_MANAGER_ROLE(), life, {"from": reg})
    pledges.grantRole(pledges.LIFECYCLE_ROLE(), life, {"from": reg})
    compliance.grantRole(compliance.LIFECYCLE_ROLE(), life, {"from": reg})
    reserve.grantRole(reserve.LIFECYCLE_ROLE(), life, {"from": reg})
    ledger.grantRole(ledger.LEASING_ROLE(), leases, {"from": reg})
    money.mint(reserve, 10**12, {"from": reg})
    now = chain.time()
    notice = prices.notice()
    prices.publish(1, 0, 400_000, now + notice + 30, {"from": parties["price_bureau"]})
    chain.sleep(2 * notice + 31)  # in force for a notice period: the reserve pays at it
    for district in (0, 1):
        ledger.setCap(district, 1, 10**12, {"from": reg})
    units = [accounts[FIRST_COMPANY_INDEX + i] for i in range(9)]
    a, b, m1, m2, s1, s2, s3, plant, w_ = units
    for i, u in enumerate(units):
        sector = Sector.TREATMENT_FACILITY if u == plant else Sector.INDUSTRY
        code = f"9150000000000001{i:02d}"
        registry.registerAccount(u, code, f"单位{i}", int(sector), 1, 1, {"from": reg})
    for u in (a, b, m1, m2, s1, w_):
        ledger.allocate(u, 1, int(Origin.PAID), 100_000, {"from": ex})
    ledger.allocateFree(a, 1, 5_000, {"from": reg})

    # ---- surrender and carry-over (R-24 … R-26): one origin, two origins, then the buy-back
    end = chain.time() + DAY
    compliance.definePeriod(now - YEAR, end, end + 30 * DAY, end + 60 * DAY, {"from": reg})
    usage.post(a, 1, 1, 30_000, True)
    usage.post(b, 1, 1, 30_000, True)
    chain.sleep(DAY + 1)
    free_then_paid = record(
        "surrender, free then paid (R-24)", compliance.surrender(a, 1, 1, {"from": a})
    )
    one_origin = record("surrender, one origin (paid)", compliance.surrender(b, 1, 1, {"from": b}))
    record("buy-back of surplus paid rights (R-26)", reserve.buyBack(1, 1, 10_000, {"from": a}))
    record("carry over (R-25)", compliance.carryOver(b, 1, 1, {"from": b}))

    # ---- reserve inflows and a release
    record(
        "reserve: acquire a facility's reductions at the benchmark (R-27)",
        reserve.acquireFromFacility(plant, 1, 50_000, {"from": reg}),
    )
    ledger.allocateFree(s1, 1, 3_000, {"from": reg})
    record(
        "reserve: reclaim idle free rights (R-27)",
        reserve.reclaim(s1, 1, int(Origin.FREE), 3_000, IDLE, "5年未开工", {"from": reg}),
    )
    record(
        "reserve: reclaim idle paid rights, paid at the benchmark (R-27)",
        reserve.reclaim(s1, 1, int(Origin.PAID), 3_000, IDLE, "5年未开工", {"from": reg}),
    )
    price = prices.quote(1, 0, 10_000)
    offer = record(
        "reserve: offer a release (R-28)",
        reserve.offerRelease(
            s2, 1, 10_000, price, FACILITY, PRIORITY_PROJECT, "重大科技示范项目", {"from": reg}
        ),
    ).return_value
    money.mint(s2, price, {"from": reg})
    money.approve(reserve, price, {"from": s2})
    record(
        "reserve: release accepted and paid, new holder (R-28, R-29)",
        reserve.acceptRelease(offer, {"from": s2}),
    )

    # ---- leasing
    ends = chain.time() + YEAR
    lease = record(
        "lease: offer", leases.offerLease(s3, 1, 5_000, ends, 2_000_000, {"from": m1})
    ).return_value
    money.mint(s3, 2_000_000, {"from": reg})
    money.approve(leases, 2_000_000, {"from": s3})
    record("lease: accept and pay the rent (new lessee)", leases.acceptLease(lease, {"from": s3}))
    # a later term than the active lease's (one that ends first could never be accepted), its
    # rent at least the floor for two years
    lease2 = leases.offerLease(s3, 1, 5_000, ends + YEAR, 4_000_000, {"from": m1}).return_value
    record("lease: cancel an offer", leases.cancelLease(lease2, {"from": m1}))
    chain.sleep(YEAR + 1)
    record("lease: end after the term, all returned", leases.endLease(lease, {"from": m1}))

    # ---- pledge and release beside, for the table of this family
    pledge = record(
        "pledge (R-34)", pledges.pledge(bank, 1, 10_000, 10**8, chain.time() + YEAR, {"from": m2})
    ).return_value
    record("release pledge", pledges.release(pledge, {"from": bank}))

    # ---- unit lifecycle (R-30 … R-32): decided by the council (the time lock: no signatures),
    # and with both units' signatures submitted by their district regulator
    record(
        "merge one unit into another, by the council (R-30)",
        life.merge(m1, m2, "吸收合并", 0, [], {"from": reg}),
    )
    deadline = chain.time() + DAY
    domain = _domain(life)
    sigs = [
        "0x"
        + sign(
            merge_document(domain, w_.address, b.address, life.nonces(unit), deadline),
            dev_key(FIRST_COMPANY_INDEX + index).private_key,
        ).hex()
        for unit, index in ((w_, 8), (b, 1))
    ]
    record(
        "merge with both units' signatures (R-30)",
        life.merge(w_, b, "吸收合并", deadline, sigs, {"from": parties["district_regulator"]}),
    )
    held = ledger.balanceOf(s1, 1)
    assert held["free"] == held["waived"] == 0
    half = held["paid"] // 2
    plan = [(a, 1, half, 0, 0, 0, 0), (b, 1, held["paid"] - half, 0, 0, 0, 0)]
    record(
        "split: one pollutant's rights to two successors (R-31)",
        life.split(s1, plan, a, "分立", 0, [], {"from": reg}),
    )
    record("close a unit (R-32)", life.close(s3, "关停", {"from": reg}))

    # ---- attestations on the deployed oracle: two verifiers, quorum two
    oracle = VerificationOracle.at(d.contracts["VerificationOracle"].address)
    verifiers = [parties["verifier_a"], parties["verifier_b"]]
    record(
        "attest (verifier's own transaction), first of a figure",
        oracle.attest(a, 1, 2, 31_000, b"\x11" * 32, {"from": verifiers[0]}),
    )
    record(
        "attest, the one reaching the quorum",
        oracle.attest(a, 1, 2, 31_000, b"\x11" * 32, {"from": verifiers[1]}),
    )

    addresses = {
        **{r.address.lower(): n for n, r in d.contracts.items()},
        compliance.address.lower(): "ComplianceManager",
        usage.address.lower(): "PostedUsage",
    }
    abis = {
        compliance.address.lower(): compliance,
        usage.address.lower(): usage,
        ledger.address.lower(): ledger,
        registry.address.lower(): registry,
    }
    profiles = {
        "surrender, one origin (paid)": name_frames(call_profile(one_origin.txid), addresses, abis),
        "surrender, free then paid (R-24)": name_frames(
            call_profile(free_then_paid.txid), addresses, abis
        ),
    }
    return gas, base, profiles


def _domain(contract):
    from backend.chain.typed_data import Domain

    _, name, version, chain_id, verifying, _, _ = contract.eip712Domain()
    return Domain(name, version, chain_id, verifying)


def main() -> None:
    connect()
    gas, base, profiles = measure()
    burn = base["ERC-1155 burn"]
    limit = int(SURRENDER_FACTOR * burn + RECORDING_GAS)
    path = write_result(
        "gas_lifecycle",
        {
            "unit": "gas",
            "target": {
                "surrender": f"≤ {SURRENDER_FACTOR} × ERC-1155 burn + recording",
                "erc1155_burn": burn,
                "recording": RECORDING_GAS,
                "limit": limit,
            },
            "baselines": base,
            "operations": gas,
            "surrender_profile": profiles,
        },
    )
    width = max(len(k) for k in (*gas, *base))
    for name, used in {**base, **gas}.items():
        print(f"{name:<{width}}  {used:>9,}")
    print(f"surrender target: ≤ {SURRENDER_FACTOR} × {burn:,} + {RECORDING_GAS:,} = {limit:,}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
