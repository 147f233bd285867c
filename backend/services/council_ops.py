"""The regulator council's operations (contracts/governance/RegulatorCouncil.sol, docs/security.md).

High-impact regulator actions — caps (R-10), blacklisting (R-17), reclaims (R-27), fraud sanctions
(R-33), role grants — are made by the council's time lock, never by one key. A member proposes
them as ordinary authority operations (``set-cap`` with its usual body, …): the service builds
each inner call and simulates it *from the time lock's account*, so a refusal is the decoded
custom error before anyone signs; then it returns the member's unsigned ``propose`` transaction.
Other members approve, the threshold-th approval schedules the batch, and after its delay a
member executes it; the guardian (provincial authority) may cancel during the delay.
:func:`proposals` reads them back from the event index (``backend/indexer/projections/council.py``),
with approvals, ETA and state (public), never the chain once per proposal.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Connection

from backend.chain.calls import decode_call
from backend.chain.client import Chain
from backend.chain.domain import CouncilState
from backend.chain.errors import ServiceError
from backend.services import disclosure
from backend.services.fields import Reason, Uint256
from backend.services.operations import (
    Catalogue,
    OperationBody,
    OperationRegistry,
    build_transaction,
)

COUNCIL = "RegulatorCouncil"
TIMELOCK = "CouncilTimelock"
STATES = tuple(s.name.lower() for s in CouncilState)


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


def inner_calls(
    chain: Chain, calls: list[CouncilCall], operations: OperationRegistry
) -> tuple[list[str], list[str]]:
    """Targets and calldata of the proposed operations (any of ``operations`` but the council's
    own steps), each simulated from the time lock."""
    timelock = _require_council(chain)
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


def operations(registry: OperationRegistry) -> Catalogue:
    """The council's operations; a proposal's calls are any operation of ``registry`` (the
    service's one registry, which these join)."""
    op = Catalogue()

    def propose_args(b: Propose, c: Chain) -> list[object]:
        targets, payloads = inner_calls(c, b.calls, registry)
        return [targets, payloads, b.description]

    op(
        name="council-propose",
        concern="council",
        contract=COUNCIL,
        function="propose",
        body=Propose,
        summary="Propose high-impact actions to the regulator council",
        role="council member",
        rules=("R-10", "R-17", "R-27", "R-33"),
        args=propose_args,
    )
    op(
        name="council-approve",
        concern="council",
        contract=COUNCIL,
        function="approve",
        body=Approve,
        summary="Approve a council proposal",
        role="council member",
    )
    op(
        name="council-execute",
        concern="council",
        contract=COUNCIL,
        function="execute",
        body=Execute,
        summary="Execute a council proposal after its delay",
        role="council member",
    )
    op(
        name="council-cancel",
        concern="council",
        contract=COUNCIL,
        function="cancel",
        body=Cancel,
        summary="Cancel a scheduled council proposal",
        role="guardian (provincial authority)",
    )
    op(
        name="council-withdraw",
        concern="council",
        contract=COUNCIL,
        function="withdraw",
        body=Withdraw,
        summary="Withdraw a council proposal before it is scheduled",
        role="the proposer",
    )
    return op  # fmt: skip


# ---------------------------------------------------------------------------------------------
# reading proposals back (public)


def _decoded_call(chain: Chain, target: str, data: bytes) -> dict[str, Any]:
    call = decode_call(chain.deployment, target, data)
    out: dict[str, Any] = {"target": target, "contract": call.contract,
                           "data": "0x" + bytes(data).hex()}  # fmt: skip
    if call.function is not None:
        out["function"] = call.function
        out["args"] = call.args
    return out


def shown(chain: Chain, row: dict[str, Any], *, threshold: int | None, now: int) -> dict[str, Any]:
    """A proposal of the index as the API and the explorer show it: its calls decoded with the
    deployment's ABIs (no chain read), its state as ``RegulatorCouncil.state`` gives it at the
    newest indexed block (``now``: the time lock measures its delay in block time)."""
    state = row["status"]
    if state == "scheduled" and row["eta"] is not None and row["eta"] <= now:
        state = "ready"
    return {
        "id": row["id"],
        "state": state,
        "proposer": row["proposer"],
        "description": row["description"],
        "calls": [
            _decoded_call(chain, c["target"], bytes.fromhex(c["data"].removeprefix("0x")))
            for c in row["calls"]
        ],
        "approvals": row["approvals"],
        "approved_by": list(row["approved_by"]),
        "threshold": threshold or 0,
        "eta": row["eta"],
        "operation_id": row["operation_id"],
        "tx_hash": row["created_tx"],
        "steps": row.get("steps") or [],  # each step's event and transaction (the pages)
    }


def proposals(
    conn: Connection, chain: Chain, *, state: str | None = None, before: int | None = None,
    after: int | None = None, limit: int | None = None,
) -> disclosure.Page:  # fmt: skip
    """A page of the council's proposals from the index, newest first (optionally of one
    state): two queries, whatever the number of proposals."""
    now = disclosure.index_time(conn)
    page = disclosure.council_proposals(conn, now=now, state=state, before=before, after=after,
                                        limit=limit)  # fmt: skip
    threshold = disclosure.council_threshold(conn)
    rows = [shown(chain, r, threshold=threshold, now=now) for r in page.rows]
    return dataclasses.replace(page, rows=rows)


def proposal(conn: Connection, chain: Chain, pid: int) -> dict[str, Any]:
    """One proposal from the index (404 ``CouncilUnknownProposal``)."""
    row = disclosure.council_proposal(conn, pid) if pid < 2**63 else None
    if row is None:
        raise ServiceError("CouncilUnknownProposal", f"no council proposal {pid}", args={"id": pid})
    return shown(chain, row, threshold=disclosure.council_threshold(conn),
                 now=disclosure.index_time(conn))  # fmt: skip
