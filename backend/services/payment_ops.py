"""Settlement-money operations: approving a contract to draw a payment, funding the reserve.

The settlement token is the deployment's ``SettlementToken`` (the exchange's, R-16). A company
whose token takes no ERC-2612 permits approves a paying contract once (``approve``); the
treasury funds the reserve, from which buy-backs and reclaims are paid (R-26, R-27, R-29).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from backend.chain.client import Chain
from backend.chain.errors import ServiceError
from backend.services.actions import Fen
from backend.services.operations import Operation, OperationBody

TOKEN = "SettlementToken"  # noqa: S105 - a contract name
SPENDERS = ("Exchange", "LeaseBook", "GovernmentReserve")


class Approve(OperationBody):
    """Allow a contract of the deployment to draw up to ``fen`` from the sender's money
    (a deposit into a trading account, a lease's rent, a reserve release's price)."""

    spender: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z][A-Za-z0-9]{0,63}$")] = Field(
        description=f"the paying action's contract: {', '.join(SPENDERS)}"
    )
    fen: Fen


def _approve_args(b: Approve, c: Chain) -> list[object]:
    if b.spender not in c.deployment.contracts:
        raise ServiceError("OperationUnavailable", f"contract {b.spender} is not deployed")
    return [c.deployment.contracts[b.spender].address, b.fen]


class FundReserve(OperationBody):
    """The treasury pays money into the reserve fund (R-27, R-29)."""

    fen: Fen


def _fund_args(b: FundReserve, c: Chain) -> list[object]:
    if "GovernmentReserve" not in c.deployment.contracts:
        raise ServiceError("OperationUnavailable", "the reserve is not deployed")
    return [c.deployment.contracts["GovernmentReserve"].address, b.fen]


PAYMENT_OPS: tuple[Operation, ...] = (
    Operation(name="approve", concern="payments", contract=TOKEN, function="approve",
              body=Approve, summary="Allow a contract to draw a payment", role="any account",
              rules=("R-16",), args=_approve_args),
    Operation(name="fund-reserve", concern="payments", contract=TOKEN, function="transfer",
              body=FundReserve, summary="Pay into the reserve fund", role="treasury",
              rules=("R-27", "R-29"), args=_fund_args),
)  # fmt: skip
