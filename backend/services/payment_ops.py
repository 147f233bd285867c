"""Settlement-money operations: approving a contract to draw a payment, funding the reserve.

The settlement token is the deployment's ``SettlementToken`` (the exchange's, R-16). A company
whose token takes no ERC-2612 permits approves a paying contract once (``approve``); the
treasury funds the reserve, from which buy-backs and reclaims are paid (R-26, R-27, R-29).
"""

from __future__ import annotations

from typing import Annotated

from eth_utils import keccak
from pydantic import Field

from backend.chain.client import Chain
from backend.chain.errors import ServiceError
from backend.services.fields import Address, Fen, Reason, Uint256
from backend.services.operations import Catalogue, OperationBody

TOKEN = "SettlementToken"  # noqa: S105 - a contract name
SPENDERS = ("Exchange", "LeaseBook", "GovernmentReserve")

op = Catalogue()


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


op(name="approve", concern="payments", contract=TOKEN, function="approve",
   body=Approve, summary="Allow a contract to draw a payment", role="any account",
   rules=("R-16",), args=_approve_args)  # fmt: skip

op(name="fund-reserve", concern="payments", contract=TOKEN, function="transfer",
   body=FundReserve, summary="Pay into the reserve fund", role="treasury",
   rules=("R-27", "R-29"), args=_fund_args)  # fmt: skip


Reference = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=200,
        description="the bank's transfer reference (流水号): on chain only as its keccak-256",
    ),
]


def reference_hash(reference: str) -> bytes:
    """What the chain keeps of a bank reference: its keccak-256 (the text may identify a person;
    the bank keeps it, anyone holding it can check it against the event)."""
    return keccak(text=reference.strip())


class Issue(OperationBody):
    """The settlement bank issues settlement money to a member's wallet against a transfer it
    received (入金, R-16)."""

    to: Address = Field(description="the member's account (wallet)")
    fen: Fen
    reference: Reference


class ConfirmRedemption(OperationBody):
    """The settlement bank paid a redemption out to the member's bank account (出金): the
    amount is burned."""

    id: Uint256 = Field(description="the redemption request's id")
    reference: Reference


class RejectRedemption(OperationBody):
    """The settlement bank refuses a redemption (e.g. the account does not match): the amount
    goes back to the member's wallet."""

    id: Uint256 = Field(description="the redemption request's id")
    reason: Reason


op(name="issue", concern="settlement", contract=TOKEN, function="issue", body=Issue,
   summary="Issue settlement money against a bank transfer (入金)",
   role="settlement bank", rules=("R-16",),
   args=lambda b, c: [b.to, b.fen, reference_hash(b.reference)])  # fmt: skip

op(name="confirm-redemption", concern="settlement", contract=TOKEN,
   function="confirmRedemption", body=ConfirmRedemption,
   summary="Confirm a redemption paid out to the member's bank account (出金)",
   role="settlement bank", rules=("R-16",),
   args=lambda b, c: [b.id, reference_hash(b.reference)])  # fmt: skip

op(name="reject-redemption", concern="settlement", contract=TOKEN,
   function="rejectRedemption", body=RejectRedemption,
   summary="Refuse a redemption: the money goes back", role="settlement bank",
   rules=("R-16",))  # fmt: skip
