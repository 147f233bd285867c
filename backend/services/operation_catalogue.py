"""The service's one registry of authority operations, built once when the service starts.

Each concern module declares its operations beside their bodies (``op = Catalogue()``,
``op(name=…)``): :mod:`.authority` (registry, allocation, permits, prices, compliance,
verification, pledges, reserve, lifecycle, leasing, roles), :mod:`.market_ops`,
:mod:`.payment_ops`, :mod:`.policy_ops`, and :mod:`.council_ops`, whose proposals carry any
other operation. :func:`default_operations` collects them; ``backend/main.py`` hands the
registry to the routes (one router per concern, ``backend/api/routes/operations.py``) and to the
council.
"""

from __future__ import annotations

from backend.services import authority, council_ops, market_ops, payment_ops, policy_ops
from backend.services.operations import OperationRegistry

CONCERNS: dict[str, str] = {
    "registry": "accounts and attributes (regulators)",
    "allocation": "caps, certification and legacy free allocation (regulators)",
    "permits": "discharge permits (regulators)",
    "prices": "benchmark prices (price bureau)",
    "compliance": "periods, surrender and carry-over (regulators)",
    "verification": "verified usage (verifiers, regulator)",
    "pledges": "pledges (banks)",
    "reserve": "the government reserve (regulators)",
    "lifecycle": "mergers, splits, closures, fraud (regulators)",
    "leasing": "leases (anyone)",
    "roles": "role grants (admins)",
    "payments": "settlement money (companies, treasury)",
    "settlement": "money in and out: issue against bank transfers, redemptions (settlement bank)",
    "market": "trading accounts, listings, negotiated trades (units, exchange operator)",
    "auctions": "auctions of rights (units, banks, exchange operator)",
    "primary": "applications for initial and new rights (units, regulators, treasury)",
    "council": "high-impact actions approved 2 of 3 and time-locked (regulator council)",
    "policy": "the city's policy: figures and switches at a stated time (regulator council)",
}


def default_operations() -> OperationRegistry:
    """Every authority operation the service offers, the council's last (a proposal carries any
    of the others)."""
    registry = OperationRegistry([*authority.op, *market_ops.op, *payment_ops.op, *policy_ops.op])
    registry.extend(council_ops.operations(registry))
    unknown = set(registry.concerns()) - set(CONCERNS)
    if unknown:
        raise ValueError(f"operations of undescribed concerns: {sorted(unknown)}")
    return registry
