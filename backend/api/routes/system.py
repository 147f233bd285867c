"""What the service is connected to."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import ChainDep, RelayerDep

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


class RelayerOut(BaseModel):
    address: str | None
    batching: bool
    max_calls: int
    shared_queue: bool
    leader: bool


@router.get("/relayer", response_model=RelayerOut)
def get_relayer(relayer: RelayerDep) -> RelayerOut:
    """The service's relayer: whether it batches signed orders (``RelayBatch``), whether several
    service processes share its queue (PostgreSQL), and whether this process is the one that
    sends (docs/operations.md)."""
    batcher = relayer.batcher
    return RelayerOut(
        address=relayer.address,
        batching=batcher is not None,
        max_calls=batcher.max_calls if batcher is not None else 1,
        shared_queue=batcher is not None and batcher.shared,
        leader=relayer.address is not None and (batcher is None or batcher.leading),
    )
