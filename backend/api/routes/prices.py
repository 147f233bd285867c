"""Operations of the concern `prices`: benchmark prices (price bureau).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("prices")
