"""Pledges to banks (R-07, R-34): only excess paid rights, only the bank releases or enforces."""

import pytest
from brownie import chain

from backend.chain.domain import Op, Origin, Reason
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import company_key, fen_at_benchmark, loan, movement, now, plain, reverts, signed

PLEDGE_FIELDS = [
    ("holder", "address"),
    ("bank", "address"),
    ("pollutant", "uint32"),
    ("quantityKg", "uint64"),
    ("claimFen", "uint128"),
    ("maturity", "uint64"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


@pytest.fixture(scope="module")
def holder(city, ledger, exchange, regulator, permits):
    """chem: 10 t paid + 3 t free COD, permit 8 t → 5 t excess, of which 5 t paid pledgeable."""
    cod = city.pollutant["COD"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 3_000, {"from": regulator})
    t0 = now()
    permits.issuePermit(city.chem, [cod], [8_000], t0 - DAY, t0 + YEAR, {"from": regulator})
    return city


def test_pledge_excess_paid_rights_R34(pledges, ledger, bank, holder):
    """R-34: the holder pledges available excess; the rights stay owned but locked."""
    cod = holder.pollutant["COD"]
    claim, maturity = loan()
    tx = pledges.pledge(bank, cod, 5_000, claim, maturity, {"from": holder.chem.account})
    assert tx.return_value == 1
    assert tx.events["Pledged"]["kg"] == 5_000
    assert (tx.events["Pledged"]["claimFen"], tx.events["Pledged"]["maturity"]) == (claim, maturity)
    assert tx.events["RightsPledged"]["kg"] == 5_000
    assert plain(ledger.balanceOf(holder.chem, cod)) == (10_000, 3_000, 0, 5_000)
    assert ledger.holdings(holder.chem, cod) == 13_000
    assert plain(pledges.pledgeOf(1)) == (
        holder.chem.address,
        cod,
        5_000,
        bank.address,
        1,
        maturity,
        claim,
    )
    assert pledges.pledgeCount() == 1
    assert tx.events["Pledged"]["id"] == 1 and tx.events["Pledged"]["holder"] == holder.chem


def test_a_pledge_records_a_claim_and_a_future_maturity_R34(pledges, ledger, bank, holder):
    """R-34: the secured claim is above zero and the debt falls due in the future; otherwise the
    pledge is refused and nothing is locked."""
    cod = holder.pollutant["COD"]
    claim, maturity = loan()
    with reverts("PledgeInvalidTerms", 0, maturity):
        pledges.pledge(bank, cod, 1_000, 0, maturity, {"from": holder.chem.account})
    past = now() - 1
    with reverts("PledgeInvalidTerms", claim, past):
        pledges.pledge(bank, cod, 1_000, claim, past, {"from": holder.chem.account})
    # the record's widths: a claim up to 2^40 - 1 fen (11 billion yuan), a maturity up to 2^48 - 1
    with reverts("PledgeInvalidTerms", 2**40, maturity):
        pledges.pledge(bank, cod, 1_000, 2**40, maturity, {"from": holder.chem.account})
    with reverts("PledgeInvalidTerms", claim, 2**48):
        pledges.pledge(bank, cod, 1_000, claim, 2**48, {"from": holder.chem.account})
    assert pledges.pledgeCount() == 0
    assert ledger.balanceOf(holder.chem, cod)["pledged"] == 0
    pledges.pledge(bank, cod, 1_000, 2**40 - 1, 2**48 - 1, {"from": holder.chem.account})
    record = pledges.pledgeOf(1)
    assert (record["claimFen"], record["maturity"]) == (2**40 - 1, 2**48 - 1)


def test_only_the_excess_over_the_permit_is_pledged_R07(pledges, ledger, bank, holder):
    """R-07: holdings 13 t, permit 8 t → pledging 5 001 kg would leave 7 999 kg unencumbered."""
    cod = holder.pollutant["COD"]
    m = movement(Op.PLEDGE, holder.chem, holder.chem, cod, 5_001)
    assert plain(ledger.check(m)) == (Reason.BELOW_PERMIT, 7_999, 8_000)
    with reverts("LedgerBelowPermit", holder.chem, cod, 7_999, 8_000):
        pledges.pledge(bank, cod, 5_001, *loan(), {"from": holder.chem.account})


def test_only_paid_rights_are_pledged_R05_R07(pledges, regulator, permits, bank, holder):
    """R-05, R-07: free rights cannot be pledged (an enforcement sale would sell them)."""
    cod = holder.pollutant["COD"]
    permits.revokePermit(holder.chem, {"from": regulator})
    with reverts("LedgerInsufficientRights", holder.chem, cod, 10_001, 10_000):
        pledges.pledge(bank, cod, 10_001, *loan(), {"from": holder.chem.account})


def test_pledged_rights_are_never_pledged_twice_R07(pledges, permits, regulator, bank, holder):
    """R-07: pledged rights cannot be pledged again (here without a permit, all paid rights)."""
    cod = holder.pollutant["COD"]
    permits.revokePermit(holder.chem, {"from": regulator})
    pledges.pledge(bank, cod, 10_000, *loan(), {"from": holder.chem.account})
    with reverts("LedgerInsufficientRights", holder.chem, cod, 1, 0):
        pledges.pledge(bank, cod, 1, *loan(), {"from": holder.chem.account})


def test_pledgee_must_be_a_registered_bank_R34(pledges, holder, stranger):
    """R-34: rights are pledged to a bank holding the pledgee role."""
    with reverts("PledgeNotPledgee", stranger):
        pledges.pledge(stranger, 1, 1_000, *loan(), {"from": holder.chem.account})


def test_only_the_bank_releases_R34(pledges, ledger, bank, regulator, holder, stranger):
    """R-34: no admin path unlocks a pledge — regulator, admin and holder are all refused."""
    cod = holder.pollutant["COD"]
    pledges.pledge(bank, cod, 5_000, *loan(), {"from": holder.chem.account})
    for actor in (regulator, holder.chem.account, stranger):
        with reverts("PledgeNotBank", 1, actor):
            pledges.release(1, {"from": actor})
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.releaseRights(holder.chem, cod, 5_000, {"from": regulator})
    tx = pledges.release(1, {"from": bank})
    assert tx.events["RightsReleased"]["kg"] == 5_000
    assert ledger.balanceOf(holder.chem, cod)["pledged"] == 0
    with reverts("PledgeWrongStatus", 1, 2):
        pledges.release(1, {"from": bank})


def test_pledged_rights_are_not_surrendered_R07(pledges, ledger, regulator, bank, holder):
    """R-07: surrender burns around the pledge."""
    cod = holder.pollutant["COD"]
    pledges.pledge(bank, cod, 5_000, *loan(), {"from": holder.chem.account})
    ledger.grantRole(ledger.COMPLIANCE_ROLE(), regulator, {"from": regulator})
    with reverts("LedgerInsufficientRights", holder.chem, cod, 13_000, 8_000):
        ledger.surrender(holder.chem, cod, 13_000, {"from": regulator})
    ledger.surrender(holder.chem, cod, 8_000, {"from": regulator})
    assert plain(ledger.balanceOf(holder.chem, cod)) == (5_000, 0, 0, 5_000)


def _matured(pledges, bank, holder, kg, claim=1_500_000):
    """A pledge of ``kg`` COD for ``claim`` whose maturity has passed (the bank may declare
    default, R-34)."""
    cod = holder.pollutant["COD"]
    pid = pledges.pledge(bank, cod, kg, claim, now() + DAY, {"from": holder.chem.account})
    chain.sleep(DAY + 1)
    chain.mine()
    return pid.return_value


def test_default_is_declared_only_after_maturity_and_within_the_claim_R34(pledges, bank, holder):
    """R-34: the bank cannot enforce the block after the pledge, nor for more than the claim the
    pledgor agreed to secure; from the maturity on it declares default up to that claim."""
    cod = holder.pollutant["COD"]
    maturity = now() + DAY
    pledges.pledge(bank, cod, 5_000, 1_500_000, maturity, {"from": holder.chem.account})
    with reverts("PledgeNotMatured", 1, maturity, ...):
        pledges.enforce(1, 1_500_000, {"from": bank})
    chain.sleep(DAY + 1)
    chain.mine()
    with reverts("PledgeClaimAboveRecorded", 1, 2**128 - 1, 1_500_000):
        pledges.enforce(1, 2**128 - 1, {"from": bank})
    tx = pledges.enforce(1, 1_000_000, {"from": bank})  # partly repaid: less is due
    assert tx.events["PledgeEnforcementStarted"]["claimFen"] == 1_000_000
    assert pledges.pledgeOf(1)["claimFen"] == 1_000_000


def test_enforcement_sells_pledged_rights_to_a_buyer_R34(pledges, ledger, bank, exchange, holder):
    """R-34: on default the bank enforces; the exchange's sale moves the pledged rights and says
    who is paid (bank first, up to its claim)."""
    cod = holder.pollutant["COD"]
    _matured(pledges, bank, holder, 5_000)
    with reverts("PledgeWrongStatus", 1, 1):
        pledges.settleEnforcement(1, holder.steel, 10**10, {"from": exchange})
    pledges.enforce(1, 1_500_000, {"from": bank})
    price = fen_at_benchmark(5_000, BENCHMARKS["COD"])
    tx = pledges.settleEnforcement(1, holder.steel, price, {"from": exchange})
    assert plain(tx.return_value) == (holder.chem.address, bank.address, 1_500_000)
    assert tx.events["RightsEnforced"]["priceFen"] == price
    assert plain(ledger.balanceOf(holder.chem, cod)) == (5_000, 3_000, 0, 0)
    assert ledger.balanceOf(holder.steel, cod)["paid"] == 5_000
    assert pledges.pledgeOf(1)["status"] == 4


def test_enforcement_sale_obeys_the_buyer_rules_and_price_floor_R34_R15(
    pledges, bank, exchange, registry, regulator, holder
):
    """R-34 with R-15/R-17: the sale clears at benchmark to an eligible buyer, or not at all."""
    cod = holder.pollutant["COD"]
    _matured(pledges, bank, holder, 5_000)
    pledges.enforce(1, 0, {"from": bank})
    minimum = fen_at_benchmark(5_000, BENCHMARKS["COD"])
    with reverts("LedgerPriceBelowBenchmark", cod, minimum - 1, minimum):
        pledges.settleEnforcement(1, holder.steel, minimum - 1, {"from": exchange})
    registry.setRestriction(holder.steel, 1, True, "环保信用不良", {"from": regulator})
    with reverts("LedgerBlacklisted", holder.steel, 1):
        pledges.settleEnforcement(1, holder.steel, minimum, {"from": exchange})
    assert pledges.pledgeOf(1)["status"] == 3


def test_only_the_bank_enforces_and_only_the_exchange_sells_R34(pledges, bank, holder, stranger):
    """R-34: enforcement is the bank's act; the sale is the exchange's."""
    _matured(pledges, bank, holder, 5_000)
    with reverts("PledgeNotBank", 1, holder.chem.account):
        pledges.enforce(1, 0, {"from": holder.chem.account})
    pledges.enforce(1, 0, {"from": bank})
    with reverts("AccessControlUnauthorizedAccount"):
        pledges.settleEnforcement(1, stranger, 10**12, {"from": stranger})
    with reverts("PledgeUnknown", 9):
        pledges.enforce(9, 0, {"from": bank})


CLAIM, MATURITY = 10**8, 2**40  # the signed loan's claim (fen) and maturity (unix seconds)


def _pledge_message(holder, bank, kg, nonce, deadline, pollutant=1):
    return {
        "holder": holder.address,
        "bank": bank.address,
        "pollutant": pollutant,
        "quantityKg": kg,
        "claimFen": CLAIM,
        "maturity": MATURITY,
        "nonce": nonce,
        "deadline": deadline,
    }


def test_pledge_signed_in_the_holders_wallet_is_relayed_R34(
    pledges, ledger, bank, holder, stranger
):
    """R-34: the holder signs typed data; anyone (the relayer) submits it."""
    deadline = now() + 3_600
    sig = signed(
        pledges,
        "Pledge",
        PLEDGE_FIELDS,
        _pledge_message(holder.chem, bank, 4_000, 0, deadline),
        company_key(0),
    )
    tx = pledges.pledgeBySig(
        holder.chem, bank, 1, 4_000, CLAIM, MATURITY, deadline, sig, {"from": stranger}
    )
    assert tx.events["Pledged"]["holder"] == holder.chem.address
    assert (pledges.pledgeOf(1)["claimFen"], pledges.pledgeOf(1)["maturity"]) == (CLAIM, MATURITY)
    assert pledges.nonces(holder.chem) == 1
    assert ledger.balanceOf(holder.chem, 1)["pledged"] == 4_000


def test_signed_pledge_cannot_be_replayed(pledges, bank, holder, stranger):
    """A signature works once: the nonce it was made for is used up."""
    deadline = now() + 3_600
    sig = signed(
        pledges,
        "Pledge",
        PLEDGE_FIELDS,
        _pledge_message(holder.chem, bank, 1_000, 0, deadline),
        company_key(0),
    )
    pledges.pledgeBySig(
        holder.chem, bank, 1, 1_000, CLAIM, MATURITY, deadline, sig, {"from": stranger}
    )
    with reverts("SignedActionInvalidSignature", holder.chem):
        pledges.pledgeBySig(
            holder.chem, bank, 1, 1_000, CLAIM, MATURITY, deadline, sig, {"from": stranger}
        )


def test_signed_pledge_expires(pledges, bank, holder, stranger):
    """A signature is refused after its deadline."""
    deadline = now() + 60
    sig = signed(
        pledges,
        "Pledge",
        PLEDGE_FIELDS,
        _pledge_message(holder.chem, bank, 1_000, 0, deadline),
        company_key(0),
    )
    chain.sleep(120)
    with reverts("SignedActionExpired"):
        pledges.pledgeBySig(
            holder.chem, bank, 1, 1_000, CLAIM, MATURITY, deadline, sig, {"from": stranger}
        )


@pytest.mark.parametrize("forgery", ["altered", "wrong_signer", "other_chain", "other_contract"])
def test_forged_signed_pledges_are_refused(pledges, bank, holder, stranger, forgery):
    """Altered fields, another signer, another chain id or another contract: all refused."""
    deadline = now() + 3_600
    message = _pledge_message(holder.chem, bank, 1_000, 0, deadline)
    key, domain = company_key(0), {}
    if forgery == "wrong_signer":
        key = company_key(1)
    elif forgery == "other_chain":
        domain = {"chain_id": 1}
    elif forgery == "other_contract":
        domain = {"verifying_contract": stranger.address}
    sig = signed(pledges, "Pledge", PLEDGE_FIELDS, message, key, **domain)
    kg = 2_000 if forgery == "altered" else 1_000
    with reverts("SignedActionInvalidSignature", holder.chem):
        pledges.pledgeBySig(
            holder.chem, bank, 1, kg, CLAIM, MATURITY, deadline, sig, {"from": stranger}
        )
    assert pledges.pledgeCount() == 0
