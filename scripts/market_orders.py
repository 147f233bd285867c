"""Orders the demo's companies sign at the exchange, with their development keys (DEV ONLY).

In production each company signs the same typed data in its own wallet; the service relays it.
"""

from __future__ import annotations

from brownie import accounts, chain

from backend.chain.devkeys import dev_key
from backend.chain.domain import TradeMode
from backend.chain.typed_data import Domain, sign, typed_data
from backend.services.trades import FIELDS

HOUR = 3_600
TRADE_FIELDS = FIELDS  # the exchange's Trade struct (backend/services/trades.py)


def sign_trade(market, terms: tuple, party) -> str:
    """``party`` signs negotiated-trade terms (IExchange.Terms) with its next nonce."""
    _, name, version, chain_id, verifying, _, _ = market.eip712Domain()
    seller, buyer, pollutant, kg, price, mode, deadline = terms
    message = {
        "seller": seller,
        "buyer": buyer,
        "pollutant": pollutant,
        "quantityKg": kg,
        "priceFen": price,
        "mode": mode,
        "nonce": market.nonces(party),
        "deadline": deadline,
    }
    data = typed_data(
        Domain(name, version, chain_id, verifying), "Trade", {"Trade": TRADE_FIELDS}, message
    )
    index = [str(a) for a in accounts].index(str(party))
    return "0x" + sign(data, dev_key(index).private_key).hex()


def settle_negotiated(market, seller, buyer, pollutant, kg, price_fen, *, relayer, send):
    """Both parties sign the terms; the relayer submits them to the exchange (R-14, R-16)."""
    deadline = chain.time() + HOUR
    mode = int(TradeMode.NEGOTIATED)
    terms = (str(seller), str(buyer), pollutant, kg, price_fen, mode, deadline)
    signatures = sign_trade(market, terms, seller), sign_trade(market, terms, buyer)
    return send(market.settleTrade, terms, *signatures, sender=relayer)
