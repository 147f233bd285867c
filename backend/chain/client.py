"""Access to the chain: one web3 connection and the deployed contracts."""

from __future__ import annotations

from dataclasses import dataclass, field

from web3 import Web3
from web3.contract import Contract

from backend.chain.deployment import Deployment


@dataclass
class Chain:
    """A web3 connection bound to one deployment."""

    w3: Web3
    deployment: Deployment
    _contracts: dict[str, Contract] = field(default_factory=dict)

    @classmethod
    def connect(cls, rpc_url: str, deployment: Deployment, timeout: float = 30.0) -> Chain:
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
        return cls(w3=w3, deployment=deployment)

    def contract(self, name: str) -> Contract:
        """The deployed contract ``name`` (a ``KeyError`` names what is missing)."""
        if name not in self._contracts:
            record = self.deployment.contracts[name]
            self._contracts[name] = self.w3.eth.contract(
                address=Web3.to_checksum_address(record.address), abi=record.abi
            )
        return self._contracts[name]
