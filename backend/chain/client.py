"""Access to the chain: one web3 connection and the deployed contracts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from web3 import Web3
from web3.contract import Contract

from backend.chain.deployment import Deployment
from backend.chain.failover import FailoverProvider


@dataclass
class Chain:
    """A web3 connection bound to one deployment."""

    w3: Web3
    deployment: Deployment
    _contracts: dict[str, Contract] = field(default_factory=dict)

    @classmethod
    def connect(
        cls, rpc_url: str | Sequence[str], deployment: Deployment, timeout: float = 30.0
    ) -> Chain:
        """Connect to one node, or to several of the same chain with failover between them
        (``backend/chain/failover.py``)."""
        urls = [rpc_url] if isinstance(rpc_url, str) else list(rpc_url)
        if len(urls) == 1:
            w3 = Web3(Web3.HTTPProvider(urls[0], request_kwargs={"timeout": timeout}))
        else:
            w3 = Web3(FailoverProvider(urls, timeout=timeout))
        return cls(w3=w3, deployment=deployment)

    def contract(self, name: str) -> Contract:
        """The deployed contract ``name`` (a ``KeyError`` names what is missing)."""
        if name not in self._contracts:
            record = self.deployment.contracts[name]
            self._contracts[name] = self.w3.eth.contract(
                address=Web3.to_checksum_address(record.address), abi=record.abi
            )
        return self._contracts[name]
