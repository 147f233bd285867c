"""Gas per registry operation, measured on anvil (EVM paris) in one run.

    make bench-gas          (or: python -m benchmarks.gas_registry)

Writes benchmarks/results/gas_registry.json; docs/benchmarks.md shows the table.
"""

from __future__ import annotations

from benchmarks.common import connect, write_result

DAY, YEAR = 86_400, 365 * 86_400
LOAN_FEN = 10**8  # the claim the measured pledge secures


def measure() -> dict[str, int]:
    from brownie import ComplianceManager, PostedUsage, accounts, chain

    from backend.chain.devkeys import FIRST_COMPANY_INDEX
    from backend.chain.domain import POLLUTANTS, Origin, Sector
    from scripts.deploy import deploy_contract, deploy_regulator_alone, dev_parties

    parties = dev_parties()
    reg, ex, bank = parties["city_regulator"], parties["exchange_operator"], parties["bank"]
    d = deploy_regulator_alone(parties)  # benchmark: regulator acts alone
    import brownie

    c = {n: getattr(brownie, n).at(r.address) for n, r in d.contracts.items()}
    registry, ledger, prices = c["AccountRegistry"], c["RightsLedger"], c["PriceBook"]
    permits, pledges = c["PermitRegistry"], c["PledgeBook"]
    # the ledger's own cost, settled directly by the operator (the exchange's is gas_exchange.py)
    ledger.grantRole(ledger.EXCHANGE_ROLE(), ex, {"from": reg})
    usage = PostedUsage.deploy({"from": reg})
    compliance = deploy_contract(ComplianceManager, reg, reg, registry, ledger, usage)[0]
    compliance.grantRole(compliance.REGULATOR_ROLE(), reg, {"from": reg})
    ledger.grantRole(ledger.COMPLIANCE_ROLE(), compliance, {"from": reg})

    gas: dict[str, int] = {}

    def record(name, tx):
        gas[name] = tx.gas_used
        return tx

    for p in POLLUTANTS:
        registry.addPollutant(p.code, p.name_zh, int(p.pollutant_class), {"from": reg})
    registry.setSectorEnabled(int(Sector.INDUSTRY), True, {"from": reg})
    now = chain.time()
    record(
        "publish benchmark",
        prices.publish(
            1, 0, 400_000, now + prices.notice() + 30, {"from": parties["price_bureau"]}
        ),
    )
    chain.sleep(prices.notice() + 31)
    ledger.setCap(1, 1, 10**12, {"from": reg})
    a, b, c3 = (accounts[FIRST_COMPANY_INDEX + i] for i in range(3))
    record(
        "register account",
        registry.registerAccount(a, "915000000000000001", "甲", 1, 1, 1, {"from": reg}),
    )
    registry.registerAccount(b, "915000000000000002", "乙", 1, 1, 1, {"from": reg})
    registry.registerAccount(c3, "915000000000000003", "丙", 1, 1, 1, {"from": reg})
    record(
        "allocate paid (new holder)", ledger.allocate(a, 1, int(Origin.PAID), 100_000, {"from": ex})
    )
    record(
        "allocate paid (existing holder)",
        ledger.allocate(a, 1, int(Origin.PAID), 100_000, {"from": ex}),
    )
    ledger.allocate(b, 1, int(Origin.PAID), 1_000, {"from": ex})
    record("allocate free (regulator)", ledger.allocateFree(a, 1, 10_000, {"from": reg}))
    record(
        "issue permit (1 of 7 pollutants)",
        permits.issuePermit(a, [1], [50_000], now - DAY, now + YEAR, {"from": reg}),
    )
    registry.setQualifiedSeller(a, True, {"from": reg})
    record("certify tradable (R-39)", ledger.certifyTradable(a, 1, 100_000, {"from": reg}))
    record(
        "trade settlement, rights only (to existing holder)",
        ledger.trade(a, b, 1, 1_000, 400_000, 1, {"from": ex}),
    )
    record(
        "trade settlement, rights only (to new holder)",
        ledger.trade(a, c3, 1, 1_000, 400_000, 1, {"from": ex}),
    )
    record("pledge", pledges.pledge(bank, 1, 10_000, LOAN_FEN, now + YEAR, {"from": a}))
    record("release pledge", pledges.release(1, {"from": bank}))
    end = chain.time() + DAY
    compliance.definePeriod(now - YEAR, end, end + 30 * DAY, end + 60 * DAY, {"from": reg})
    usage.post(a, 1, 1, 30_000, True)
    chain.sleep(DAY + 1)
    record("surrender (free then paid)", compliance.surrender(a, 1, 1, {"from": a}))
    record("carry over", compliance.carryOver(a, 1, 1, {"from": a}))
    return gas


def main() -> None:
    connect()
    gas = measure()
    path = write_result("gas_registry", {"unit": "gas", "operations": gas})
    width = max(len(k) for k in gas)
    for name, used in gas.items():
        print(f"{name:<{width}}  {used:>9,}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
