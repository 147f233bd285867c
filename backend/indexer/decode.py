"""Decode logs of the deployed contracts into named events with JSON-ready arguments.

Shared by the indexer (every log it reads) and the service (the events of a relayed
transaction's receipt), so both show an event the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.events import get_event_data

from backend.chain.deployment import Deployment
from backend.chain.errors import jsonable

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
    return "0x" + bytes(HexBytes(value)).hex()


class EventDecoder:
    """``(address, topic0)`` → event ABI for every contract of a deployment."""

    def __init__(self, contracts: Mapping[str, tuple[str, Iterable[Mapping[str, Any]]]]) -> None:
        self._codec = Web3().codec
        self._names: dict[str, str] = {}
        self._events: dict[tuple[str, bytes], dict[str, Any]] = {}
        for name, (address, abi) in contracts.items():
            addr = to_checksum_address(address)
            self._names[addr] = name
            for item in abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    self._events[(addr, event_abi_to_log_topic(item))] = dict(item)

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
        topics = [bytes(HexBytes(t)) for t in log["topics"]]
        abi = self._events.get((address, topics[0])) if topics else None
        if abi is None:
            name = UNKNOWN_EVENT
            args: dict[str, Any] = {
                "topics": ["0x" + t.hex() for t in topics],
                "data": _hex(log["data"]),
            }
        else:
            name = abi["name"]
            args = jsonable(dict(get_event_data(self._codec, abi, log)["args"]))
        return DecodedLog(
            contract=contract,
            address=address,
            event=name,
            args=args,
            block_number=int(log["blockNumber"]),
            block_hash=_hex(log["blockHash"]),
            tx_hash=_hex(log["transactionHash"]),
            tx_index=int(log["transactionIndex"]),
            log_index=int(log["logIndex"]),
        )

    def decode_receipt(self, receipt: Mapping[str, Any]) -> list[DecodedLog]:
        """The events of a transaction receipt emitted by deployed contracts."""
        return [d for d in (self.decode(log) for log in receipt["logs"]) if d is not None]
