"""Authority operations: unsigned transactions an authority signs with its own key.

Regulators, the price bureau, the treasury, banks, the exchange operator and verifiers act with
their own keys; the service never holds them. For each privileged function of the deployed
contracts the service offers an *operation*: a documented request body, validated; the call
simulated from the authority's account (``eth_call``: a refusal is the decoded custom error,
nothing is built); then the unsigned transaction (to, data, chain id, the authority's nonce,
gas, fees, the EIP-2930 access list of what the call touches) and a readable summary. The
authority signs it in its wallet (``backend tx sign``, a hardware or remote signer) and posts
it to ``POST /api/v1/tx/raw``.

An :class:`Operation` states the contract, the function, the body model and how the body
maps to the call's arguments; :func:`build_transaction` does the rest for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hexbytes import HexBytes
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)
from web3.contract import Contract
from web3.exceptions import ContractLogicError, Web3Exception, Web3RPCError

from backend.chain.client import Chain, error_decoder
from backend.chain.errors import ContractError, ServiceError, jsonable, revert_data
from backend.chain.wallet_formats import rpc_transaction
from backend.services.fields import Address

GAS_MARGIN = 1.25


class OperationBody(BaseModel):
    """Base of operation request bodies: ``sender`` is the authority's account that signs."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    sender: Address = Field(description="the authority's account, which signs and sends")


Args = Callable[[Any, Chain], Sequence[Any]]


@dataclass(frozen=True)
class Operation:
    """One privileged function of a deployed contract, offered as an unsigned transaction.

    ``args(body, chain)`` gives the call's arguments (default: the body's fields after
    ``sender``, in declaration order). ``contract`` may depend on the body (role grants).
    """

    name: str
    concern: str
    contract: str | Callable[[Any], str]
    function: str
    body: type[OperationBody]
    summary: str
    role: str
    rules: tuple[str, ...] = ()
    args: Args | None = None

    def contract_name(self, body: OperationBody) -> str:
        return self.contract(body) if callable(self.contract) else self.contract

    def call_args(self, body: OperationBody, chain: Chain) -> list[Any]:
        if self.args is not None:
            return list(self.args(body, chain))
        values = body.model_dump(by_alias=False)
        return [values[name] for name in type(body).model_fields if name != "sender"]

    @property
    def path(self) -> str:
        return f"/{self.concern}/{self.name}"


class Catalogue:
    """The operations one module declares, each beside its body: ``op = Catalogue()`` then
    ``op(name=…, concern=…, …)`` (the one way to declare an operation)."""

    def __init__(self) -> None:
        self._ops: list[Operation] = []

    def __call__(
        self,
        *,
        name: str,
        concern: str,
        contract: str | Callable[[Any], str],
        function: str,
        body: type[OperationBody],
        summary: str,
        role: str,
        rules: tuple[str, ...] = (),
        args: Args | None = None,
    ) -> Operation:
        operation = Operation(name, concern, contract, function, body, summary, role, rules, args)
        self._ops.append(operation)
        return operation

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._ops)


class OperationRegistry:
    """The operations the service offers, by concern and name: built once when the service
    starts (:func:`backend.services.operation_catalogue.default_operations`) and handed to the
    routes and the council."""

    def __init__(self, operations: Iterable[Operation] = ()) -> None:
        self._ops: dict[str, Operation] = {}
        self.extend(operations)

    def extend(self, operations: Iterable[Operation]) -> None:
        for op in operations:
            if op.name in self._ops:
                raise ValueError(f"operation {op.name!r} registered twice")
            if not re.fullmatch(r"[a-z][a-z0-9-]*", op.name):
                raise ValueError(f"operation name {op.name!r}: use lower-case words and dashes")
            self._ops[op.name] = op

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._ops.values())

    def concern(self, concern: str) -> list[Operation]:
        return [op for op in self if op.concern == concern]

    def concerns(self) -> list[str]:
        """The concerns of the operations, in the order they were declared."""
        return list(dict.fromkeys(op.concern for op in self))

    def get(self, name: str) -> Operation:
        try:
            return self._ops[name]
        except KeyError:
            raise ServiceError("OperationUnknown", f"no operation named {name!r}") from None


@dataclass(frozen=True)
class UnsignedTransaction:
    operation: str
    contract: str
    function: str
    sender: str
    summary: str
    args: dict[str, Any]
    returns: Any
    transaction: dict[str, Any]


def build_transaction(
    *, chain: Chain, operation: Operation, body: OperationBody, priority_fee_wei: int | None = None
) -> UnsignedTransaction:
    """Validate, simulate and build the unsigned transaction of ``operation`` (see module)."""
    name = operation.contract_name(body)
    if name not in chain.deployment.contracts:
        raise ServiceError(
            "OperationUnavailable", f"contract {name} is not in the deployment record"
        )
    contract = chain.contract(name)
    args = operation.call_args(body, chain)
    return build_call(
        chain=chain,
        contract=contract,
        contract_name=name,
        function=operation.function,
        args=args,
        sender=body.sender,
        operation=operation.name,
        summary=operation.summary,
        priority_fee_wei=priority_fee_wei,
    )


def build_call(
    *,
    chain: Chain,
    contract: Contract,
    contract_name: str,
    function: str,
    args: Sequence[Any],
    sender: str,
    operation: str,
    summary: str,
    priority_fee_wei: int | None = None,
) -> UnsignedTransaction:
    """The one "transaction for a contract function" builder: simulate, estimate, fill in."""
    w3 = chain.w3
    call = getattr(contract.functions, function)(*args)
    abi = call.abi
    try:
        returned = call.call({"from": sender})
        data = "0x" + bytes(HexBytes(call._encode_transaction_data())).hex()
        gas = w3.eth.estimate_gas({"from": sender, "to": contract.address, "data": data})
    except (ContractLogicError, Web3RPCError) as exc:
        raw = revert_data(exc)
        if raw is None and not isinstance(exc, ContractLogicError):
            raise
        raise ContractError(error_decoder(chain).decode(raw)) from None
    named = {
        i["name"] or f"arg{n}": jsonable(v)
        for n, (i, v) in enumerate(zip(abi["inputs"], args, strict=True))
    }
    signature = f"{function}({','.join(_type(i) for i in abi['inputs'])})"
    tx: dict[str, Any] = {
        "chainId": chain.deployment.chain_id,
        "from": sender,
        "to": contract.address,
        "data": data,
        "value": 0,
        "nonce": w3.eth.get_transaction_count(sender, "pending"),
        "gas": int(gas * GAS_MARGIN),  # estimated without the access list: an upper bound
        **fees(chain, priority_fee_wei),
    }
    access = access_list(chain, sender=sender, to=contract.address, data=data)
    if access:
        tx["accessList"] = access
    tx = rpc_transaction(tx)  # hex quantities, gasLimit beside gas: what wallets sign
    text = ", ".join(f"{k}={v}" for k, v in named.items())
    return UnsignedTransaction(
        operation=operation,
        contract=contract_name,
        function=signature,
        sender=sender,
        summary=f"{summary}: {contract_name}.{function}({text})",
        args=named,
        returns=_returned(abi, returned),
        transaction=tx,
    )


def access_list(chain: Chain, *, sender: str, to: str, data: str) -> list[dict[str, Any]]:
    """The EIP-2930 access list of a call: the other contracts and the storage slots it touches,
    as the node finds them (``eth_createAccessList``), so the transaction pays for them up front
    at the warm price (2 400 gas a contract, 1 900 a slot, instead of 2 600 and 2 100 at first
    touch: 100 gas saved on each; ≈ 1 500 on a negotiated trade, docs/benchmarks.md).

    The called contract's own entry is left out: the transaction warms it anyway, so its entry
    would cost 2 400 gas to save 100 on each of its slots. A node without the method (or any
    error) gives no list: the transaction is valid without one.
    """
    try:
        found = chain.w3.eth.create_access_list({"from": sender, "to": to, "data": data}, "latest")
    except (OSError, ValueError, Web3Exception):
        return []
    return [
        {"address": e["address"], "storageKeys": list(e["storageKeys"])}
        for e in found["accessList"]
        if e["address"].lower() not in (to.lower(), sender.lower())
    ]


def fees(chain: Chain, priority_fee_wei: int | None = None) -> dict[str, int]:
    """EIP-1559 fees from the latest block (or a legacy gas price on chains without them)."""
    block = chain.w3.eth.get_block("latest")
    base = block.get("baseFeePerGas")
    if base is None:
        return {"gasPrice": int(chain.w3.eth.gas_price)}
    tip = chain.w3.eth.max_priority_fee if priority_fee_wei is None else priority_fee_wei
    return {"type": 2, "maxFeePerGas": 2 * int(base) + int(tip), "maxPriorityFeePerGas": int(tip)}


def _type(param: Mapping[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        return f"({','.join(_type(c) for c in param['components'])}){kind[5:]}"
    return kind


def _returned(abi: Mapping[str, Any], value: Any) -> Any:  # noqa: ANN401 - JSON
    """The simulated call's return value, named by the ABI's outputs (e.g. a new id)."""
    outputs = abi.get("outputs") or []
    if not outputs:
        return None
    if len(outputs) == 1:
        return jsonable(value)
    return {
        o["name"] or f"out{i}": jsonable(v)
        for i, (o, v) in enumerate(zip(outputs, value, strict=True))
    }


def pollutant_ids(chain: Chain) -> dict[str, int]:
    """Pollutant code, as the regulator registered it (``NOx``), → id, read from the account
    registry (pollutants are data, R-01)."""
    registry = chain.contract("AccountRegistry")
    out = {}
    for pid in range(1, int(registry.functions.pollutantCount().call()) + 1):
        code = bytes(registry.functions.pollutant(pid).call()[0]).rstrip(b"\0").decode()
        out[code] = pid
    return out


def pollutant_id(chain: Chain, value: int | str) -> int:
    """A pollutant given by id (``1``) or code (``"NOx"``, in any case); an unknown code is a
    404 that lists the known codes as registered."""
    if isinstance(value, int):
        return value
    ids = pollutant_ids(chain)
    by_case = {code.upper(): pid for code, pid in ids.items()}
    if value.upper() not in by_case:
        raise ServiceError(
            "PollutantUnknown",
            f"no pollutant with code {value!r}; known: {', '.join(ids)}",
            args={"code": value, "known": list(ids)},
        )
    return by_case[value.upper()]
