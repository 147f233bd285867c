"""The signed actions of companies and verifiers (docs/signing.md), beside the pledge.

Each is one :class:`ActionSpec`: the party signs the struct in its own wallet, the service
checks and relays the contract's ``…BySig`` function. Contracts without a reason-code view
are pre-checked by simulating the action's unsigned twin as the signer (:class:`Simulation`),
so a refusal comes back before anything is signed, with the contract's own error.

The exchange's actions (orders, bids, negotiated trades) are added the same way once its
contracts are deployed: a body model, an ``ActionSpec`` and a line in ``COMPANY_ACTIONS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from backend.chain.errors import DecodedError
from backend.services.actions.spec import ActionBody, ActionSpec, Payment, Simulation
from backend.services.fields import Address, Bytes32, Fen, Kg, Uint32, Uint64, Uint256

# -- compliance (contracts/registry/ComplianceManager.sol) ------------------------------------


class SurrenderBody(ActionBody):
    """Surrender rights against the period's verified usage (清缴, R-24)."""

    unit: Address = Field(description="the signer: the unit whose usage is surrendered")
    pollutant: Uint32 = Field(description="pollutant id")
    period: Uint32 = Field(description="compliance period id")


def _unit_pollutant_period(m: Mapping[str, Any]) -> list[Any]:
    return [m["unit"], m["pollutant"], m["period"]]


SURRENDER = ActionSpec(
    name="surrender",
    contract="ComplianceManager",
    function="surrenderBySig",
    body=SurrenderBody,
    summary="Surrender rights for a period's verified usage (清缴)",
    struct="Surrender(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)",
    simulate=Simulation("surrender", args=_unit_pollutant_period),
)


class CarryOverBody(ActionBody):
    """Carry a compliant period's remaining rights into the next (结转, R-25)."""

    unit: Address = Field(description="the signer: a unit that surrendered all its usage")
    pollutant: Uint32 = Field(description="pollutant id")
    period: Uint32 = Field(description="compliance period id")


CARRY_OVER = ActionSpec(
    name="carry-over",
    contract="ComplianceManager",
    function="carryOverBySig",
    body=CarryOverBody,
    summary="Carry over remaining rights to the next period (结转)",
    struct="CarryOver(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)",
    simulate=Simulation("carryOver", args=_unit_pollutant_period),
)

# -- the government reserve (contracts/reserve/GovernmentReserve.sol) -------------------------


class BuyBackBody(ActionBody):
    """Sell paid rights of a surrendered period's surplus to the reserve at the settled benchmark
    of the unit's district (政府回购, R-26); the reserve fund pays the unit, never less than the
    minimum price it signed."""

    unit: Address = Field(description="the signer: the selling unit")
    pollutant: Uint32 = Field(description="pollutant id")
    period: Uint32 = Field(description="the surrendered compliance period")
    kg: Kg
    min_price_fen: Fen = Field(
        alias="minPriceFen",
        description="the least total price in fen the unit accepts (a lower settled benchmark "
        "is refused: ReservePriceBelowAccepted)",
    )


_SETTLED_QUOTE_ABI = [
    {"type": "function", "name": "settledQuote", "stateMutability": "view",
     "inputs": [{"name": "pollutant", "type": "uint32"}, {"name": "region", "type": "uint16"},
                {"name": "kg", "type": "uint64"}],
     "outputs": [{"name": "fen", "type": "uint256"}]},
]  # fmt: skip
_DISTRICT_ABI = [
    {"type": "function", "name": "profile", "stateMutability": "view",
     "inputs": [{"name": "holder", "type": "address"}],
     "outputs": [{"name": "", "type": "tuple", "components": [
         {"name": n, "type": t} for n, t in (
             ("registered", "bool"), ("closed", "bool"), ("policyRestricted", "bool"),
             ("qualifiedSeller", "bool"), ("restrictions", "uint8"), ("sector", "uint8"),
             ("district", "uint16"), ("basin", "uint16"), ("updatedAtBlock", "uint64"))]}]},
]  # fmt: skip


def _buy_back_price(reserve: Contract, m: Mapping[str, Any]) -> DecodedError | None:
    """The price the reserve pays now (the settled benchmark of the unit's district) against the
    least the unit accepts: a lower one is refused before anything is signed."""
    w3 = reserve.w3
    registry = w3.eth.contract(address=reserve.functions.registry().call(), abi=_DISTRICT_ABI)
    book = w3.eth.contract(address=reserve.functions.priceBook().call(), abi=_SETTLED_QUOTE_ABI)
    district = registry.functions.profile(m["unit"]).call()[6]
    try:
        price = book.functions.settledQuote(m["pollutant"], district, m["kg"]).call()
    except ContractLogicError:
        return None  # no settled benchmark: the simulation names it
    if price < m["minPriceFen"]:
        args = {"priceFen": price, "minimumFen": m["minPriceFen"]}
        return DecodedError("ReservePriceBelowAccepted", args, "", "")
    return None


BUY_BACK = ActionSpec(
    name="buy-back",
    contract="GovernmentReserve",
    function="buyBackBySig",
    body=BuyBackBody,
    summary="Sell surplus rights back to the reserve (政府回购)",
    typehash="BUY_BACK_TYPEHASH",
    simulate=Simulation(
        "buyBack", args=lambda m: [m["pollutant"], m["period"], m["kg"]], terms=_buy_back_price
    ),
)


def _offer_terms(reserve: Contract, m: Mapping[str, Any]) -> DecodedError | None:
    try:
        _buyer, pollutant, kg, _src, _use, _open, price = reserve.functions.offer(m["id"]).call()
    except ContractLogicError:
        return None  # unknown offer: the simulation names it
    if (pollutant, kg, price) != (m["pollutant"], m["kg"], m["priceFen"]):
        on_chain = {"pollutant": pollutant, "kg": kg, "priceFen": price}
        return DecodedError("ReserveOfferMismatch", {"id": m["id"], "offer": on_chain}, "", "")
    return None


class AcceptReleaseBody(ActionBody):
    """Accept a reserve release offered to the signer and pay its price to the treasury
    (储备出让, R-21, R-28, R-29). The terms are the offer's, shown in the wallet."""

    buyer: Address = Field(description="the signer: the buyer the offer names")
    id: Uint256 = Field(description="the release offer's id")
    pollutant: Uint32 = Field(description="pollutant id (as offered)")
    kg: Kg = Field(description="quantity in kilograms (as offered)")
    price_fen: Fen = Field(alias="priceFen", description="price in fen (as offered)")


ACCEPT_RELEASE = ActionSpec(
    name="accept-release",
    contract="GovernmentReserve",
    function="acceptReleaseBySig",
    body=AcceptReleaseBody,
    summary="Accept and pay for a reserve release (储备出让)",
    typehash="ACCEPT_RELEASE_TYPEHASH",
    simulate=Simulation("acceptRelease", args=lambda m: [m["id"]], terms=_offer_terms),
    payment=Payment(amount=lambda m: m["priceFen"]),
)

# -- leasing (contracts/lifecycle/LeaseBook.sol) ----------------------------------------------


class OfferLeaseBody(ActionBody):
    """Offer paid rights to a lessee for a term at a rent (租赁, R-35)."""

    lessor: Address = Field(description="the signer: the holder lending its paid rights")
    lessee: Address = Field(description="the unit that may accept")
    pollutant: Uint32 = Field(description="pollutant id")
    kg: Kg
    ends_at: Uint64 = Field(alias="endsAt", description="end of the term, unix seconds")
    rent_fen: Fen = Field(alias="rentFen", description="rent for the term in fen")


OFFER_LEASE = ActionSpec(
    name="offer-lease",
    contract="LeaseBook",
    function="offerLeaseBySig",
    body=OfferLeaseBody,
    summary="Offer rights on lease (租赁)",
    typehash="OFFER_LEASE_TYPEHASH",
    simulate=Simulation("offerLease"),
)


def _lease_terms(book: Contract, m: Mapping[str, Any]) -> DecodedError | None:
    try:
        _lessor, _lessee, pollutant, kg, _ends, _status, _unret, rent = book.functions.lease(
            m["id"]
        ).call()
    except ContractLogicError:
        return None  # unknown lease: the simulation names it
    if (pollutant, kg, rent) != (m["pollutant"], m["kg"], m["rentFen"]):
        on_chain = {"pollutant": pollutant, "kg": kg, "rentFen": rent}
        return DecodedError("LeaseTermsMismatch", {"id": m["id"], "lease": on_chain}, "", "")
    return None


class AcceptLeaseBody(ActionBody):
    """Accept a lease offered to the signer and pay its rent to the lessor (R-35, R-16)."""

    lessee: Address = Field(description="the signer: the lessee the offer names")
    id: Uint256 = Field(description="the lease's id")
    pollutant: Uint32 = Field(description="pollutant id (as offered)")
    kg: Kg = Field(description="quantity in kilograms (as offered)")
    rent_fen: Fen = Field(alias="rentFen", description="rent in fen (as offered)")


ACCEPT_LEASE = ActionSpec(
    name="accept-lease",
    contract="LeaseBook",
    function="acceptLeaseBySig",
    body=AcceptLeaseBody,
    summary="Accept a lease and pay its rent (租赁)",
    typehash="ACCEPT_LEASE_TYPEHASH",
    simulate=Simulation("acceptLease", args=lambda m: [m["id"]], terms=_lease_terms),
    payment=Payment(amount=lambda m: m["rentFen"]),
)


class CancelLeaseBody(ActionBody):
    """Withdraw a lease offer not yet accepted (R-35)."""

    lessor: Address = Field(description="the signer: the lessor who offered")
    id: Uint256 = Field(description="the lease's id")


CANCEL_LEASE = ActionSpec(
    name="cancel-lease",
    contract="LeaseBook",
    function="cancelLeaseBySig",
    body=CancelLeaseBody,
    summary="Withdraw a lease offer (租赁)",
    typehash="CANCEL_LEASE_TYPEHASH",
    simulate=Simulation("cancelLease"),
)

# -- verification (contracts/oracle/VerificationOracle.sol) -----------------------------------


class AttestBody(ActionBody):
    """A verifier's figure of a unit's actual usage for a period, with the SHA-256 of its
    evidence (核查, R-23). Nonces are unordered: the service picks an unused one."""

    verifier: Address = Field(description="the signer: a verifier (VERIFIER role)")
    unit: Address = Field(description="the verified unit")
    pollutant: Uint32 = Field(description="pollutant id")
    period: Uint32 = Field(description="compliance period id")
    kg: Kg = Field(description="verified actual usage in kilograms")
    evidence: Bytes32 = Field(description="SHA-256 of the evidence document, 0x-hex")


ATTEST = ActionSpec(
    name="attest",
    contract="VerificationOracle",
    function="attestBySig",
    body=AttestBody,
    summary="Attest verified usage (核查)",
    primary_type="Attestation",
    typehash="ATTESTATION_TYPEHASH",
    struct_argument=True,
    unordered_nonce="nonceUsed",
    simulate=Simulation("attest"),
)

COMPANY_ACTIONS: tuple[ActionSpec, ...] = (
    SURRENDER,
    CARRY_OVER,
    BUY_BACK,
    ACCEPT_RELEASE,
    OFFER_LEASE,
    ACCEPT_LEASE,
    CANCEL_LEASE,
    ATTEST,
)
