"""Operations of the concern `leasing`: leases (anyone).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("leasing")
