"""Helpers shared by the tests."""

from __future__ import annotations

import re

import brownie

from scripts.deploy import DEV_COUNCIL

# seconds between a benchmark's publication and its effect on the dev chain
NOTICE = DEV_COUNCIL.price_notice


def _render(value: object) -> str:
    """How Brownie prints a decoded argument (addresses in lower case, bytes as a literal)."""
    if isinstance(value, bytes):
        return str(bytes(value))
    text = str(value)
    return text.lower() if re.fullmatch(r"0x[0-9a-fA-F]{40}", text) else text


def reverts(error: str, *args: object):
    """Expect a revert with the custom error ``error`` (and, if given, exactly these arguments).

    Brownie renders a decoded custom error as ``"Name: arg1, arg2"``. A last argument ``...``
    accepts any further arguments (e.g. the block's time).
    """
    if args and args[-1] is Ellipsis:
        head = ", ".join(_render(a) for a in args[:-1])
        return brownie.reverts(revert_pattern=rf"{re.escape(error)}: {re.escape(head)}, .*")
    if args:
        return brownie.reverts(f"{error}: {', '.join(_render(a) for a in args)}")
    return brownie.reverts(revert_pattern=rf"{re.escape(error)}(: .*)?")


def movement(op, frm, to, pollutant, kg, price_fen=0, mode=0, region=0, origin=0, leased=False):
    """An IRightsLedger.Movement tuple for the ledger's pre-check ``check``."""
    return (
        int(op),
        str(frm),
        str(to),
        pollutant,
        kg,
        price_fen,
        int(mode),
        region,
        int(origin),
        leased,
    )


def open_paid_use(registry, regulator) -> int:
    """A bare deployment's first pollutant (COD) and the industry's paid use (R-01, R-38): what a
    unit's application needs to be accepted. Returns the pollutant's id."""
    from backend.chain.domain import POLLUTANTS, Sector

    cod = POLLUTANTS[0]
    registry.addPollutant(cod.code, cod.name_zh, int(cod.pollutant_class), {"from": regulator})
    registry.setSectorEnabled(int(Sector.INDUSTRY), True, {"from": regulator})
    return 1


def fen_at_benchmark(kg: int, fen_per_tonne: int) -> int:
    """The lowest price in fen at which ``kg`` may trade (R-15), rounded up like the contract."""
    return (kg * fen_per_tonne + 999) // 1000


def plain(value):
    """A Brownie return value as plain Python (ints, strs, tuples), for comparisons."""
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return str(value) if not isinstance(value, (bytes, bool)) else value


def contract_domain(contract, **overrides):
    """The EIP-712 domain ``contract`` verifies under, with fields overridden (a forgery's)."""
    from backend.chain.typed_data import Domain

    _, name, version, chain_id, verifying, _, _ = contract.eip712Domain()
    base = {"name": name, "version": version, "chain_id": chain_id, "verifying_contract": verifying}
    return Domain(**{**base, **overrides})


def signed(
    contract, primary_type: str, fields: list[tuple[str, str]], message: dict, key: str, **domain
):
    """Sign an action of ``contract`` with a dev key, as a company's wallet would.

    ``domain`` overrides fields of the contract's own EIP-712 domain (to forge a signature for
    another chain or contract)."""
    from backend.chain.typed_data import sign, typed_data

    data = typed_data(
        contract_domain(contract, **domain), primary_type, {primary_type: fields}, message
    )
    return "0x" + sign(data, key).hex()


def sign_document(document: dict, key: str) -> str:
    """A dev key's signature of full typed data (e.g. backend.chain.consent's documents)."""
    from backend.chain.typed_data import sign

    return "0x" + sign(document, key).hex()


def company_key(index: int) -> str:
    """The dev key of ``companies[index]`` (conftest)."""
    from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key

    return dev_key(FIRST_COMPANY_INDEX + index).private_key


def now() -> int:
    """The latest block's timestamp: the contracts' "now" (Brownie's own clock may drift from it
    across snapshot reverts)."""
    from brownie import web3

    return web3.eth.get_block("latest").timestamp


def revert_to_snapshot() -> None:
    """Back to the state-machine test's snapshot, forgetting Brownie's transaction history too.

    Examples replay the same senders and nonces; a receipt of an earlier example left in
    Brownie's history would otherwise mark the new transaction with that nonce as dropped."""
    from brownie import chain, history

    chain.revert()
    history.clear()


def settle_benchmarks() -> None:
    """Let benchmarks published with the notice period take effect and stay in force for another
    one, so the reserve pays at them (IPriceBook.settledQuote)."""
    from brownie import chain

    chain.sleep(2 * NOTICE + 11)
    chain.mine()


def publish_now(prices, price_bureau, pollutant: int, region: int, fen_per_tonne: int) -> None:
    """The price bureau publishes a benchmark at the earliest time (the notice period from now)
    and the chain's clock moves until it is in force (R-15)."""
    from brownie import chain

    prices.publish(pollutant, region, fen_per_tonne, earliest_effect(), {"from": price_bureau})
    chain.sleep(NOTICE + 11)
    chain.mine()


def earliest_effect() -> int:
    """A benchmark's effective time the price bureau may publish for in the next block (R-15:
    the notice period from then; a few seconds' margin for the block's own time)."""
    return now() + NOTICE + 10


LOAN_FEN = 10**8  # 一百万元: the claim a test pledge secures


def loan(days: int = 365) -> tuple[int, int]:
    """A pledge's claim and maturity (R-34): ``LOAN_FEN`` due ``days`` from the latest block."""
    return LOAN_FEN, now() + days * 86_400


FUNDS_FEN = 10**10  # 一亿元 per trading account (the exchange's tests)
STOCK_KG = 50_000


def issue(cny, settlement_bank, to, fen: int) -> None:
    """The settlement bank issues money against a deposit it received."""
    cny.issue(to, fen, b"\x01" * 32, {"from": settlement_bank})


def policy_switch_now(policy, council, rule, on: bool = True) -> None:
    """The city policy's ``rule`` (a ``backend.chain.policy.Switch``) turned on or off from this
    block (``council``: an account holding the policy book's TIMELOCK_ROLE, as the test
    deployment's regulator does)."""
    policy.scheduleSwitch(int(rule), on, 0, {"from": council})  # 0: on execution
