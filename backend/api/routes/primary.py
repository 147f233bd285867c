"""Operations of the concern `primary`: applications for initial and new rights.

Each route builds an unsigned transaction the acting party signs with its own wallet
(backend/api/routes/authority.py, backend/services/market_ops.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("primary")
