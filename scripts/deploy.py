"""Deploy the registry and record the deployment (Brownie run script).

    brownie run scripts/deploy.py --network <network>

Writes the deployment record (addresses, ABIs, creation blocks, role holders), which the
service, the indexer and the CLI read, to ``$DRR_DEPLOYMENT_FILE`` or else
``deployments/<network>.json``.
"""

from __future__ import annotations

import os
from pathlib import Path

from brownie import DischargeRegistry, accounts, network, web3

from backend.chain.deployment import DeployedContract, Deployment
from backend.chain.devkeys import DEV_AUTHORITIES

DEPLOYMENTS = Path(__file__).resolve().parents[1] / "deployments"


def _record(contract, tx) -> DeployedContract:
    return DeployedContract(
        address=contract.address,
        abi=contract.abi,
        block=tx.block_number,
        tx_hash=tx.txid,
    )


def send(fn, *args, sender):
    """Send a contract transaction without Brownie's per-transaction console output."""
    return fn(*args, {"from": sender}, silent=True)


def deploy(parties: dict) -> Deployment:
    """Deploy every contract and grant the roles; ``parties`` maps party name → account."""
    admin = parties["city_regulator"]
    registry = DischargeRegistry.deploy(admin, {"from": admin}, silent=True)
    send(registry.grantRole, registry.REGULATOR_ROLE(), parties["city_regulator"], sender=admin)
    return Deployment(
        chain_id=web3.eth.chain_id,
        network=network.show_active(),
        contracts={"DischargeRegistry": _record(registry, registry.tx)},
        roles={"REGULATOR_ROLE": [parties["city_regulator"].address]},
    )


def dev_parties() -> dict:
    """The authorities on the local chain: the chain's unlocked dev accounts (DEV ONLY)."""
    return {name: accounts[index] for name, index in DEV_AUTHORITIES.items()}


def deployment_path() -> Path:
    """Where this run writes the deployment record."""
    override = os.environ.get("DRR_DEPLOYMENT_FILE")
    return Path(override) if override else DEPLOYMENTS / f"{network.show_active()}.json"


def main() -> Deployment:
    deployment = deploy(dev_parties())
    path = deployment_path()
    deployment.save(path)
    print(f"deployment written to {path}")
    return deployment
