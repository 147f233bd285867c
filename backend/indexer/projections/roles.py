"""Role holders (OpenZeppelin ``AccessControl``): who may do what on which contract.

The console shows a connected key only what its roles allow; the explorer names an authority's
address by its role (a district regulator with its district). Roles change by council proposal
(docs/security.md), so they are read from the chain's events, not only from the deployment record.
"""

from __future__ import annotations

from eth_utils import keccak

from backend.indexer.projections import tables as t
from backend.indexer.projections.writes import Change, address

DISTRICT_REGULATOR_ROLE = "0x" + keccak(text="DISTRICT_REGULATOR_ROLE").hex()


def _role(value: str | bytes) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def role_granted(c: Change) -> None:
    key = {"contract": c.event.contract, "role": _role(c.args["role"]),
           "account": address(c.args["account"])}  # fmt: skip
    c.put(t.roles, key, active=True, granted_tx=c.event.tx_hash)


def role_revoked(c: Change) -> None:
    key = {"contract": c.event.contract, "role": _role(c.args["role"]),
           "account": address(c.args["account"])}  # fmt: skip
    if c.get(t.roles, **key) is not None:
        c.put(t.roles, key, active=False)


def district_regulator_set(c: Change) -> None:
    """``setDistrictRegulator`` grants the role (``RoleGranted`` just before) and names the
    district the regulator acts in."""
    key = {"contract": c.event.contract, "role": DISTRICT_REGULATOR_ROLE,
           "account": address(c.args["regulator"])}  # fmt: skip
    c.put(t.roles, key, active=True, scope=int(c.args["district"]), granted_tx=c.event.tx_hash)


HANDLERS = {
    "RoleGranted": role_granted,
    "RoleRevoked": role_revoked,
    "DistrictRegulatorSet": district_regulator_set,
}
