"""Replace the code of an upgradeable contract through the regulator council (docs/operations.md
"Upgrades").

Every upgradeable contract sits behind a transparent ERC-1967 proxy (``RegistryProxy``) whose
``ProxyAdmin`` the council's time lock owns; the upgrade code lives in the proxy and its admin,
none of it in the implementation. One way for every contract:

1. :func:`prepare` checks the candidate's storage layout against the committed snapshot of the
   contract it replaces (``backend/toolchain/storage_layout.py``; a layout that would move,
   retype or remove a stored variable is refused here) and deploys the candidate implementation
   with the same fixed settings as the current one, read from the proxy (each constructor
   argument ``x_`` is the contract's view ``x()``: its peers' proxy addresses, the price
   bureau's notice …). Anyone may deploy an implementation; it changes nothing by itself.
2. :func:`council_call` is the one call the council proposes: the proxy's
   ``ProxyAdmin.upgradeAndCall(proxy, implementation, "")``. A member proposes it, a second
   approves, and the time lock runs it after the delay (72 h in production); any other key is
   refused ``OwnableUnauthorizedAccount``.
3. :func:`record` writes the new implementation and ABI into the deployment record; the proxy's
   address, which every reader uses, does not change.

Rolling back is the same path with the previous implementation's address (still deployed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from web3 import Web3

from backend.chain.deployment import Deployment
from backend.network.batch import Batch, artifact
from backend.toolchain.storage_layout import check_replacement

# ERC-1967: keccak256("eip1967.proxy.implementation") - 1 and keccak256("eip1967.proxy.admin") - 1
IMPLEMENTATION_SLOT = 0x360894A13BA1A3210667C828492DB98DCA3E2076CC3735A920A3CA505D382BBC
ADMIN_SLOT = 0xB53127684A568B3173AE13B9F8A6016E243E63B6E8EE1178D6A717850B5D6103


def _address_at(w3: Web3, proxy: str, slot: int) -> str:
    raw = w3.eth.get_storage_at(Web3.to_checksum_address(proxy), slot)
    return Web3.to_checksum_address(bytes(raw)[-20:])


def implementation_of(w3: Web3, proxy: str) -> str:
    """The implementation an ERC-1967 proxy delegates to now (read from its storage)."""
    return _address_at(w3, proxy, IMPLEMENTATION_SLOT)


def proxy_admin_of(w3: Web3, proxy: str) -> str:
    """The ``ProxyAdmin`` a ``RegistryProxy`` created: the only account that may upgrade it."""
    return _address_at(w3, proxy, ADMIN_SLOT)


def constructor_args(w3: Web3, deployment: Deployment, name: str, candidate: str) -> list[Any]:
    """The candidate's constructor arguments, each read from the current contract's view of the
    same name (``ledger_`` → ``ledger()``): the new code keeps the old fixed settings."""
    current = w3.eth.contract(
        address=deployment.contracts[name].address, abi=deployment.contracts[name].abi
    )
    inputs = next(
        (e["inputs"] for e in artifact(candidate)["abi"] if e.get("type") == "constructor"), []
    )
    return [current.functions[i["name"].rstrip("_")]().call() for i in inputs]


def prepare(
    w3: Web3, deployment: Deployment, name: str, candidate: str, deployer, layouts=None
) -> str:
    """Check ``candidate``'s layout against ``name``'s snapshot (raises ``LayoutError``) and
    deploy it; returns the new implementation's address. ``layouts``: the compiled layouts
    (``compile_layouts()``) when several candidates are prepared at once."""
    check_replacement(name, candidate, layouts)
    batch = Batch(w3)
    implementation = batch.deploy(
        deployer, candidate, *constructor_args(w3, deployment, name, candidate)
    )
    batch.wait()
    return implementation.address


def council_call(w3: Web3, proxy: str, implementation: str) -> tuple[str, bytes]:
    """(target, calldata) of the upgrade the council proposes: ``proxy``'s ``ProxyAdmin``
    re-points it to ``implementation`` (no call on the way: the records stay as they are)."""
    admin = w3.eth.contract(address=proxy_admin_of(w3, proxy), abi=artifact("ProxyAdmin")["abi"])
    data = admin.encode_abi("upgradeAndCall", args=[proxy, implementation, b""])
    return admin.address, bytes.fromhex(data.removeprefix("0x"))


def record(path: Path, w3: Web3, name: str, candidate: str) -> Deployment:
    """Write the implementation now behind ``name``'s proxy, and the candidate's ABI, into the
    deployment record at ``path``."""
    deployment = Deployment.load(path)
    entry = deployment.contracts[name]
    deployment.contracts[name] = entry.model_copy(
        update={
            "implementation": implementation_of(w3, entry.address),
            "abi": artifact(candidate)["abi"],
        }
    )
    deployment.save(path)
    return deployment
