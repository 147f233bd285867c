"""Negotiated trades both parties sign (协议转让, R-14), relayed by the service.

The seller and the buyer agree the terms off chain; each signs the exchange's EIP-712 ``Trade``
struct in its own wallet with its own next nonce at the exchange (``Exchange.nonces``), and
the service relays ``Exchange.settleTrade(terms, sellerSignature, buyerSignature)``: rights and
money move in one transaction with every rule of the ledger checked (R-05 … R-39), the buyer's
available money at the exchange paying the seller (R-16). No party pays gas; the service
holds no party's key.

- :func:`prepare_trade`: terms → the exchange's pre-check (``checkTrade``), then one typed data
  per party (same terms and deadline, each party's nonce).
- :func:`submit_trade`: the two signed typed data → same terms, signers, deadline and nonces
  checked, the pre-check and a simulation run again, relayed once per idempotency key.

A party that sends the transaction itself uses ``POST /api/v1/market/settle-trade`` with the
other party's signature instead (backend/services/market_ops.py).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_account.messages import hash_domain
from eth_utils import keccak
from pydantic import Field, ValidationError
from web3.contract import Contract

from backend.chain import signatures
from backend.chain.client import Chain
from backend.chain.domain import NegotiatedMode, verdict_error
from backend.chain.errors import ContractError, DecodedError, ServiceError
from backend.chain.relayer import Relayer
from backend.chain.typed_data import Domain, Fields, digest_of, recover_signer, typed_data
from backend.chain.wallet_formats import check_typed_data
from backend.indexer.decode import EventDecoder
from backend.services import explain
from backend.services.actions import pipeline
from backend.services.actions.pipeline import ActionPolicy
from backend.services.actions.spec import ActionBody
from backend.services.fields import Address, Fen, Kg, Uint32
from backend.services.market_ops import NegotiatedModeField

CONTRACT = "Exchange"
PRIMARY_TYPE = "Trade"
TERMS: Fields = [
    ("seller", "address"),
    ("buyer", "address"),
    ("pollutant", "uint32"),
    ("quantityKg", "uint64"),
    ("priceFen", "uint256"),
    ("mode", "uint8"),
]
FIELDS: Fields = [*TERMS, ("nonce", "uint256"), ("deadline", "uint256")]
PARTIES = ("seller", "buyer")


class TradeTerms(ActionBody):
    """The terms both parties sign: who sells what to whom, for how much in total."""

    seller: Address
    buyer: Address
    pollutant: Uint32 = Field(description="pollutant id")
    quantity_kg: Kg = Field(alias="quantityKg")
    price_fen: Fen = Field(alias="priceFen", description="total price in fen (R-15: ≥ benchmark)")
    mode: NegotiatedModeField = Field(
        default=int(NegotiatedMode.NEGOTIATED),
        description="negotiated; green_channel (R-21) or reserve_release (R-28) from the reserve",
    )


@dataclass(frozen=True)
class PartyToSign:
    signer: str
    nonce: int
    typed_data: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class PreparedTrade:
    terms: dict[str, Any]
    deadline: int
    domain_separator: str
    seller: PartyToSign
    buyer: PartyToSign


@dataclass(frozen=True)
class SubmittedTrade:
    terms: dict[str, Any]
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    events: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False


def _exchange(chain: Chain) -> Contract:
    if CONTRACT not in chain.deployment.contracts:
        raise ServiceError("ActionUnavailable", "the exchange is not in the deployment record")
    return chain.contract(CONTRACT)


def _document(domain: Domain, message: Mapping[str, Any]) -> dict[str, Any]:
    ordered = {name: message[name] for name, _ in FIELDS}
    return typed_data(domain, PRIMARY_TYPE, {PRIMARY_TYPE: FIELDS}, ordered)


def _terms_tuple(message: Mapping[str, Any]) -> tuple[Any, ...]:
    """``IExchange.Terms`` of a message: (seller, buyer, pollutant, kg, price, mode, deadline)."""
    return (*(message[name] for name, _ in TERMS), message["deadline"])


def _pre_check(exchange: Contract, message: Mapping[str, Any]) -> None:
    """``Exchange.checkTrade``: a refusal raises the error its verdict names (with have/need)."""
    market, rule, have, need = exchange.functions.checkTrade(_terms_tuple(message)).call()
    if market == 0:
        return
    name = verdict_error(market, rule)
    args = explain.verdict_args(market, rule, have, need)
    decoded = DecodedError(name, args, "", "", CONTRACT)
    subject = {"holder": message["seller"], "pollutant": message["pollutant"]}
    raise ContractError(decoded, reason_code=int(market), subject=subject)


def prepare_trade(
    *, chain: Chain, terms: TradeTerms, deadline: int | None, policy: ActionPolicy
) -> PreparedTrade:
    """The two typed data the parties sign, after the exchange's pre-check."""
    exchange = _exchange(chain)
    message = {
        **terms.model_dump(by_alias=True),
        "deadline": pipeline.resolve_deadline(chain, deadline, policy),
    }
    _pre_check(exchange, message)
    domain = chain.domain(CONTRACT)
    parties = {}
    for party in PARTIES:
        signer = message[party]
        nonce = int(exchange.functions.nonces(signer).call())
        document = _document(domain, {**message, "nonce": nonce})
        parties[party] = PartyToSign(signer, nonce, document, "0x" + digest_of(document).hex())
    return PreparedTrade(
        terms={k: v for k, v in message.items() if k != "deadline"},
        deadline=message["deadline"],
        domain_separator="0x" + bytes(hash_domain(domain.as_dict())).hex(),
        seller=parties["seller"],
        buyer=parties["buyer"],
    )


def _validated(domain: Domain, envelopes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The common message of the two signed typed data (without nonces), checked; each read
    by its types, so typed data that means the same is the same (docs/signing.md)."""
    messages = {}
    for party in PARTIES:
        data = envelopes[party].get("typed_data") or {}
        try:
            messages[party] = check_typed_data(
                data, PRIMARY_TYPE, FIELDS, domain, what="a negotiated trade"
            )
        except ServiceError as exc:
            raise ServiceError(exc.name, f"{party}: {exc.detail}") from None
    seller, buyer = messages["seller"], messages["buyer"]
    differ = [n for n, _ in FIELDS if n != "nonce" and seller[n] != buyer[n]]
    if differ:
        raise ServiceError(
            "TypedDataMismatch", f"the parties signed different terms: {', '.join(differ)}"
        )
    try:
        terms = TradeTerms.model_validate({n: seller[n] for n, _ in TERMS})
    except ValidationError as exc:
        detail = "; ".join(
            f"message.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ServiceError("RequestInvalid", detail) from None
    return {
        **terms.model_dump(by_alias=True),
        "deadline": seller["deadline"],
        "nonces": {party: messages[party]["nonce"] for party in PARTIES},
    }


def _signature_of(
    chain: Chain, party: str, signer: str, document: dict[str, Any], text: object
) -> bytes:
    """The party's signature, checked to be the signer's (an EOA, or an ERC-1271 wallet)."""
    if not isinstance(text, str):
        raise ServiceError("SignatureMalformed", f"{party}: the signature must be a hex string")
    if chain.w3.eth.get_code(signer):
        sig = signatures.contract_signature(text)
        if not signatures.erc1271_accepts(chain, signer, digest_of(document), sig):
            raise ServiceError(
                "SignerMismatch", f"{party}: the contract wallet {signer} refuses the signature"
            )
        return sig
    sig = signatures.parse_signature(text)
    if recover_signer(document, sig) != signer:
        raise ServiceError(
            "SignerMismatch",
            f"the {party}'s signature is not that of the {party} {signer} over these terms",
            args={"party": party, "expected": signer},
        )
    return sig


def submit_trade(
    *,
    chain: Chain,
    relayer: Relayer,
    events: EventDecoder,
    envelopes: Mapping[str, Mapping[str, Any]],
    idempotency_key: str | None,
    policy: ActionPolicy,
    timeout: float | None = None,
    admit: Callable[[str], None] | None = None,
) -> SubmittedTrade:
    """Check both parties' signed typed data and relay the settlement once (``admit``: each
    party's rate limit, applied once its signature is verified)."""
    exchange = _exchange(chain)
    domain = chain.domain(CONTRACT)
    message = _validated(domain, envelopes)
    nonces = message.pop("nonces")
    signatures = {}
    for party in PARTIES:
        document = _document(domain, {**message, "nonce": nonces[party]})
        signatures[party] = _signature_of(
            chain, party, message[party], document, envelopes[party].get("signature")
        )
    if admit is not None:
        for party in PARTIES:
            admit(message[party])
    business = json.dumps(["trade", message], sort_keys=True, separators=(",", ":"))
    fingerprint = "0x" + keccak(text=business).hex()
    if idempotency_key is not None:  # scoped to the two parties (docs/api.md, "retries")
        key = f"key:trade:{message['seller']}:{message['buyer']}:{idempotency_key}"
    else:
        key = "sig:" + keccak(signatures["seller"] + signatures["buyer"]).hex()
    data = bytes.fromhex(
        exchange.encode_abi(
            "settleTrade", args=[_terms_tuple(message), signatures["seller"], signatures["buyer"]]
        )[2:]
    )
    hold: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if relayer.find(key) is None:
        pipeline.check_not_expired(chain, message["deadline"], policy)
        for party in PARTIES:
            pipeline.check_next_nonce(exchange, message[party], nonces[party])
        _pre_check(exchange, message)
        if relayer.address:  # the exact revert, with the contract's own arguments
            relayer.estimate(sender=relayer.address, to=exchange.address, data=data)
        # simulated as both parties' next step: one request per party and nonce goes ahead
        slots = [f"{exchange.address}:{message[p]}:{nonces[p]}" for p in PARTIES]
        both = keccak(signatures["seller"] + signatures["buyer"]).hex()
        hold = relayer.holding(slots, key=key, signature="0x" + both)
    with hold:
        relayed = relayer.relay(
            to=exchange.address, data=data, key=key, fingerprint=fingerprint, timeout=timeout
        )
    receipt = relayed.receipt
    return SubmittedTrade(
        terms={k: v for k, v in message.items() if k != "deadline"},
        tx_hash=relayed.tx_hash,
        block_number=int(receipt["blockNumber"]),
        block_hash="0x" + bytes(receipt["blockHash"]).hex(),
        gas_used=int(receipt["gasUsed"]),
        events=[e.summary() for e in events.decode_receipt(receipt)],
        replayed=relayed.replayed,
    )
