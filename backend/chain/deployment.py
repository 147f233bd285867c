"""The deployment record: which contracts live where on which chain.

``scripts/deploy.py`` writes it; the service, indexer and CLI read it. It carries each
contract's ABI, so a reader needs nothing from the compiler's build folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class DeployedContract(BaseModel):
    """One deployed contract."""

    address: str
    abi: list[dict[str, Any]]
    block: int = Field(description="block in which the contract was created")
    tx_hash: str
    implementation: str | None = Field(
        default=None,
        description="the code behind an upgradeable contract's proxy (ERC-1967), which the "
        "council may replace; ``address`` (the proxy) never changes (docs/operations.md)",
    )
    proxy_admin: str | None = Field(
        default=None,
        description="the proxy's ``ProxyAdmin``, owned by the council's time lock: the only "
        'account that may replace the implementation (docs/operations.md "Upgrades")',
    )


class Deployment(BaseModel):
    """All contracts of one deployment, keyed by contract name."""

    chain_id: int
    network: str
    contracts: dict[str, DeployedContract]
    roles: dict[str, list[str]] = Field(default_factory=dict, description="role name → holders")
    role_ids: dict[str, str] = Field(
        default_factory=dict,
        description="'Contract.X_ROLE' → the role's bytes32 (0x-hex) as the contract defines it",
    )
    names: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="address → {'zh': …, 'en': …}: the names of the deployment's own parties "
        "(authorities, banks), which the explorer shows instead of addresses",
    )
    places: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict,
        description="'districts' and 'basins': id → {'zh': …, 'en': …} (the city's areas)",
    )

    def name_of(self, address: str, lang: str = "zh") -> str | None:
        """The name the record gives ``address`` (an authority, a bank) in ``lang``, if any."""
        wanted = address.lower()
        for key, name in self.names.items():
            if key.lower() == wanted:
                return name.get(lang) or name.get("zh")
        return None

    @property
    def start_block(self) -> int:
        """The first block an indexer has to read."""
        return min((c.block for c in self.contracts.values()), default=0)

    def save(self, path: Path) -> None:
        """Write atomically, so a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.model_dump(), indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Deployment:
        """Read a deployment record; raises ``FileNotFoundError`` if none was written."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
