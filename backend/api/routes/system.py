"""What the service is connected to."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import ChainDep

router = APIRouter(tags=["system"])


class ContractOut(BaseModel):
    name: str
    address: str
    block: int
    tx_hash: str


class DeploymentOut(BaseModel):
    chain_id: int
    network: str
    latest_block: int
    contracts: list[ContractOut]


@router.get("/deployment", response_model=DeploymentOut)
def get_deployment(chain: ChainDep) -> DeploymentOut:
    """The deployed contracts and the chain they live on."""
    dep = chain.deployment
    return DeploymentOut(
        chain_id=dep.chain_id,
        network=dep.network,
        latest_block=chain.w3.eth.block_number,
        contracts=[
            ContractOut(name=name, address=c.address, block=c.block, tx_hash=c.tx_hash)
            for name, c in dep.contracts.items()
        ],
    )
