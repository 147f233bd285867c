"""Settlement money and trading accounts (R-16, R-29): issued by the settlement bank against real
deposits, paid into the exchange, locked behind bids, withdrawn and redeemed; the book always
equals the money the exchange holds."""

import pytest

from tests.contracts.market.conftest import issue
from tests.contracts.market.orders import HOUR, WITHDRAWAL_FIELDS, key_of
from tests.helpers import now, plain, reverts, signed

PERMIT_FIELDS = [
    ("owner", "address"),
    ("spender", "address"),
    ("value", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
VOUCHER = b"\x07" * 32


def split(signature: str) -> tuple[int, bytes, bytes]:
    raw = bytes.fromhex(signature[2:])
    return raw[64], raw[:32], raw[32:64]


def test_money_is_yuan_in_fen_issued_by_the_settlement_bank_R16(cny, settlement_bank, city):
    """R-16: 2 decimals (fen); only the settlement bank issues, against a deposit voucher."""
    assert cny.decimals() == 2
    tx = cny.issue(city.chem, 12_345, VOUCHER, {"from": settlement_bank})
    assert tx.events["Issued"]["voucher"] == "0x" + VOUCHER.hex()
    assert cny.balanceOf(city.chem) == 12_345
    assert cny.totalIssued() == 12_345
    with reverts("AccessControlUnauthorizedAccount"):
        cny.issue(city.chem, 1, VOUCHER, {"from": city.chem.account})
    with reverts("SettlementZeroAmount"):
        cny.issue(city.chem, 0, VOUCHER, {"from": settlement_bank})


def test_redemption_needs_the_holders_allowance_R16(cny, settlement_bank, city):
    """R-16: the bank burns money it pays out only with the holder's consent (an allowance)."""
    issue(cny, settlement_bank, city.chem, 10_000)
    with reverts("ERC20InsufficientAllowance"):
        cny.redeem(city.chem, 4_000, VOUCHER, {"from": settlement_bank})
    cny.approve(settlement_bank, 4_000, {"from": city.chem.account})
    tx = cny.redeem(city.chem, 4_000, VOUCHER, {"from": settlement_bank})
    assert tx.events["Redeemed"]["fen"] == 4_000
    assert cny.balanceOf(city.chem) == 6_000
    assert cny.totalIssued() - cny.totalRedeemed() == cny.totalSupply() == 6_000
    with reverts("AccessControlUnauthorizedAccount"):
        cny.redeem(city.chem, 1, VOUCHER, {"from": city.chem.account})


def test_deposit_and_withdraw_through_the_trading_account_R16(
    cny, secondary, settlement_bank, city
):
    """R-16: money paid in is booked as available; withdrawing pays it back to the wallet."""
    issue(cny, settlement_bank, city.chem, 50_000)
    cny.approve(secondary, 50_000, {"from": city.chem.account})
    tx = secondary.deposit(city.chem, 50_000, {"from": city.chem.account})
    assert tx.events["FundsDeposited"]["fen"] == 50_000
    assert plain(secondary.fundsOf(city.chem)) == (50_000, 0)
    assert cny.balanceOf(secondary) == secondary.totalBooked() == 50_000
    secondary.withdraw(20_000, {"from": city.chem.account})
    assert plain(secondary.fundsOf(city.chem)) == (30_000, 0)
    assert cny.balanceOf(city.chem) == 20_000
    assert cny.balanceOf(secondary) == secondary.totalBooked() == 30_000


def test_withdrawal_beyond_the_available_money_is_refused(cny, secondary, settlement_bank, city):
    """Bad input changes nothing: one fen more than available is refused."""
    issue(cny, settlement_bank, city.chem, 1_000)
    cny.approve(secondary, 1_000, {"from": city.chem.account})
    secondary.deposit(city.chem, 1_000, {"from": city.chem.account})
    with reverts("ExchangeInsufficientFunds", city.chem, 1_000, 1_001):
        secondary.withdraw(1_001, {"from": city.chem.account})
    with reverts("ExchangeZeroAmount"):
        secondary.withdraw(0, {"from": city.chem.account})
    with reverts("ExchangeZeroAmount"):
        secondary.deposit(city.chem, 0, {"from": city.chem.account})
    assert plain(secondary.fundsOf(city.chem)) == (1_000, 0)


def test_money_beyond_what_the_book_stores_is_refused_R16(cny, secondary, settlement_bank, city):
    """The book keeps each member's money in uint112 beside its signed-action nonce: a deposit
    that would take the book's total past 2¹¹² − 1 fen is refused with a named error, and nothing
    changes; up to that total is accepted."""
    top = 2**112 - 1
    room = top - secondary.totalBooked()
    issue(cny, settlement_bank, city.chem, room + 1)
    cny.approve(secondary, room + 1, {"from": city.chem.account})
    secondary.deposit(city.chem, room, {"from": city.chem.account})
    assert secondary.totalBooked() == top
    before = (plain(secondary.fundsOf(city.chem)), secondary.nonces(city.chem))
    with reverts("ExchangeAmountTooLarge", 1):
        secondary.deposit(city.chem, 1, {"from": city.chem.account})
    with reverts("ExchangeAmountTooLarge", 2**112):
        secondary.withdraw(2**112, {"from": city.chem.account})
    assert (plain(secondary.fundsOf(city.chem)), secondary.nonces(city.chem)) == before
    assert secondary.totalBooked() == cny.balanceOf(secondary) == top
    assert cny.balanceOf(city.chem) == 1


def test_a_members_nonce_and_money_share_a_slot_without_touching_each_other_R16(
    cny, secondary, settlement_bank, city, stranger
):
    """The signed-action nonce lives beside the member's money: signed withdrawals advance the
    nonce by one each and move only what they name; a withdrawal the member sends itself leaves
    the nonce alone."""
    issue(cny, settlement_bank, city.chem, 2**100)
    cny.approve(secondary, 2**100, {"from": city.chem.account})
    secondary.deposit(city.chem, 2**100, {"from": city.chem.account})
    assert secondary.nonces(city.chem) == 0
    deadline = now() + HOUR
    for nonce in range(3):
        sig = _withdrawal(secondary, city.chem, 1, deadline, nonce=nonce)
        secondary.withdrawBySig(city.chem, 1, deadline, sig, {"from": stranger})
        assert secondary.nonces(city.chem) == nonce + 1
        assert plain(secondary.fundsOf(city.chem)) == (2**100 - nonce - 1, 0)
    secondary.withdraw(2**99, {"from": city.chem.account})
    assert secondary.nonces(city.chem) == 3
    assert plain(secondary.fundsOf(city.chem)) == (2**100 - 2**99 - 3, 0)


def test_bank_pays_into_a_members_trading_account_R16(cny, secondary, settlement_bank, city):
    """R-16: whoever pays in (here the settlement bank) credits the named member's account."""
    issue(cny, settlement_bank, settlement_bank, 7_000)
    cny.approve(secondary, 7_000, {"from": settlement_bank})
    tx = secondary.deposit(city.steel, 7_000, {"from": settlement_bank})
    assert tx.events["FundsDeposited"]["from"] == settlement_bank
    assert plain(secondary.fundsOf(city.steel)) == (7_000, 0)


def test_deposit_by_a_permit_signed_in_the_wallet_is_relayed_R16(
    cny, secondary, settlement_bank, city, stranger
):
    """R-16: the member signs an ERC-2612 permit; the relayer submits the deposit for it."""
    issue(cny, settlement_bank, city.chem, 9_000)
    deadline = now() + HOUR
    message = {
        "owner": city.chem.address,
        "spender": secondary.address,
        "value": 9_000,
        "nonce": 0,
        "deadline": deadline,
    }
    v, r, s = split(signed(cny, "Permit", PERMIT_FIELDS, message, key_of(city.chem)))
    secondary.depositWithPermit(city.chem, 9_000, deadline, v, r, s, {"from": stranger})
    assert plain(secondary.fundsOf(city.chem)) == (9_000, 0)
    assert cny.balanceOf(city.chem) == 0
    # the used permit cannot pay in again
    issue(cny, settlement_bank, city.chem, 9_000)
    with reverts("ExchangeInvalidPermit", city.chem):
        secondary.depositWithPermit(city.chem, 9_000, deadline, v, r, s, {"from": stranger})


def test_an_allowance_alone_never_lets_a_third_party_deposit_R16(
    cny, secondary, settlement_bank, city, stranger
):
    """R-16 (finding 13 of the review): a member that approved the exchange keeps its money in
    its wallet until it acts: a relayed deposit with an empty or foreign permit is refused; the
    member's own call may use its allowance."""
    issue(cny, settlement_bank, city.chem, 9_000)
    cny.approve(secondary, 9_000, {"from": city.chem.account})
    empty = (0, b"\0" * 32, b"\0" * 32)
    with reverts("ExchangeInvalidPermit", city.chem):
        secondary.depositWithPermit(city.chem, 9_000, 0, *empty, {"from": stranger})
    assert cny.balanceOf(city.chem) == 9_000
    secondary.depositWithPermit(city.chem, 9_000, 0, *empty, {"from": city.chem.account})
    assert plain(secondary.fundsOf(city.chem)) == (9_000, 0)


def _withdrawal(secondary, account, fen, deadline, nonce=0, key=None, **domain):
    message = {"account": account.address, "amountFen": fen, "nonce": nonce, "deadline": deadline}
    return signed(
        secondary, "Withdrawal", WITHDRAWAL_FIELDS, message, key or key_of(account), **domain
    )


def test_signed_withdrawal_pays_the_members_own_wallet(
    cny, secondary, settlement_bank, city, stranger
):
    """A withdrawal signed in the member's wallet is relayed; the money goes to that wallet only."""
    issue(cny, settlement_bank, city.chem, 5_000)
    cny.approve(secondary, 5_000, {"from": city.chem.account})
    secondary.deposit(city.chem, 5_000, {"from": city.chem.account})
    deadline = now() + HOUR
    sig = _withdrawal(secondary, city.chem, 2_000, deadline)
    secondary.withdrawBySig(city.chem, 2_000, deadline, sig, {"from": stranger})
    assert cny.balanceOf(city.chem) == 2_000
    assert cny.balanceOf(stranger) == 0
    with reverts("SignedActionInvalidSignature", city.chem):  # replay
        secondary.withdrawBySig(city.chem, 2_000, deadline, sig, {"from": stranger})
    forged = _withdrawal(secondary, city.chem, 2_000, deadline, nonce=1, key=key_of(city.steel))
    with reverts("SignedActionInvalidSignature", city.chem):
        secondary.withdrawBySig(city.chem, 2_000, deadline, forged, {"from": stranger})
    assert plain(secondary.fundsOf(city.chem)) == (3_000, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a, b: s.lock(a, 1, {"from": b}),
        lambda s, a, b: s.unlock(a, 1, {"from": b}),
        lambda s, a, b: s.transferLocked(a, b, 1, {"from": b}),
        lambda s, a, b: s.payOut(a, b, 1, False, {"from": b}),
    ],
    ids=["lock", "unlock", "transferLocked", "payOut"],
)
def test_only_market_contracts_move_booked_money_R16(secondary, city, exchange, call):
    """R-16: members' money moves only by the exchange's market contracts — not by the operator,
    not by a member."""
    for actor in (exchange, city.chem.account):
        with reverts("AccessControlUnauthorizedAccount"):
            call(secondary, city.steel, actor)
