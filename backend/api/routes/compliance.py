"""Operations of the concern `compliance`: periods, surrender and carry-over (regulators).

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("compliance")
