"""Reads sent to the node together: one JSON-RPC batch request, one round trip.

A request of the service reads several things before it acts (chain time, the signer's code
and nonce, the contract's pre-check, the gas of the call): sent one after the other, each is a
round trip to a node that may be far away or busy, and most of the request's time. ``Reads``
collects them and sends them as one batch (JSON-RPC 2.0 batch, which every node answers:
anvil, geth, Besu); each read then gives its value, or raises what web3 would have raised for
it alone (``ContractLogicError`` carrying the revert data, ``Web3RPCError``), so callers check
the results in the order their rules need and report the same refusals as before.

    reads = Reads(w3)
    head = reads.block()
    nonce = reads.call(contract.functions.nonces(signer))
    reads.send()
    head.value()["timestamp"], nonce.value()
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_abi import decode as abi_decode
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.datastructures import AttributeDict
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.types import RPCEndpoint, RPCResponse

from backend.chain.abi import abi_type
from backend.chain.errors import checksum

_UNSET = object()


class Read:
    """One read of a batch: its value once the batch was sent."""

    def __init__(self, method: str, params: list[Any], decode: Any = None) -> None:  # noqa: ANN401
        self.method = method
        self.params = params
        self._decode = decode
        self._response: RPCResponse | None = None
        self._value: Any = _UNSET

    def value(self) -> Any:  # noqa: ANN401 - the node's answer, decoded
        """The result, or the error web3 raises for this read alone."""
        if self._value is not _UNSET:
            return self._value
        if self._response is None:
            raise RuntimeError(f"{self.method}: the batch was not sent")
        error = self._response.get("error")
        if error is not None:
            raise _error_of(self._response)
        result = self._response.get("result")
        self._value = self._decode(result) if self._decode else result
        return self._value

    def answer(self, response: RPCResponse) -> None:
        self._response = response


class Reads:
    """Reads collected and sent to the node in one batch request."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._reads: list[Read] = []

    def __len__(self) -> int:
        return len(self._reads)

    def add(self, method: str, params: list[Any], decode: Any = None) -> Read:  # noqa: ANN401
        read = Read(method, params, decode)
        self._reads.append(read)
        return read

    def block(self, tag: str | int = "latest") -> Read:
        """A block header (without transactions): ``number``, ``timestamp``, ``hash``,
        ``baseFeePerGas`` (``None`` on chains without EIP-1559) as Python values."""
        param = hex(tag) if isinstance(tag, int) else tag
        return self.add("eth_getBlockByNumber", [param, False], _block)

    def code(self, address: str) -> Read:
        return self.add("eth_getCode", [address, "latest"], lambda r: bytes(HexBytes(r)))

    def call(
        self, fn: ContractFunction, *, sender: str | None = None, block: int | str = "latest"
    ) -> Read:
        """``eth_call`` of a contract function at ``block`` (default the latest), decoded as
        web3 does (one output: the value; several: a tuple). Addresses come back lower case."""
        tx: dict[str, Any] = {"to": fn.address, "data": fn._encode_transaction_data()}
        if sender is not None:
            tx["from"] = sender
        types = [abi_type(o) for o in fn.abi.get("outputs", [])]

        def decode(result: str) -> Any:  # noqa: ANN401
            values = abi_decode(types, bytes(HexBytes(result)))
            return values[0] if len(values) == 1 else values

        tag = hex(block) if isinstance(block, int) else block
        return self.add("eth_call", [tx, tag], decode)

    def estimate_gas(self, *, sender: str, to: str, data: bytes) -> Read:
        tx = {"from": sender, "to": to, "data": "0x" + bytes(data).hex()}
        return self.add("eth_estimateGas", [tx], lambda r: int(r, 16))

    def send(self) -> None:
        """Send every read not sent yet (one round trip; none when nothing was added)."""
        pending = [r for r in self._reads if r._response is None]
        if not pending:
            return
        provider = self._w3.provider
        requests_ = [(RPCEndpoint(r.method), r.params) for r in pending]
        if len(pending) == 1:
            responses: Any = [provider.make_request(*requests_[0])]
        else:
            responses = provider.make_batch_request(requests_)  # type: ignore[attr-defined]
        if not isinstance(responses, list):  # the node refused the batch as a whole
            raise _error_of(responses)
        for read, response in zip(pending, responses, strict=True):
            read.answer(response)


def _block(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if result is None:
        return None
    base = result.get("baseFeePerGas")
    return {
        "number": int(result["number"], 16),
        "hash": result["hash"],
        "timestamp": int(result["timestamp"], 16),
        "baseFeePerGas": int(base, 16) if base is not None else None,
    }


def receipt_of(result: Mapping[str, Any]) -> AttributeDict:
    """A transaction receipt as the node answered it, in the form web3's
    ``eth.get_transaction_receipt`` gives (its ``RECEIPT_FORMATTERS``: integers, ``HexBytes``,
    EIP-55 addresses, ``AttributeDict`` all the way down), with the service's cached checksums:
    a relay batch's receipt carries every order's logs, which web3's generic formatters walk
    field by field (tests/backend/test_relayer.py compares the two)."""
    out: dict[str, Any] = {}
    for name, value in result.items():
        if name == "logs":
            value = [_log_entry(entry) for entry in value]
        elif value is None:
            pass
        elif name in _RECEIPT_INTS:
            value = _int(value)
        elif name in _RECEIPT_BYTES:
            value = HexBytes(value)
        elif name in ("from", "contractAddress") or (name == "to" and _is_address(value)):
            value = checksum(value)
        out[name] = value
    return AttributeDict(out)


_RECEIPT_INTS = frozenset(
    {"blockNumber", "transactionIndex", "cumulativeGasUsed", "status", "gasUsed",
     "effectiveGasPrice", "type", "blobGasPrice", "blobGasUsed"}
)  # fmt: skip
_RECEIPT_BYTES = frozenset({"blockHash", "transactionHash", "logsBloom"})
_LOG_INTS = frozenset({"blockNumber", "transactionIndex", "logIndex"})
_LOG_BYTES = frozenset({"blockHash", "transactionHash", "data"})


def _log_entry(entry: Mapping[str, Any]) -> AttributeDict:
    out: dict[str, Any] = {}
    for name, value in entry.items():
        if name == "topics":
            value = [HexBytes(t) for t in value]
        elif name == "address":
            value = checksum(value)
        elif value is None and name != "data":
            pass
        elif name in _LOG_INTS:
            value = _int(value)
        elif name in _LOG_BYTES:
            value = HexBytes(value)
        out[name] = value
    return AttributeDict(out)


def _int(value: Any) -> Any:  # noqa: ANN401 - as web3's to_integer_if_hex
    return int(value, 16) if isinstance(value, str) and value.startswith("0x") else value


def _is_address(value: Any) -> bool:  # noqa: ANN401
    return isinstance(value, str) and len(value) == 42 and value.startswith("0x")


def _error_of(response: Mapping[str, Any]) -> Exception:
    """What web3 raises for a JSON-RPC error: a revert (with its data) or an RPC error."""
    error = response.get("error")
    if not isinstance(error, dict):
        return Web3RPCError(str(error), rpc_response=response)  # type: ignore[arg-type]
    message = str(error.get("message") or "")
    data = error.get("data")
    if isinstance(data, str) or error.get("code") == 3 or "revert" in message.lower():
        return ContractLogicError(message or "execution reverted", data=data)
    return Web3RPCError(message, rpc_response=response)  # type: ignore[arg-type]
