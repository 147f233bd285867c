"""The units' consent to a merger or split (R-30, R-31): the typed data each unit signs.

A merger or split moves a unit's rights to others and closes it, so every unit concerned signs
the act in its own wallet (``UnitLifecycle``'s EIP-712 ``Merge`` / ``Split`` struct, each with
its own next nonce there, backend/chain/consent.py); a regulator with authority over all of
them then builds the ``merge`` / ``split`` operation with the signatures and the deadline and
signs that transaction with its own key. The regulator council decides without the units'
signatures (``council-propose``).

:func:`prepare_merge` and :func:`prepare_split` first simulate the act as the council's time
lock would make it, so a refusal of the act itself (an authority account, an active lease, a
plan that does not add up, an obligor outside the plan) comes back before anyone signs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.messages import hash_domain
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain import consent
from backend.chain.client import Chain, error_decoder
from backend.chain.errors import ContractError, ServiceError, revert_data
from backend.chain.typed_data import digest_of
from backend.services.actions.pipeline import ActionPolicy, resolve_deadline

CONTRACT = "UnitLifecycle"


@dataclass(frozen=True)
class UnitToSign:
    signer: str
    nonce: int
    typed_data: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class PreparedConsent:
    act: str
    deadline: int
    domain_separator: str
    parties: list[UnitToSign]


def _simulate_as_council(chain: Chain, function: str, args: Sequence[Any]) -> None:
    """The act as the council would make it (no signatures): a refusal is the act's own."""
    lock = chain.deployment.contracts.get("CouncilTimelock")
    lifecycle = chain.contract(CONTRACT)
    if (
        lock is None
        or not lifecycle.functions.hasRole(
            lifecycle.functions.TIMELOCK_ROLE().call(), lock.address
        ).call()
    ):
        return  # no council behind this deployment's lifecycle: the act is checked when built
    call = getattr(lifecycle.functions, function)(*args)
    try:
        call.call({"from": lock.address})
    except (ContractLogicError, Web3RPCError) as exc:
        data = revert_data(exc)
        if data is None and not isinstance(exc, ContractLogicError):
            raise
        raise ContractError(error_decoder(chain).decode(data)) from None


def _prepared(
    chain: Chain,
    act: str,
    parties: list[str],
    deadline: int,
    document: Callable[[Any, int], dict[str, Any]],
) -> PreparedConsent:
    lifecycle = chain.contract(CONTRACT)
    domain = chain.domain(CONTRACT)
    out = []
    for party in parties:
        nonce = int(lifecycle.functions.nonces(party).call())
        typed = document(domain, nonce)
        out.append(UnitToSign(party, nonce, typed, "0x" + digest_of(typed).hex()))
    return PreparedConsent(
        act=act,
        deadline=deadline,
        domain_separator="0x" + bytes(hash_domain(domain.as_dict())).hex(),
        parties=out,
    )


def _lifecycle(chain: Chain) -> None:
    if CONTRACT not in chain.deployment.contracts:
        raise ServiceError("ActionUnavailable", "the unit lifecycle is not in the deployment")


def prepare_merge(
    *, chain: Chain, from_unit: str, to_unit: str, deadline: int | None, policy: ActionPolicy
) -> PreparedConsent:
    """The typed data ``from_unit`` and ``to_unit`` sign for the merger (in that order)."""
    _lifecycle(chain)
    _simulate_as_council(chain, "merge", [from_unit, to_unit, "", 0, []])
    deadline = resolve_deadline(chain, deadline, policy)
    return _prepared(
        chain,
        "merge",
        consent.merge_parties(from_unit, to_unit),
        deadline,
        lambda domain, nonce: consent.merge_document(domain, from_unit, to_unit, nonce, deadline),
    )


def prepare_split(
    *,
    chain: Chain,
    from_unit: str,
    plan: Sequence[Mapping[str, Any]],
    obligor: str,
    deadline: int | None,
    policy: ActionPolicy,
) -> PreparedConsent:
    """The typed data the unit and each successor sign for the split (pollutants by id), in
    the order the contract takes their signatures."""
    _lifecycle(chain)
    lines = [tuple(line[name] for name, _ in consent.SPLIT_LINE_FIELDS) for line in plan]
    _simulate_as_council(chain, "split", [from_unit, lines, obligor, "", 0, []])
    deadline = resolve_deadline(chain, deadline, policy)
    return _prepared(
        chain,
        "split",
        consent.split_parties(from_unit, plan),
        deadline,
        lambda domain, nonce: consent.split_document(
            domain, from_unit, plan, obligor, nonce, deadline
        ),
    )
