"""Operations of the concern `auctions`: lots, deposits, bids and settlement.

Each route builds an unsigned transaction the acting party signs with its own wallet
(backend/api/routes/authority.py, backend/services/market_ops.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("auctions")
