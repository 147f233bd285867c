"""Operations of the concern `allocation`: caps, certification and allocation.

Regulators set caps, certify and confirm free allocations; the exchange operator records
paid allocations and settles trades.

Each route builds an unsigned transaction (backend/api/routes/authority.py).
"""

from backend.api.routes.authority import concern_router

router = concern_router("allocation")
