"""Operations of the concern `policy`: the city's policy, changed through the regulator council.

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("policy")
