"""Validator governance: the authorities vote validators in and out of the chain.

SPEC §1: regulators and the exchange run the chain's validator nodes. Adding or removing a
validator is a vote of the current validators, cast on each one's own node: Clique's
``clique_propose(address, authorize)`` / ``clique_discard(address)`` on geth, and the same with
Hyperledger Besu QBFT's ``qbft_proposeValidatorVote`` / ``qbft_discardValidatorVote``. A
proposal takes effect when more than half of the validators carry it (docs/operations.md).

Who may vote through the service: an authority — an account holding ``REGULATOR_ROLE`` or
``DISTRICT_REGULATOR_ROLE`` in the account registry, or ``OPERATOR_ROLE`` in the exchange — that
runs a validator node the service knows (``DRR_VALIDATOR_NODES``: authority account → the node's
admin RPC URL, reachable by the service only). The authority signs the vote as EIP-712 typed
data in its own wallet (``ValidatorVote``, domain bound to the registry contract and chain, with
a deadline); the service recovers the signer, checks its role on chain, and casts the vote on
that authority's node. The validator set and the votes pending on each node are public reads.

Votes are idempotent on the node (proposing the same vote twice is one vote), so a replayed
signed vote before its deadline changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import requests
from eth_utils import to_checksum_address
from web3 import Web3

from backend.chain.client import Chain
from backend.chain.errors import ServiceError
from backend.chain.typed_data import Domain, recover_signer, typed_data

VOTE_TYPE = "ValidatorVote"
VOTE_FIELDS = [
    ("action", "string"),
    ("validator", "address"),
    ("authorize", "bool"),
    ("deadline", "uint256"),
]
DOMAIN_NAME, DOMAIN_VERSION = "DRR Validator Governance", "1"
MAX_TTL_SECONDS = 3600
DEFAULT_TTL_SECONDS = 600

# (contract, role) pairs whose holders are authorities that may run validators (SPEC §1)
AUTHORITY_ROLES: tuple[tuple[str, str], ...] = (
    ("AccountRegistry", "REGULATOR_ROLE"),
    ("AccountRegistry", "DISTRICT_REGULATOR_ROLE"),
    ("Exchange", "OPERATOR_ROLE"),
)

Engine = Literal["clique", "qbft"]
Action = Literal["propose", "discard"]

# the engine's JSON-RPC methods: (list validators at latest, pending votes, propose, discard)
METHODS: dict[str, dict[str, str]] = {
    "clique": {
        "validators": "clique_getSigners",
        "proposals": "clique_proposals",
        "propose": "clique_propose",
        "discard": "clique_discard",
    },
    "qbft": {
        "validators": "qbft_getValidatorsByBlockNumber",
        "proposals": "qbft_getPendingVotes",
        "propose": "qbft_proposeValidatorVote",
        "discard": "qbft_discardValidatorVote",
    },
}


METHOD_NOT_FOUND = -32601  # JSON-RPC: the node has no such method


def _refused(method: str, error: Any) -> ServiceError:  # noqa: ANN401 - the node's error object
    """The node's error as a service error: a missing engine method means the node runs no such
    consensus engine (a development node such as anvil), which is no fault of the service."""
    code = error.get("code") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if code == METHOD_NOT_FOUND:
        return ServiceError("ValidatorEngineUnavailable", f"{method}: {message}")
    return ServiceError("NodeRejected", f"{method}: {message}")


def rpc(url: str, method: str, params: list[Any], timeout: float = 5.0) -> Any:  # noqa: ANN401
    """One JSON-RPC call to one node (votes go to a given node, never through failover)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    try:
        answer = requests.post(url, json=body, timeout=timeout).json()
    except (requests.RequestException, ValueError) as exc:
        raise ServiceError("NodeUnavailable", f"{url}: {exc}") from None
    if "error" in answer:
        raise _refused(method, answer["error"])
    return answer["result"]


def domain(chain: Chain) -> Domain:
    """The vote's EIP-712 domain: this chain and this deployment's account registry."""
    registry = chain.deployment.contracts["AccountRegistry"].address
    return Domain(DOMAIN_NAME, DOMAIN_VERSION, chain.deployment.chain_id, registry)


def vote_typed_data(
    chain: Chain, *, action: Action, validator: str, authorize: bool, deadline: int
) -> dict[str, Any]:
    """The typed data an authority signs to cast a vote on its node."""
    message = {
        "action": action,
        "validator": to_checksum_address(validator),
        "authorize": bool(authorize),
        "deadline": int(deadline),
    }
    return typed_data(domain(chain), VOTE_TYPE, {VOTE_TYPE: VOTE_FIELDS}, message)


def prepare_vote(
    chain: Chain, *, action: Action, validator: str, authorize: bool, ttl: int = DEFAULT_TTL_SECONDS
) -> dict[str, Any]:
    return vote_typed_data(
        chain,
        action=action,
        validator=validator,
        authorize=authorize,
        deadline=int(time.time()) + ttl,
    )


def authority_roles(chain: Chain, account: str) -> list[str]:
    """The authority roles ``account`` holds (``Contract.ROLE``), read from the chain."""
    held = []
    for contract_name, role in AUTHORITY_ROLES:
        if contract_name not in chain.deployment.contracts:
            continue
        contract = chain.contract(contract_name)
        role_id = getattr(contract.functions, role)().call()
        if contract.functions.hasRole(role_id, account).call():
            held.append(f"{contract_name}.{role}")
    return held


@dataclass(frozen=True)
class CastVote:
    authority: str
    roles: list[str]
    node: str
    action: str
    validator: str
    authorize: bool
    proposals: dict[str, bool]


def cast_vote(
    chain: Chain,
    *,
    data: dict[str, Any],
    signature: str,
    nodes: dict[str, str],
    engine: Engine = "clique",
) -> CastVote:
    """Check a signed vote and cast it on the signer's validator node.

    Refusals: ``TypedDataMismatch`` (422) not a vote of this deployment; ``SignatureMalformed``
    (401); ``SignatureExpired`` (400) or ``DeadlineOutOfRange`` (422); ``ValidatorVoteForbidden``
    (403) the signer holds no authority role; ``ValidatorNodeNotConfigured`` (409) the signer runs
    no validator node the service knows; ``NodeUnavailable`` (503) / ``NodeRejected`` (502).
    """
    message = _checked_message(chain, data)
    try:
        signer = recover_signer(data, signature)
    except Exception as exc:  # any malformed signature is the caller's bad input
        raise ServiceError("SignatureMalformed", str(exc) or type(exc).__name__) from None
    now = int(time.time())
    if message["deadline"] < now:
        raise ServiceError("SignatureExpired", f"deadline {message['deadline']} < now {now}")
    if message["deadline"] > now + MAX_TTL_SECONDS:
        raise ServiceError("DeadlineOutOfRange", f"at most {MAX_TTL_SECONDS} s ahead")
    roles = authority_roles(chain, signer)
    if not roles:
        raise ServiceError(
            "ValidatorVoteForbidden",
            f"{signer} holds no authority role (regulator, district regulator, exchange operator)",
            args={"account": signer},
        )
    node = {to_checksum_address(k): v for k, v in nodes.items()}.get(signer)
    if node is None:
        raise ServiceError(
            "ValidatorNodeNotConfigured",
            f"the service knows no validator node of {signer} (DRR_VALIDATOR_NODES)",
            args={"account": signer},
        )
    methods = METHODS[engine]
    validator = message["validator"]
    if message["action"] == "propose":
        rpc(node, methods["propose"], [validator, message["authorize"]])
    else:
        rpc(node, methods["discard"], [validator])
    return CastVote(
        authority=signer,
        roles=roles,
        node=node,
        action=message["action"],
        validator=validator,
        authorize=message["authorize"],
        proposals=pending_votes(node, engine),
    )


def _checked_message(chain: Chain, data: dict[str, Any]) -> dict[str, Any]:
    try:
        message = data["message"]
        expected = vote_typed_data(
            chain,
            action=message["action"],
            validator=message["validator"],
            authorize=message["authorize"],
            deadline=message["deadline"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ServiceError("TypedDataMismatch", f"not a {VOTE_TYPE}: {exc}") from None
    if message["action"] not in ("propose", "discard"):
        raise ServiceError("TypedDataMismatch", "action is `propose` or `discard`")
    if data != expected:
        raise ServiceError(
            "TypedDataMismatch", f"sign the {VOTE_TYPE} of this chain and deployment as prepared"
        )
    return expected["message"]


def validator_set(chain: Chain, engine: Engine = "clique") -> list[str]:
    """The current validators, asked of the node in use (any node of the chain)."""
    method = METHODS[engine]["validators"]
    try:
        answer = chain.w3.provider.make_request(method, ["latest"])  # type: ignore[arg-type]
    except requests.RequestException as exc:
        raise ServiceError("NodeUnavailable", str(exc)) from None
    if "error" in answer:
        raise _refused(method, answer["error"])
    return [Web3.to_checksum_address(a) for a in answer["result"]]


def pending_votes(node_url: str, engine: Engine = "clique") -> dict[str, bool]:
    """The votes a node will cast in the blocks it seals (address → add / remove)."""
    result = rpc(node_url, METHODS[engine]["proposals"], [])
    return {Web3.to_checksum_address(a): bool(v) for a, v in (result or {}).items()}
