"""Decode logs of the deployed contracts into named events with JSON-ready arguments.

Shared by the indexer (every log it reads) and the service (the events of a relayed
transaction's receipt), so both show an event the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic
from hexbytes import HexBytes
from web3._utils.abi import named_tree

from backend.chain.deployment import Deployment
from backend.chain.errors import checksum as to_checksum_address
from backend.chain.errors import jsonable
from backend.chain.text import LENIENT_CODEC

UNKNOWN_EVENT = "UnknownEvent"


@dataclass(frozen=True)
class DecodedLog:
    """One log of a deployed contract."""

    contract: str
    address: str
    event: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int

    def summary(self) -> dict[str, Any]:
        """What an API response shows of an event."""
        return {
            "contract": self.contract,
            "event": self.event,
            "args": self.args,
            "log_index": self.log_index,
        }


def _hex(value: bytes | str) -> str:
    if isinstance(value, str) and value[:2] == "0x":  # raw JSON-RPC: already hex (hot path)
        return value.lower()
    return "0x" + bytes(HexBytes(value)).hex()


def _bytes(value: bytes | str) -> bytes:
    if isinstance(value, str) and value[:2] == "0x":
        return bytes.fromhex(value[2:])
    return bytes(HexBytes(value))


# data types decoded word by word without the generic ABI decoder (hot path); any value the
# generic decoder would refuse (a dirty padding, a short payload) goes to it and is refused there
_WORD_TYPES = frozenset(
    {"address", "bool", "bytes32"} | {f"uint{b}" for b in range(8, 257, 8)}
    | {f"int{b}" for b in range(8, 257, 8)}
)  # fmt: skip


def _word_value(kind: str, word: bytes) -> Any:  # noqa: ANN401 - any ABI value
    """One static value as JSON (what ``jsonable`` makes of the generic decoder's), or
    ``_NOT_FAST`` when the word is not a clean encoding of ``kind``."""
    if kind == "address":
        return to_checksum_address("0x" + word[12:].hex()) if not any(word[:12]) else _NOT_FAST
    if kind == "bytes32":
        return "0x" + word.hex()
    if kind == "bool":
        value = int.from_bytes(word, "big")
        return bool(value) if value <= 1 else _NOT_FAST
    if kind[0] == "u":
        value = int.from_bytes(word, "big")
        return value if value >> int(kind[4:]) == 0 else _NOT_FAST
    bits = int(kind[3:])
    value = int.from_bytes(word, "big", signed=True)
    return value if -(1 << (bits - 1)) <= value < (1 << (bits - 1)) else _NOT_FAST


_NOT_FAST = object()


def as_int(value: int | str) -> int:
    """A quantity from a formatted (int) or raw JSON-RPC (hex string) log."""
    return value if isinstance(value, int) else int(value, 16)


def _type(param: Mapping[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _is_dynamic(kind: str) -> bool:
    return kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")


def _topic_value(kind: str, topic: bytes) -> Any:  # noqa: ANN401 - any ABI value
    """One indexed value; the common types without the generic decoder (hot path)."""
    if len(topic) != 32:
        raise ValueError("a topic has 32 bytes")
    if kind == "address" and not any(topic[:12]):
        return "0x" + topic[12:].hex()
    if kind.startswith("uint") and kind[4:].isdigit():
        value = int.from_bytes(topic, "big")
        if value < 2 ** int(kind[4:]):
            return value
    if kind == "bytes32":
        return topic
    return abi_decode([kind], topic)[0]


@dataclass(frozen=True)
class _EventShape:
    """How to decode one event: its indexed and data parameters (precomputed once)."""

    name: str
    topics: tuple[tuple[str, str], ...]  # (name, type); dynamic indexed values are hashes
    data_inputs: tuple[dict[str, Any], ...]
    data_types: tuple[str, ...]
    order: tuple[str, ...]
    words: bool = False  # every data value is one static word (decoded by _word_value)

    @classmethod
    def of(cls, abi: Mapping[str, Any]) -> _EventShape:
        inputs = abi["inputs"]
        topics = tuple(
            (p["name"], "bytes32" if _is_dynamic(_type(p)) else _type(p))
            for p in inputs
            if p.get("indexed")
        )
        data_inputs = tuple(dict(p) for p in inputs if not p.get("indexed"))
        data_types = tuple(_type(p) for p in data_inputs)
        return cls(
            abi["name"],
            topics,
            data_inputs,
            data_types,
            tuple(p["name"] for p in inputs),
            all(t in _WORD_TYPES for t in data_types),
        )

    def decode(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        if len(topics) != len(self.topics) + 1:
            raise ValueError(f"{self.name}: expected {len(self.topics) + 1} topics")
        values: dict[str, Any] = {
            name: _topic_value(kind, topic)
            for (name, kind), topic in zip(self.topics, topics[1:], strict=True)
        }
        if self.words and len(data) >= 32 * len(self.data_types):
            fast = [
                _word_value(kind, data[32 * i : 32 * i + 32])
                for i, kind in enumerate(self.data_types)
            ]
            if _NOT_FAST not in fast:
                for p, value in zip(self.data_inputs, fast, strict=True):
                    values[p["name"]] = value
                return {name: jsonable(values[name]) for name in self.order}
        # strings as the chain holds them: invalid UTF-8 must not turn a registration into an
        # UnknownEvent (backend/chain/text.py); jsonable then cleans them
        decoded = LENIENT_CODEC.decode(list(self.data_types), data)
        if any("(" in t for t in self.data_types):
            values.update(named_tree(list(self.data_inputs), decoded))
        else:
            values.update(zip((p["name"] for p in self.data_inputs), decoded, strict=True))
        return {name: jsonable(values[name]) for name in self.order}


class EventDecoder:
    """``(address, topic0)`` → event ABI for every contract of a deployment."""

    def __init__(self, contracts: Mapping[str, tuple[str, Iterable[Mapping[str, Any]]]]) -> None:
        self._names: dict[str, str] = {}
        self._events: dict[tuple[str, bytes], _EventShape] = {}
        for name, (address, abi) in contracts.items():
            addr = to_checksum_address(address)
            self._names[addr] = name
            for item in abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    self._events[(addr, event_abi_to_log_topic(item))] = _EventShape.of(item)

    @classmethod
    def for_deployment(cls, deployment: Deployment) -> EventDecoder:
        return cls({n: (c.address, c.abi) for n, c in deployment.contracts.items()})

    @property
    def addresses(self) -> list[str]:
        return sorted(self._names)

    def contract_name(self, address: str) -> str | None:
        return self._names.get(to_checksum_address(address))

    def decode(self, log: Mapping[str, Any]) -> DecodedLog | None:
        """Decode one log; ``None`` if it was not emitted by a deployed contract.

        A log of a deployed contract whose event is missing from its ABI is kept as
        ``UnknownEvent`` with its raw topics and data, so the index never drops a log.
        """
        address = to_checksum_address(log["address"])
        contract = self._names.get(address)
        if contract is None:
            return None
        topics = [_bytes(t) for t in log["topics"]]
        shape = self._events.get((address, topics[0])) if topics else None
        args: dict[str, Any] | None = None
        if shape is not None:
            try:
                args = shape.decode(topics, _bytes(log["data"]))
            except Exception:
                args = None
        if shape is None or args is None:
            name = UNKNOWN_EVENT
            args = {"topics": ["0x" + t.hex() for t in topics], "data": _hex(log["data"])}
        else:
            name = shape.name
        return DecodedLog(
            contract=contract,
            address=address,
            event=name,
            args=args,
            block_number=as_int(log["blockNumber"]),
            block_hash=_hex(log["blockHash"]),
            tx_hash=_hex(log["transactionHash"]),
            tx_index=as_int(log["transactionIndex"]),
            log_index=as_int(log["logIndex"]),
        )

    def decode_receipt(self, receipt: Mapping[str, Any]) -> list[DecodedLog]:
        """The events of a transaction receipt emitted by deployed contracts."""
        return [d for d in (self.decode(log) for log in receipt["logs"]) if d is not None]
