"""Gas per exchange settlement (rights + money, every rule checked), measured on anvil (EVM paris)
in one run, beside plain OpenZeppelin ERC-1155 / ERC-20 transfers deployed in the same run.

    make bench-gas          (or: python -m benchmarks.gas_exchange)

Writes benchmarks/results/gas_exchange.json; docs/benchmarks.md shows the table.
"""

from __future__ import annotations

from benchmarks.common import connect, write_result

HOUR = 3_600
COD_FEN_PER_TONNE = 400_000
# target (issue 10): a secondary settlement to a holder with a balance, every rule checked
TARGET_GAS = 120_000
TARGET_BASELINE_FACTOR = 1.5


def fen(kg: int) -> int:
    return (kg * COD_FEN_PER_TONNE + 999) // 1000


def measure() -> tuple[dict[str, int], dict[str, int]]:
    import brownie
    from brownie import BaselineERC20, BaselineERC1155, accounts, chain

    from backend.chain.devkeys import FIRST_COMPANY_INDEX
    from backend.chain.domain import POLLUTANTS, Sector, TradeMode
    from scripts.deploy import deploy_regulator_alone, dev_parties
    from tests.contracts.market.orders import commitment, sign_trade, terms

    parties = dev_parties()
    reg, op, bank = parties["city_regulator"], parties["exchange_operator"], parties["bank"]
    money_bank = parties["settlement_bank"]
    d = deploy_regulator_alone(parties)  # benchmark: regulator acts alone
    c = {n: getattr(brownie, n).at(r.address) for n, r in d.contracts.items()}
    registry, ledger, prices = c["AccountRegistry"], c["RightsLedger"], c["PriceBook"]
    pledges, cny, exchange = c["PledgeBook"], c["SettlementToken"], c["Exchange"]
    primary, auctions = c["PrimaryMarket"], c["AuctionHouse"]

    gas: dict[str, int] = {}
    base: dict[str, int] = {}

    def record(name, tx, into=gas):
        into[name] = tx.gas_used
        return tx

    # ---- baselines: plain OpenZeppelin tokens, no rules
    t1155, t20 = BaselineERC1155.deploy({"from": reg}), BaselineERC20.deploy({"from": reg})
    x, y, z, w = (accounts[FIRST_COMPANY_INDEX + i] for i in range(20, 24))
    t1155.mint(x, 1, 10**6, {"from": reg})
    t1155.mint(y, 1, 10**6, {"from": reg})
    t20.mint(x, 10**12, {"from": reg})
    t20.mint(y, 10**12, {"from": reg})
    record(
        "ERC-1155 transfer, existing holder",
        t1155.safeTransferFrom(x, y, 1, 1_000, b"", {"from": x}),
        base,
    )
    record(
        "ERC-1155 transfer, new holder",
        t1155.safeTransferFrom(x, z, 1, 1_000, b"", {"from": x}),
        base,
    )
    record("ERC-1155 burn", t1155.burn(x, 1, 1_000, {"from": x}), base)
    record("ERC-20 transfer, existing holder", t20.transfer(y, 10**6, {"from": x}), base)
    record("ERC-20 transfer, new holder", t20.transfer(w, 10**6, {"from": x}), base)

    # ---- the city: one pollutant, one district, industry enabled
    for p in POLLUTANTS:
        registry.addPollutant(p.code, p.name_zh, int(p.pollutant_class), {"from": reg})
    registry.setSectorEnabled(int(Sector.INDUSTRY), True, {"from": reg})
    notice = prices.notice()  # a benchmark takes effect a notice period after publication
    prices.publish(
        1, 0, COD_FEN_PER_TONNE, chain.time() + notice + 1, {"from": parties["price_bureau"]}
    )
    chain.sleep(notice + 2)
    ledger.setCap(1, 1, 10**12, {"from": reg})
    units = [accounts[FIRST_COMPANY_INDEX + i] for i in range(7)]
    a, b, fresh, fresh2, e, f, g = units
    for i, u in enumerate(units):
        registry.registerAccount(u, f"9150000000000000{i:02d}", f"单位{i}", 1, 1, 1, {"from": reg})
    cny.issue(money_bank, 10**14, b"\x01" * 32, {"from": money_bank})
    cny.approve(exchange, 2**256 - 1, {"from": money_bank})
    record(
        "deposit into a trading account (new)", exchange.deposit(a, 10**12, {"from": money_bank})
    )
    record(
        "deposit into a trading account (existing)",
        exchange.deposit(a, 10**12, {"from": money_bank}),
    )
    for u in units[1:]:
        exchange.deposit(u, 10**12, {"from": money_bank})
    exchange.deposit(bank, 1, {"from": money_bank})  # the bank has an account at the exchange

    # ---- primary market: benchmark purchases give a and b their rights
    app = record("primary: application", primary.submitApplication(1, 500_000, 0, {"from": a}))
    app = app.return_value
    record("primary: approval", primary.approve(app, 500_000, {"from": reg}))
    record("primary: purchase at benchmark (new holder)", primary.purchase(app, {"from": a}))
    app = primary.submitApplication(1, 100_000, 0, {"from": a}).return_value
    primary.approve(app, 100_000, {"from": reg})
    record("primary: purchase at benchmark (existing holder)", primary.purchase(app, {"from": a}))
    for u in (b, e, f, g):
        app = primary.submitApplication(1, 10_000, 0, {"from": u}).return_value
        primary.approve(app, 10_000, {"from": reg})
        primary.purchase(app, {"from": u})
    registry.setQualifiedSeller(a, True, {"from": reg})
    ledger.certifyTradable(a, 1, 500_000, {"from": reg})

    # ---- negotiated trades
    def negotiated(buyer, kg, relayer, own_signature=True):
        t = terms(a, buyer, 1, kg, fen(kg), TradeMode.NEGOTIATED, chain.time() + HOUR)
        seller_sig = sign_trade(exchange, t, a)
        buyer_sig = sign_trade(exchange, t, buyer) if own_signature else b""
        return exchange.settleTrade(t, seller_sig, buyer_sig, {"from": relayer})

    def with_access_list(buyer, kg, relayer=None):
        """The same trade sent as the service builds it for a party (`POST /market/settle-trade`):
        with the EIP-2930 access list of `backend.services.operations.access_list`; with a
        `relayer`, both signatures relayed with that list (the relayer sends none today)."""
        from types import SimpleNamespace

        from brownie import web3

        from backend.services.operations import access_list

        t = terms(a, buyer, 1, kg, fen(kg), TradeMode.NEGOTIATED, chain.time() + HOUR)
        buyer_sig = sign_trade(exchange, t, buyer) if relayer else b""
        data = exchange.settleTrade.encode_input(t, sign_trade(exchange, t, a), buyer_sig)
        sender = str(relayer or buyer)
        listed = access_list(
            SimpleNamespace(w3=web3), sender=sender, to=exchange.address, data=data
        )
        assert listed, "the node gave no access list"
        sent = web3.eth.send_transaction({
            "from": sender, "to": exchange.address, "data": data, "accessList": listed,
            "gas": 1_000_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0,
        })  # fmt: skip
        receipt = web3.eth.wait_for_transaction_receipt(sent)
        assert receipt.status == 1
        return SimpleNamespace(gas_used=receipt.gasUsed)

    negotiated(b, 1_000, op)  # first use of both nonces
    record("negotiated trade, both signatures relayed (existing holder)", negotiated(b, 1_000, op))
    record(
        "negotiated trade, buyer submits (existing holder)",
        negotiated(b, 1_000, b, own_signature=False),
    )
    record(
        "negotiated trade, buyer sends the service-built transaction (existing holder)",
        with_access_list(b, 1_000),
    )
    record(
        "negotiated trade, both signatures relayed with an access list (existing holder)",
        with_access_list(b, 1_000, relayer=op),
    )
    record(
        "negotiated trade, both signatures relayed (new holder, its first signed order)",
        negotiated(fresh, 1_000, op),
    )

    # ---- listings
    end = chain.time() + HOUR
    listing = exchange.list(1, 1_000, fen(1_000), 10_000, end, {"from": a})
    record("listing: list", listing)
    record(
        "listing: take at the ask (existing holder)",
        exchange.take(listing.return_value, {"from": b}),
    )
    listing = exchange.list(1, 1_000, fen(1_000), 10_000, end, {"from": a}).return_value
    record("listing: take at the ask (new holder)", exchange.take(listing, {"from": fresh2}))
    listing = exchange.list(1, 1_000, fen(1_000), 10_000, end, {"from": a}).return_value
    record("listing: first bid", exchange.bid(listing, fen(1_000), {"from": e}))
    record("listing: outbid (refund)", exchange.bid(listing, fen(1_000) + 10_000, {"from": b}))
    chain.sleep(HOUR + 1)
    record(
        "listing: settle the best bid (existing holder)",
        exchange.settleListing(listing, {"from": op}),
    )

    # ---- auctions of a unit's rights
    reserve, deposit = fen(5_000), fen(5_000) // 10

    def auction(fmt):
        now = chain.time()
        terms_ = (
            fmt,
            reserve,
            deposit,
            10_000 if fmt == 0 else 0,
            now + HOUR,
            now + 2 * HOUR if fmt else 0,
        )
        return auctions.offer(1, 5_000, terms_, {"from": a})

    lot = record("auction: offer", auction(0)).return_value
    record("auction: join (deposit)", auctions.join(lot, 0, {"from": b}))
    auctions.join(lot, 0, {"from": e})
    record("auction: first bid", auctions.bid(lot, reserve, {"from": e}))
    record("auction: outbid", auctions.bid(lot, reserve + 10_000, {"from": b}))
    chain.sleep(HOUR + 1)
    record("auction: settle ascending (existing holder)", auctions.settle(lot, {"from": op}))
    record("auction: refund a deposit", auctions.refund(lot, e, {"from": op}))

    lot = auction(1).return_value
    for u, price in ((b, reserve + 5), (e, reserve + 7)):
        auctions.join(lot, 0, {"from": u})
        auctions.commit(lot, commitment(lot, u, price, b"\x05" * 32), {"from": u})
    chain.sleep(HOUR + 1)
    record("sealed: reveal (leads)", auctions.reveal(lot, reserve + 5, b"\x05" * 32, {"from": b}))
    record(
        "sealed: reveal (takes the lead)",
        auctions.reveal(lot, reserve + 7, b"\x05" * 32, {"from": e}),
    )
    chain.sleep(HOUR + 1)
    record("auction: settle sealed (existing holder)", auctions.settle(lot, {"from": op}))

    # ---- pledge enforcement sale
    pledge = pledges.pledge(bank, 1, 5_000, fen(2_000), chain.time() + HOUR, {"from": a})
    pledge = pledge.return_value
    chain.sleep(HOUR + 1)  # the loan falls due unpaid: default from the maturity on
    pledges.enforce(pledge, fen(2_000), {"from": bank})
    now = chain.time()
    lot = auctions.offerEnforcement(
        pledge, (0, reserve, deposit, 10_000, now + HOUR, 0), {"from": bank}
    )
    lot = lot.return_value
    auctions.join(lot, 0, {"from": f})
    auctions.bid(lot, reserve, {"from": f})
    chain.sleep(HOUR + 1)
    record(
        "enforcement sale: settle, bank first (existing holder)", auctions.settle(lot, {"from": op})
    )

    # ---- primary auction of new rights
    app = primary.submitApplication(1, 5_000, 1, {"from": g}).return_value
    primary.approve(app, 5_000, {"from": reg})
    now = chain.time()
    lot = auctions.offerPrimary(
        1, 1, 5_000, (0, reserve, deposit, 10_000, now + HOUR, 0), {"from": op}
    )
    lot = lot.return_value
    auctions.join(lot, app, {"from": g})
    auctions.bid(lot, reserve, {"from": g})
    chain.sleep(HOUR + 1)
    record("primary auction: settle (existing holder)", auctions.settle(lot, {"from": op}))

    record("withdraw from a trading account", exchange.withdraw(10**6, {"from": a}))
    return gas, base


def main() -> None:
    connect()
    gas, base = measure()
    plain_pair = (
        base["ERC-1155 transfer, existing holder"] + base["ERC-20 transfer, existing holder"]
    )
    limit = min(TARGET_GAS, int(plain_pair * TARGET_BASELINE_FACTOR))
    path = write_result(
        "gas_exchange",
        {
            "unit": "gas",
            "target": {
                "gas": TARGET_GAS,
                "baseline_factor": TARGET_BASELINE_FACTOR,
                "baseline_pair_existing_holder": plain_pair,
                "limit": limit,
            },
            "baselines": base,
            "operations": gas,
        },
    )
    width = max(len(k) for k in (*gas, *base))
    for name, used in base.items():
        print(f"{name:<{width}}  {used:>9,}")
    print(f"target: ≤ {TARGET_GAS:,} and ≤ {TARGET_BASELINE_FACTOR} × {plain_pair:,} → {limit:,}")
    for name, used in gas.items():
        print(f"{name:<{width}}  {used:>9,}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
