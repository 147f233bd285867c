"""High-impact regulator actions through the regulator council (Brownie; docs/security.md).

A member proposes a batch of calls, a second member approves (2 of 3), the council schedules it
on its time lock, and once the delay has passed a member executes it. The demo scripts and the
tests use :func:`enact`; the service offers the same steps as unsigned transactions
(``/api/v1/council/…``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backend.chain.devkeys import COUNCIL_MEMBERS

Call = tuple[str, bytes]  # (target address, calldata)


def call(contract, function: str, *args) -> Call:
    """One call the time lock will make: ``contract.function(*args)``."""
    return contract.address, getattr(contract, function).encode_input(*args)


def _send(fn, *args, sender):
    return fn(*args, {"from": sender}, silent=True)


def enact(
    council,
    calls: Sequence[Call],
    description: str,
    parties: dict,
    *,
    wait: Callable[[int], None],
    send: Callable = _send,
) -> int:
    """Propose ``calls``, approve them up to the threshold, wait for the ETA, execute; returns
    the proposal's id. ``wait(eta)`` lets the chain's clock reach the ETA (anvil: jump)."""
    members = [parties[name] for name in COUNCIL_MEMBERS]
    targets = [target for target, _ in calls]
    payloads = [data for _, data in calls]
    proposal = send(council.propose, targets, payloads, description, sender=members[0])
    pid = proposal.return_value
    for member in members[1 : council.threshold()]:
        send(council.approve, pid, sender=member)
    wait(council.proposal(pid)["eta"])
    send(council.execute, pid, sender=members[0])
    return pid


def jump(eta: int) -> None:
    """Dev chain (anvil): move the clock past ``eta`` and mine a block. Measured from the last
    block's time, not Brownie's clock, which a reverted snapshot can leave ahead of the node's."""
    from brownie import chain, web3

    chain.sleep(max(eta - web3.eth.get_block("latest")["timestamp"], 0) + 1)
    chain.mine()
