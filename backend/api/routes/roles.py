"""Operations of the concern `roles`: role grants (admins).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("roles")
