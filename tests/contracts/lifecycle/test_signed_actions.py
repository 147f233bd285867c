"""Signed actions of the lease book and the government reserve (docs/signing.md).

A company signs each action in its own wallet as an EIP-712 struct; anyone relays it (the
service's relayer pays the gas). For every action: the valid signature acts once as the signer
(R-26 buy-back, R-28 release acceptance, R-35 leasing), and a replayed, expired, altered or
foreign signature is refused by name with nothing changed.
"""

import pytest
from brownie import chain
from eth_utils import keccak

from backend.chain.domain import Origin
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import company_key, fen_at_benchmark, now, reverts, signed

RECLAIMED, PRIORITY = 0, 1
COD_PRICE = BENCHMARKS["COD"]

STRUCTS = {
    "OfferLease": "OfferLease(address lessor,address lessee,uint32 pollutant,uint64 kg,"
    "uint64 endsAt,uint256 rentFen,uint256 nonce,uint256 deadline)",
    "CancelLease": "CancelLease(address lessor,uint256 id,uint256 nonce,uint256 deadline)",
    "AcceptLease": "AcceptLease(address lessee,uint256 id,uint32 pollutant,uint64 kg,"
    "uint256 rentFen,uint256 nonce,uint256 deadline)",
    "BuyBack": "BuyBack(address unit,uint32 pollutant,uint32 period,uint64 kg,uint256 minPriceFen,"
    "uint256 nonce,uint256 deadline)",
    "AcceptRelease": "AcceptRelease(address buyer,uint256 id,uint32 pollutant,uint64 kg,"
    "uint256 priceFen,uint256 nonce,uint256 deadline)",
}


def fields_of(primary: str) -> list[tuple[str, str]]:
    inner = STRUCTS[primary].split("(", 1)[1].rstrip(")")
    return [(p.split()[1], p.split()[0]) for p in inner.split(",")]


def by_sig(contract, primary, values, key, *, nonce=None, deadline=None, sign_values=None):
    """Arguments of ``<action>BySig``: the struct's fields, deadline, signature.

    ``sign_values`` signs other values than those sent (an altered message)."""
    fields = fields_of(primary)
    names = [n for n, _ in fields[:-2]]
    signer = values[names[0]]
    deadline = now() + 600 if deadline is None else deadline
    nonce = contract.nonces(signer) if nonce is None else nonce
    message = {**(sign_values or values), "nonce": nonce, "deadline": deadline}
    signature = signed(contract, primary, fields, message, key)
    return [*(values[n] for n in names), deadline, signature]


@pytest.fixture(scope="module")
def funded(city, ledger, exchange, regulator, money):
    """chem: 10 t paid + 3 t free COD; steel holds money for rents and prices."""
    cod = city.pollutant["COD"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 3_000, {"from": regulator})
    money.mint(city.steel, 10**9, {"from": regulator})
    return city


def test_typehashes_are_the_documented_structs(leases, reserve):
    """docs/signing.md rule 6: the public typehashes are keccak256 of the structs wallets show."""
    assert str(leases.OFFER_LEASE_TYPEHASH()) == "0x" + keccak(text=STRUCTS["OfferLease"]).hex()
    assert str(leases.CANCEL_LEASE_TYPEHASH()) == "0x" + keccak(text=STRUCTS["CancelLease"]).hex()
    assert str(leases.ACCEPT_LEASE_TYPEHASH()) == "0x" + keccak(text=STRUCTS["AcceptLease"]).hex()
    assert str(reserve.BUY_BACK_TYPEHASH()) == "0x" + keccak(text=STRUCTS["BuyBack"]).hex()
    assert (
        str(reserve.ACCEPT_RELEASE_TYPEHASH()) == "0x" + keccak(text=STRUCTS["AcceptRelease"]).hex()
    )
    assert [str(v) for v in leases.eip712Domain()[1:3]] == ["LeaseBook", "1"]
    # version 2: the buy-back's struct gained the least price the unit accepts
    assert [str(v) for v in reserve.eip712Domain()[1:3]] == ["GovernmentReserve", "2"]


RENT = 400_000  # above the floor of 4 t COD for a year (4 t × 4 000 元/t × 1/5 = 3 200 元)


def offer_values(city, rent=RENT, kg=4_000, term=YEAR):
    return {"lessor": city.chem.address, "lessee": city.steel.address,
            "pollutant": city.pollutant["COD"], "kg": kg, "endsAt": now() + term,
            "rentFen": rent}  # fmt: skip


def test_signed_lease_offer_acceptance_and_rent_R35_R16(leases, ledger, money, funded, stranger):
    """R-35, R-16: the lessor signs the offer, the lessee signs the terms it accepts; a stranger
    relays both; rights and rent move in the acceptance's transaction."""
    cod = funded.pollutant["COD"]
    tx = leases.offerLeaseBySig(
        *by_sig(leases, "OfferLease", offer_values(funded), company_key(0)), {"from": stranger}
    )
    lease_id = tx.return_value
    assert tx.events["LeaseOffered"]["lessor"] == funded.chem.address
    assert leases.nonces(funded.chem) == 1
    money.approve(leases, RENT, {"from": funded.steel.account})
    accept = {"lessee": funded.steel.address, "id": lease_id, "pollutant": cod, "kg": 4_000,
              "rentFen": RENT}  # fmt: skip
    tx = leases.acceptLeaseBySig(
        *by_sig(leases, "AcceptLease", accept, company_key(1)), {"from": stranger}
    )
    assert tx.events["LeaseStarted"]["id"] == lease_id
    assert money.balanceOf(funded.chem) == RENT
    assert ledger.positionOf(funded.steel, cod)["leasedIn"] == 4_000
    assert leases.nonces(funded.steel) == 1


def test_acceptance_with_other_terms_is_refused_R35(leases, money, funded, stranger):
    """R-35: the lessee's signature binds the quantity and rent it saw; other terms are refused."""
    lease_id = leases.offerLease(
        funded.steel, funded.pollutant["COD"], 4_000, now() + YEAR, RENT,
        {"from": funded.chem.account},
    ).return_value  # fmt: skip
    money.approve(leases, 10**9, {"from": funded.steel.account})
    accept = {"lessee": funded.steel.address, "id": lease_id, "pollutant": funded.pollutant["COD"],
              "kg": 4_000, "rentFen": RENT - 1}  # fmt: skip
    with reverts("LeaseTermsMismatch", lease_id):
        leases.acceptLeaseBySig(
            *by_sig(leases, "AcceptLease", accept, company_key(1)), {"from": stranger}
        )
    assert leases.lease(lease_id)["status"] == 1
    assert leases.nonces(funded.steel) == 0


def test_signed_cancellation_only_by_the_lessor_R35(leases, funded, stranger):
    """R-35: the lessor's signed cancellation ends the offer; the lessee's is refused."""
    lease_id = leases.offerLease(
        funded.steel, funded.pollutant["COD"], 1_000, now() + YEAR, RENT,
        {"from": funded.chem.account},
    ).return_value  # fmt: skip
    foreign = {"lessor": funded.steel.address, "id": lease_id}
    with reverts("LeaseNotParty", lease_id, funded.steel.account):
        leases.cancelLeaseBySig(
            *by_sig(leases, "CancelLease", foreign, company_key(1)), {"from": stranger}
        )
    own = {"lessor": funded.chem.address, "id": lease_id}
    tx = leases.cancelLeaseBySig(
        *by_sig(leases, "CancelLease", own, company_key(0)), {"from": stranger}
    )
    assert tx.events["LeaseCancelled"]["id"] == lease_id
    assert leases.lease(lease_id)["status"] == 4


@pytest.fixture(scope="module")
def surrendered(funded, compliance, usage, regulator):
    """Period 1 ended; chem used 5 t of COD and surrendered it (3 t free + 2 t paid)."""
    cod = funded.pollutant["COD"]
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 + 10, t0 + 30 * DAY, t0 + 60 * DAY, {"from": regulator})
    usage.post(funded.chem, cod, 1, 5_000, True)
    chain.sleep(11)
    chain.mine()
    compliance.surrender(funded.chem, cod, 1, {"from": funded.chem.account})
    return funded


def test_signed_buy_back_pays_the_unit_R26(reserve, ledger, money, surrendered, stranger):
    """R-26: the unit's signed buy-back is relayed by anyone; the unit is paid at the benchmark."""
    cod = surrendered.pollutant["COD"]
    price = fen_at_benchmark(6_000, COD_PRICE)
    values = {"unit": surrendered.chem.address, "pollutant": cod, "period": 1, "kg": 6_000,
              "minPriceFen": price}  # fmt: skip
    tx = reserve.buyBackBySig(
        *by_sig(reserve, "BuyBack", values, company_key(0)), {"from": stranger}
    )
    assert tx.events["RightsTraded"]["mode"] == 5
    assert money.balanceOf(surrendered.chem) == price
    assert money.balanceOf(stranger) == 0
    assert ledger.balanceOf(surrendered.chem, cod)["paid"] == 2_000


def test_signed_buy_back_binds_the_least_price_the_unit_accepted_R26(
    reserve, ledger, surrendered, stranger
):
    """R-26 (finding 11 of the review): a relayer holding the signature cannot sell below the
    price the unit saw; nothing moves and the nonce stays."""
    cod = surrendered.pollutant["COD"]
    price = fen_at_benchmark(6_000, COD_PRICE)
    values = {"unit": surrendered.chem.address, "pollutant": cod, "period": 1, "kg": 6_000,
              "minPriceFen": price + 1}  # fmt: skip
    with reverts("ReservePriceBelowAccepted", price, price + 1):
        reserve.buyBackBySig(
            *by_sig(reserve, "BuyBack", values, company_key(0)), {"from": stranger}
        )
    assert reserve.nonces(surrendered.chem) == 0
    assert ledger.balanceOf(surrendered.chem, cod)["paid"] == 8_000


def test_signed_buy_back_outside_the_window_is_refused_R26(reserve, funded, stranger):
    """R-26: no buy-back before the period is surrendered (the rule names the unit, not the
    relayer)."""
    values = {"unit": funded.chem.address, "pollutant": funded.pollutant["COD"], "period": 2,
              "kg": 1_000, "minPriceFen": 0}  # fmt: skip
    with reverts("ReserveBuyBackClosed", funded.chem, funded.pollutant["COD"], 2):
        reserve.buyBackBySig(
            *by_sig(reserve, "BuyBack", values, company_key(0)), {"from": stranger}
        )


@pytest.fixture(scope="module")
def offered(funded, reserve, regulator):
    """3 t of paid COD reclaimed into the reserve; 2 t offered to steel for a priority project."""
    cod = funded.pollutant["COD"]
    reserve.reclaim(
        funded.chem, cod, int(Origin.PAID), 3_000, RECLAIMED, "关停", {"from": regulator}
    )
    price = fen_at_benchmark(2_000, COD_PRICE)
    offer_id = reserve.offerRelease(
        funded.steel, cod, 2_000, price, RECLAIMED, PRIORITY, "示范项目", {"from": regulator}
    ).return_value
    return {"buyer": funded.steel.address, "id": offer_id, "pollutant": cod, "kg": 2_000,
            "priceFen": price}  # fmt: skip


def test_signed_release_acceptance_pays_the_treasury_R28_R29(
    reserve, ledger, money, treasury, funded, offered, stranger
):
    """R-28, R-29: the buyer signs the offer's terms; the price goes from the buyer (not the
    relayer) to the treasury."""
    money.approve(reserve, offered["priceFen"], {"from": funded.steel.account})
    tx = reserve.acceptReleaseBySig(
        *by_sig(reserve, "AcceptRelease", offered, company_key(1)), {"from": stranger}
    )
    assert tx.events["ReserveOutflow"]["to"] == funded.steel.address
    assert money.balanceOf(treasury) == offered["priceFen"]
    assert ledger.balanceOf(funded.steel, offered["pollutant"])["paid"] == 2_000


def test_release_acceptance_with_other_terms_or_by_another_is_refused_R28(
    reserve, money, funded, offered, stranger
):
    """R-28: a signature over other terms, or by someone else than the buyer, moves nothing."""
    money.approve(reserve, 10**9, {"from": funded.steel.account})
    cheaper = {**offered, "priceFen": offered["priceFen"] - 1}
    with reverts("ReserveOfferMismatch", offered["id"]):
        reserve.acceptReleaseBySig(
            *by_sig(reserve, "AcceptRelease", cheaper, company_key(1)), {"from": stranger}
        )
    other = {**offered, "buyer": funded.chem.address}
    with reverts("ReserveNotBuyer", offered["id"], funded.chem.account):
        reserve.acceptReleaseBySig(
            *by_sig(reserve, "AcceptRelease", other, company_key(0)), {"from": stranger}
        )
    assert reserve.offer(offered["id"])["open"] is True


# -- the signature itself: replayed, expired, altered, foreign (each action) -----------------


@pytest.fixture
def cases(leases, reserve, money, funded, offered):
    """For each signed action: contract, function, struct, valid values, the signer's key."""
    lease_id = leases.offerLease(
        funded.steel, funded.pollutant["COD"], 1_000, now() + YEAR, RENT,
        {"from": funded.chem.account},
    ).return_value  # fmt: skip
    money.approve(reserve, 10**9, {"from": funded.steel.account})
    money.approve(leases, 10**9, {"from": funded.steel.account})
    cod = funded.pollutant["COD"]
    return {
        "offerLeaseBySig": (leases, "OfferLease", offer_values(funded), 0),
        "cancelLeaseBySig": (leases, "CancelLease", {"lessor": funded.chem.address,
                                                     "id": lease_id}, 0),
        "acceptLeaseBySig": (leases, "AcceptLease", {"lessee": funded.steel.address, "id": lease_id,
                             "pollutant": cod, "kg": 1_000, "rentFen": RENT}, 1),
        "acceptReleaseBySig": (reserve, "AcceptRelease", offered, 1),
    }  # fmt: skip


ACTIONS = ["offerLeaseBySig", "cancelLeaseBySig", "acceptLeaseBySig", "acceptReleaseBySig"]


@pytest.mark.parametrize("function", ACTIONS)
def test_expired_signature_is_refused(cases, function, stranger):
    """A signature past its deadline is refused with the deadline and the chain's time."""
    contract, primary, values, key = cases[function]
    deadline = now() - 1
    with reverts("SignedActionExpired"):
        getattr(contract, function)(
            *by_sig(contract, primary, values, company_key(key), deadline=deadline),
            {"from": stranger},
        )


@pytest.mark.parametrize("function", ACTIONS)
def test_replayed_altered_and_foreign_signatures_are_refused(cases, function, stranger):
    """A signature works once; changed values or another signer's key are not the signer's."""
    contract, primary, values, key = cases[function]
    signer = values[fields_of(primary)[0][0]]
    args = by_sig(contract, primary, values, company_key(key))
    getattr(contract, function)(*args, {"from": stranger})
    with reverts("SignedActionInvalidSignature", signer):  # replay: the nonce moved on
        getattr(contract, function)(*args, {"from": stranger})
    nonce = contract.nonces(signer)
    numbers = [n for n, t in fields_of(primary)[:-2] if t.startswith("uint")]
    first_number = next((n for n in numbers if n != "id"), "id")
    altered = {**values, first_number: values[first_number] + 1}
    with reverts("SignedActionInvalidSignature", signer):
        getattr(contract, function)(
            *by_sig(contract, primary, altered, company_key(key), sign_values=values),
            {"from": stranger},
        )
    with reverts("SignedActionInvalidSignature", signer):
        getattr(contract, function)(
            *by_sig(contract, primary, values, company_key(5)), {"from": stranger}
        )
    assert contract.nonces(signer) == nonce


def test_buy_back_signature_replayed_expired_altered_foreign(reserve, surrendered, stranger):
    """The same four refusals for the buy-back (R-26), which needs a surrendered period."""
    cod = surrendered.pollutant["COD"]
    values = {"unit": surrendered.chem.address, "pollutant": cod, "period": 1, "kg": 1_000,
              "minPriceFen": 0}  # fmt: skip
    unit = surrendered.chem.address
    deadline = now() - 1
    with reverts("SignedActionExpired"):
        reserve.buyBackBySig(
            *by_sig(reserve, "BuyBack", values, company_key(0), deadline=deadline),
            {"from": stranger},
        )
    args = by_sig(reserve, "BuyBack", values, company_key(0))
    reserve.buyBackBySig(*args, {"from": stranger})
    with reverts("SignedActionInvalidSignature", unit):
        reserve.buyBackBySig(*args, {"from": stranger})
    more = {**values, "kg": 5_000}
    with reverts("SignedActionInvalidSignature", unit):
        reserve.buyBackBySig(
            *by_sig(reserve, "BuyBack", more, company_key(0), sign_values=values),
            {"from": stranger},
        )
    with reverts("SignedActionInvalidSignature", unit):
        reserve.buyBackBySig(
            *by_sig(reserve, "BuyBack", values, company_key(1)), {"from": stranger}
        )
    assert reserve.nonces(unit) == 1
