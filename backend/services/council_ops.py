"""The regulator council's operations (contracts/governance/RegulatorCouncil.sol, docs/security.md).

High-impact regulator actions — caps (R-10), blacklisting (R-17), reclaims (R-27), fraud sanctions
(R-33), role grants — are made by the council's time lock, never by one key. A member proposes
them as ordinary authority operations (``set-cap`` with its usual body, …): the service builds
each inner call and simulates it *from the time lock's account*, so a refusal is the decoded
custom error before anyone signs; then it returns the member's unsigned ``propose`` transaction.
Other members approve, the threshold-th approval schedules the batch, and after its delay a
member executes it; the guardian (provincial authority) may cancel during the delay.
:func:`proposals` reads them all back from the chain, with approvals, ETA and state (public).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from backend.chain.client import Chain
from backend.chain.errors import ServiceError, jsonable
from backend.services.actions import Uint256
from backend.services.operations import (
    Operation,
    OperationBody,
    Reason,
    build_transaction,
)

COUNCIL = "RegulatorCouncil"
TIMELOCK = "CouncilTimelock"
STATES = ("none", "pending", "scheduled", "ready", "executed", "cancelled", "withdrawn")


class CouncilCall(BaseModel):
    model_config = OperationBody.model_config

    operation: Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9-]{0,63}$")] = Field(
        description="an authority operation's name, e.g. set-cap, reclaim, sanction-fraud"
    )
    body: dict[str, Any] = Field(
        default_factory=dict, description="that operation's body, without `sender`"
    )


class Propose(OperationBody):
    """A council member proposes high-impact calls (one batch, executed together after the
    longest delay of its functions); the proposal counts as the proposer's approval."""

    calls: list[CouncilCall] = Field(min_length=1, max_length=50)
    description: Reason


class ProposalRef(OperationBody):
    id: Uint256


class Approve(ProposalRef):
    """Another council member approves; the threshold-th approval schedules the batch."""


class Execute(ProposalRef):
    """A council member executes a proposal whose delay has passed."""


class Cancel(ProposalRef):
    """The guardian (provincial authority) cancels a scheduled proposal during its delay."""


class Withdraw(ProposalRef):
    """The proposer withdraws a proposal that is not scheduled yet."""


def _require_council(chain: Chain) -> str:
    if COUNCIL not in chain.deployment.contracts or TIMELOCK not in chain.deployment.contracts:
        raise ServiceError("OperationUnavailable", "the regulator council is not deployed")
    return chain.deployment.contracts[TIMELOCK].address


def inner_calls(chain: Chain, calls: list[CouncilCall]) -> tuple[list[str], list[str]]:
    """Targets and calldata of the proposed operations, each simulated from the time lock."""
    from backend.services.authority import default_operations

    timelock = _require_council(chain)
    operations = default_operations()
    targets, payloads = [], []
    for i, item in enumerate(calls):
        operation = operations.get(item.operation)
        if operation.concern == "council":
            raise ServiceError(
                "CouncilCallInvalid",
                f"calls[{i}]: {item.operation} is a council step, not an action to propose",
            )
        try:
            body = operation.body.model_validate({**item.body, "sender": timelock})
        except ValidationError as exc:
            problems = [
                {"field": f"calls.{i}.body." + ".".join(map(str, e["loc"])), "problem": e["msg"]}
                for e in exc.errors()
            ]
            detail = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
            raise ServiceError("RequestInvalid", detail, problems=problems) from None
        built = build_transaction(chain=chain, operation=operation, body=body)
        targets.append(built.transaction["to"])
        payloads.append(built.transaction["data"])
    return targets, payloads


def _propose_args(b: Propose, c: Chain) -> list[object]:
    targets, payloads = inner_calls(c, b.calls)
    return [targets, payloads, b.description]


COUNCIL_OPS = [
    Operation(name="council-propose", concern="council", contract=COUNCIL, function="propose",
              body=Propose, summary="Propose high-impact actions to the regulator council",
              role="council member", rules=("R-10", "R-17", "R-27", "R-33"),
              args=_propose_args),
    Operation(name="council-approve", concern="council", contract=COUNCIL, function="approve",
              body=Approve, summary="Approve a council proposal", role="council member"),
    Operation(name="council-execute", concern="council", contract=COUNCIL, function="execute",
              body=Execute, summary="Execute a council proposal after its delay",
              role="council member"),
    Operation(name="council-cancel", concern="council", contract=COUNCIL, function="cancel",
              body=Cancel, summary="Cancel a scheduled council proposal",
              role="guardian (provincial authority)"),
    Operation(name="council-withdraw", concern="council", contract=COUNCIL, function="withdraw",
              body=Withdraw, summary="Withdraw a council proposal before it is scheduled",
              role="the proposer"),
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# reading proposals back (public)


def _decoded_call(chain: Chain, target: str, data: bytes) -> dict[str, Any]:
    by_address = {r.address.lower(): n for n, r in chain.deployment.contracts.items()}
    name = by_address.get(target.lower())
    out: dict[str, Any] = {"target": target, "contract": name, "data": "0x" + bytes(data).hex()}
    if name is None:
        return out
    try:
        function, args = chain.contract(name).decode_function_input(bytes(data))
    except ValueError:
        return out
    out["function"] = function.fn_name
    out["args"] = {k: jsonable(v) for k, v in args.items()}
    return out


def proposal(chain: Chain, pid: int, *, members: list[str] | None = None) -> dict[str, Any]:
    """One proposal: its calls decoded, who approved, threshold, ETA and state."""
    _require_council(chain)
    council = chain.contract(COUNCIL).functions
    state = int(council.state(pid).call())
    if state == 0:
        raise ServiceError("CouncilUnknownProposal", f"no council proposal {pid}", args={"id": pid})
    proposer, eta, approvals, _, targets, payloads, description = council.proposal(pid).call()
    if members is None:
        members = _members(chain)
    return {
        "id": pid,
        "state": STATES[state],
        "proposer": proposer,
        "description": description,
        "calls": [_decoded_call(chain, t, d) for t, d in zip(targets, payloads, strict=True)],
        "approvals": approvals,
        "approved_by": [m for m in members if council.hasApproved(pid, m).call()],
        "threshold": int(council.threshold().call()),
        "eta": eta or None,
        "operation_id": "0x" + bytes(council.operationId(pid).call()).hex(),
    }


def proposals(chain: Chain, *, state: str | None = None) -> list[dict[str, Any]]:
    """Every council proposal, newest first (optionally of one state)."""
    _require_council(chain)
    council = chain.contract(COUNCIL).functions
    members = _members(chain)
    out = [
        proposal(chain, pid, members=members)
        for pid in range(int(council.proposalCount().call()), 0, -1)
    ]
    return [p for p in out if state is None or p["state"] == state]


def _members(chain: Chain) -> list[str]:
    council = chain.contract(COUNCIL).functions
    role = council.MEMBER_ROLE().call()
    count = int(council.getRoleMemberCount(role).call())
    return [council.getRoleMember(role, i).call() for i in range(count)]
