"""Operations of the concern `lifecycle`: mergers, splits, closures, fraud (regulators).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("lifecycle")
