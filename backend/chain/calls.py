"""Calls to the deployment's contracts decoded from their calldata (a council proposal's calls,
the time lock's): by the function selector, from a table built once per contract.

web3's ``decode_function_input`` looks the selector up by hashing every function of the ABI on
each call (≈ 5 ms for the ledger); a page of council proposals decodes hundreds of calls, so the
selectors are hashed once here and the arguments decoded with ``eth_abi`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak
from web3._utils.abi import named_tree

from backend.chain.abi import abi_type
from backend.chain.deployment import Deployment
from backend.chain.errors import jsonable


@dataclass(frozen=True)
class DecodedCall:
    contract: str | None  # the deployment record's name; None: not a contract of it
    function: str | None = None  # None: no function of that contract has the selector
    args: dict[str, Any] | None = None  # by name, as JSON (addresses checksummed, bytes 0x-hex)

    @property
    def values(self) -> list[Any]:
        return list((self.args or {}).values())


_TABLES: dict[tuple[str, str, int], dict[bytes, dict[str, Any]]] = {}


def _table(name: str, address: str, abi: list[dict[str, Any]]) -> dict[bytes, dict[str, Any]]:
    key = (name, address, len(abi))
    if key not in _TABLES:
        _TABLES[key] = {
            keccak(text=f"{f['name']}({','.join(abi_type(i) for i in f['inputs'])})")[:4]: f
            for f in abi
            if f.get("type") == "function"
        }
    return _TABLES[key]


# OpenZeppelin's ProxyAdmin.upgradeAndCall: the one call that replaces a contract's code
UPGRADE_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "upgradeAndCall",
        "inputs": [
            {"name": "proxy", "type": "address"},
            {"name": "implementation", "type": "address"},
            {"name": "data", "type": "bytes"},
        ],
    }
]


def decode_call(deployment: Deployment, target: str, data: str | bytes) -> DecodedCall:
    """What a call to ``target`` with ``data`` does, by name and arguments. A call to a proxy's
    ``ProxyAdmin`` is named after the contract behind that proxy (its upgrade)."""
    by_address = {r.address.lower(): n for n, r in deployment.contracts.items()}
    admins = {r.proxy_admin.lower(): n for n, r in deployment.contracts.items() if r.proxy_admin}
    name = by_address.get(str(target).lower())
    abi = deployment.contracts[name].abi if name else UPGRADE_ABI
    if name is None:
        name = admins.get(str(target).lower())
        if name is None:
            return DecodedCall(None)
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
    function = _table(name, str(target), abi).get(raw[:4])
    if function is None:
        return DecodedCall(name)
    inputs = function["inputs"]
    try:
        values = abi_decode([abi_type(i) for i in inputs], raw[4:])
    except Exception:  # malformed arguments: the contract is known, the call is not
        return DecodedCall(name)
    args = dict(named_tree(inputs, values))
    return DecodedCall(name, function["name"], {k: jsonable(v) for k, v in args.items()})
