"""Operations of the concern `verification`: verified usage (verifiers, regulator).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("verification")
