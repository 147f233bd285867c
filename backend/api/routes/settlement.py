"""Operations of the concern `settlement`: money in and out (the settlement bank, R-16).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("settlement")
