"""Access to the chain: one web3 connection and the deployed contracts."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.middleware import ExtraDataToPOAMiddleware

from backend.chain.deployment import Deployment
from backend.chain.errors import ErrorDecoder
from backend.chain.failover import FailoverProvider
from backend.chain.transport import node_provider
from backend.chain.typed_data import Domain, domain_of


def connect_web3(rpc_url: str | Sequence[str], timeout: float = 30.0) -> Web3:
    """web3 on one node, or on several of one chain with failover between them.

    Proof-of-authority blocks (geth Clique, Besu QBFT) carry the validators' seals in a longer
    ``extraData`` than web3 accepts by default: the PoA middleware passes it (a no-op on anvil).
    """
    urls = [rpc_url] if isinstance(rpc_url, str) else list(rpc_url)
    if len(urls) == 1:
        w3 = Web3(node_provider(urls[0], timeout=timeout))
    else:
        w3 = Web3(FailoverProvider(urls, timeout=timeout))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


@dataclass
class Chain:
    """A web3 connection bound to one deployment."""

    w3: Web3
    deployment: Deployment
    _contracts: dict[str, Contract] = field(default_factory=dict)
    _domains: dict[str, Domain] = field(default_factory=dict)

    @classmethod
    def connect(
        cls, rpc_url: str | Sequence[str], deployment: Deployment, timeout: float = 30.0
    ) -> Chain:
        """Connect to one node, or to several of the same chain with failover between them
        (``backend/chain/failover.py``)."""
        return cls(w3=connect_web3(rpc_url, timeout), deployment=deployment)

    def contract(self, name: str) -> Contract:
        """The deployed contract ``name`` (a ``KeyError`` names what is missing)."""
        if name not in self._contracts:
            record = self.deployment.contracts[name]
            self._contracts[name] = self.w3.eth.contract(
                address=Web3.to_checksum_address(record.address), abi=record.abi
            )
        return self._contracts[name]

    def domain(self, name: str) -> Domain:
        """The EIP-712 domain of the deployed contract ``name``, read once (a deployed
        contract's name, version, chain and address do not change)."""
        if name not in self._domains:
            self._domains[name] = domain_of(self.contract(name))
        return self._domains[name]


def chain_now(chain: Chain) -> int:
    """The time a transaction sent now would see (never earlier than the latest block)."""
    return chain_time(chain.w3.eth.get_block("latest"))


def chain_time(head: Mapping[str, Any]) -> int:
    """:func:`chain_now` from a block header already read."""
    return max(int(time.time()), int(head["timestamp"]))


_DECODERS: dict[int, ErrorDecoder] = {}


def error_decoder(chain: Chain) -> ErrorDecoder:
    """The decoder of every error of the chain's deployment (cached per deployment)."""
    key = id(chain.deployment)
    if key not in _DECODERS:
        _DECODERS[key] = ErrorDecoder.from_abis(
            {n: c.abi for n, c in chain.deployment.contracts.items()}
        )
    return _DECODERS[key]
