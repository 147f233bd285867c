"""A holder's rights of one pollutant as the rules see them now, read from the chain: what it
can sell and why not the rest (R-05, R-06, R-07, R-17, R-39), for refusals and the portal."""

from __future__ import annotations

from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.client import Chain
from backend.chain.domain import Sector
from backend.chain.reads import Reads
from backend.services.explain import Sellable, sellable


def sellable_now(chain: Chain, holder: str, pollutant: int) -> Sellable | None:
    """What ``holder`` could sell of ``pollutant`` now, with the rest and its rules (one round
    trip to the node); ``None`` when the deployment has no ledger or the holder is unknown."""
    if "RightsLedger" not in chain.deployment.contracts:
        return None
    ledger = chain.contract("RightsLedger")
    registry = chain.contract("AccountRegistry")
    reads = Reads(chain.w3)
    balance = reads.call(ledger.functions.balanceOf(holder, pollutant))
    position = reads.call(ledger.functions.positionOf(holder, pollutant))
    valid = reads.call(ledger.functions.permitValid(holder))
    profile = reads.call(registry.functions.profile(holder))
    reads.send()
    try:
        paid, free, waived, pledged = balance.value()
        permitted, _leased_in, _leased_out, tradable = position.value()
        registered, _closed, _policy, qualified, restrictions, sector, *_ = profile.value()
        permit_valid = bool(valid.value())
    except (ContractLogicError, Web3RPCError, ValueError):
        return None
    if not registered:
        return None
    figures = {"paid": paid, "free": free, "waived": waived, "pledged": pledged,
               "permitted": permitted, "tradable": tradable}  # fmt: skip
    return sellable(
        figures,
        permit_valid=permit_valid,
        government=Sector(sector) is Sector.GOVERNMENT,
        qualified=bool(qualified),
        restricted=bool(restrictions),
    )
