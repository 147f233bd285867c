"""Operations of the concern `pledges`: pledges (banks, exchange operator).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("pledges")
