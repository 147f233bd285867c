"""What companies sign at the exchange, and small helpers the market tests share."""

from __future__ import annotations

from functools import cache

from backend.chain.domain import TradeMode
from backend.services.trades import FIELDS
from tests.helpers import now, signed

TRADE_FIELDS = FIELDS  # the exchange's Trade struct, as the service prepares it
WITHDRAWAL_FIELDS = [
    ("account", "address"),
    ("amountFen", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
APPLICATION_FIELDS = [
    ("applicant", "address"),
    ("pollutant", "uint32"),
    ("quantityKg", "uint64"),
    ("kind", "uint8"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
PURCHASE_FIELDS = [
    ("applicant", "address"),
    ("application", "uint256"),
    ("maxFeeFen", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
HOUR = 3_600
NO_SIGNATURE = b""


@cache
def key_of(address: str) -> str:
    """The dev key of a local-chain account (companies sign with their own wallet)."""
    from backend.chain.devkeys import dev_key

    for index in range(60):
        key = dev_key(index)
        if key.address.lower() == str(address).lower():
            return key.private_key
    raise KeyError(address)


def terms(seller, buyer, pollutant, kg, price, mode=TradeMode.NEGOTIATED, deadline=None) -> tuple:
    """An IExchange.Terms tuple."""
    return (
        str(seller),
        str(buyer),
        pollutant,
        kg,
        price,
        int(mode),
        deadline if deadline is not None else now() + HOUR,
    )


def sign_trade(
    secondary, t: tuple, party, nonce: int | None = None, key: str | None = None, **domain
):
    """``party`` signs the trade terms ``t`` with its next nonce (or ``nonce``)."""
    seller, buyer, pollutant, kg, price, mode, deadline = t
    message = {
        "seller": seller,
        "buyer": buyer,
        "pollutant": pollutant,
        "quantityKg": kg,
        "priceFen": price,
        "mode": mode,
        "nonce": secondary.nonces(str(party)) if nonce is None else nonce,
        "deadline": deadline,
    }
    return signed(secondary, "Trade", TRADE_FIELDS, message, key or key_of(str(party)), **domain)


def both_sign(secondary, t: tuple) -> tuple[str, str]:
    return sign_trade(secondary, t, t[0]), sign_trade(secondary, t, t[1])


def commitment(lot: int, bidder, price: int, salt: bytes) -> bytes:
    """keccak256(abi.encode(id, bidder, priceFen, salt)) of a sealed bid."""
    from eth_abi import encode
    from web3 import Web3

    return Web3.keccak(
        encode(["uint256", "address", "uint96", "bytes32"], [lot, str(bidder), price, salt])
    )
