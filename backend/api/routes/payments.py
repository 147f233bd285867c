"""Operations of the concern `payments`: settlement money (companies, treasury).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("payments")
