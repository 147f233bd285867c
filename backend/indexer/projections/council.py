"""The regulator council's proposals from its events, so their list and pages are read from the
index, never from the chain once per proposal (docs/security.md, "The service under attack").

A proposal's state is the council's own (``RegulatorCouncil.state``): pending until the
threshold-th approval schedules it on the time lock, then scheduled (ready once its ETA has
passed: decided at read time), executed or cancelled; withdrawn by its proposer before that.
The time lock's operation id is the one ``TimelockController.hashOperationBatch`` gives for the
proposal's calls with salt = its id, as the council schedules it.
"""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

from backend.indexer.projections import tables as t
from backend.indexer.projections.writes import Change, address


def operation_id(targets: list[str], payloads: list[str], proposal: int) -> str:
    """``TimelockController.hashOperationBatch(targets, zeros, payloads, 0, bytes32(id))``."""
    data = [bytes.fromhex(p.removeprefix("0x")) for p in payloads]
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
        [targets, [0] * len(targets), data, b"\0" * 32, proposal.to_bytes(32, "big")],
    )
    return "0x" + keccak(encoded).hex()


def _created(c: Change) -> None:
    a = c.args
    targets = [address(x) for x in a["targets"]]
    c.put(
        t.council_proposals,
        {"id": int(a["id"])},
        proposer=address(a["proposer"]),
        description=a["description"],
        calls=[{"target": x, "data": d} for x, d in zip(targets, a["payloads"], strict=False)],
        approvals=0,
        approved_by=[],
        eta=None,
        operation_id=operation_id(targets, a["payloads"], int(a["id"])),
        status="pending",
        created_tx=c.event.tx_hash,
    )


def _approved(c: Change) -> None:
    row = c.get(t.council_proposals, id=int(c.args["id"]))
    if row is None:
        return
    c.put(t.council_proposals, {"id": row["id"]}, approvals=int(c.args["approvals"]),
          approved_by=[*row["approved_by"], address(c.args["member"])])  # fmt: skip


def _status(status: str) -> object:
    def handle(c: Change) -> None:
        if c.get(t.council_proposals, id=int(c.args["id"])) is not None:
            values = {"status": status}
            if "eta" in c.args:
                values["eta"] = int(c.args["eta"])
            c.put(t.council_proposals, {"id": int(c.args["id"])}, **values)

    return handle


def _threshold(c: Change) -> None:
    c.put(t.council_settings, {"id": 1}, threshold=int(c.args["threshold"]))


HANDLERS = {
    "ProposalCreated": _created,
    "ProposalApproved": _approved,
    "ProposalScheduled": _status("scheduled"),
    "ProposalExecuted": _status("executed"),
    "ProposalCancelled": _status("cancelled"),
    "ProposalWithdrawn": _status("withdrawn"),
    "ThresholdChanged": _threshold,
}
