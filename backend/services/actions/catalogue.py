"""The product's signed actions: the registry the service starts with.

The pledge is here; the companies' and verifiers' actions are :mod:`.company`, the exchange's
:mod:`.market`. The test probe (contracts/testing/SignedActionProbe.sol) exercises the generic
machinery in the service's own tests and benchmark. It is offered only by a service whose
deployment record has the probe (scripts/deploy.py never deploys it): a production service
neither lists it nor has its routes (:func:`default_actions`). Negotiated trades, signed by two
parties, are backend/services/trades.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Annotated, Any

from pydantic import Field

from backend.chain.domain import LEDGER_REASONS, Op, Origin, TradeMode
from backend.services.actions.company import COMPANY_ACTIONS
from backend.services.actions.market import MARKET_ACTIONS
from backend.services.actions.spec import ActionBody, ActionRegistry, ActionSpec, PreCheck
from backend.services.fields import Address, Kg, Uint32


class ProbeTransferBody(ActionBody):
    """Move ``kg`` of ``pollutant`` from the signer to ``to`` (test probe)."""

    sender: Address = Field(alias="from", description="the signer, who gives the rights")
    to: Address = Field(description="the receiving account")
    pollutant: Uint32 = Field(description="pollutant id")
    kg: Kg


PROBE_TRANSFER = ActionSpec(
    name="probe-transfer",
    contract="SignedActionProbe",
    function="transferBySig",
    body=ProbeTransferBody,
    summary="Test probe: transfer rights between two open accounts (the service's own tests)",
    precheck="canTransfer",
    reasons=(
        "Ok",
        "ProbeZeroQuantity",
        "ProbeSelfTransfer",
        "ProbeUnknownAccount",
        "ProbeFrozenAccount",
        "ProbeInsufficientBalance",
    ),
    typehash="TRANSFER_TYPEHASH",
)


class PledgeBody(ActionBody):
    """Pledge available excess paid rights to a bank (质押, R-07, R-34)."""

    holder: Address = Field(description="the signer, whose rights are pledged")
    bank: Address = Field(description="the pledgee (a bank with the PLEDGEE role)")
    pollutant: Uint32 = Field(description="pollutant id")
    quantity_kg: Kg = Field(alias="quantityKg")
    # the typed data's fields are uint128 and uint64; the pledge book keeps 40 and 48 bits
    # (IPledgeBook.Pledge) and refuses more with PledgeInvalidTerms
    claim_fen: Annotated[int, Field(strict=True, ge=1, le=2**40 - 1)] = Field(
        alias="claimFen",
        description="the debt the pledge secures, in fen (at most 2^40 - 1, 11 billion yuan): "
        "the most the bank may claim from a sale on default (R-34)",
    )
    maturity: Annotated[int, Field(strict=True, ge=0, le=2**48 - 1)] = Field(
        description="when the debt falls due (unix seconds, in the future): the bank may declare "
        "default only from then on"
    )


def _pledge_movement(m: Mapping[str, Any]) -> list[Any]:
    """The ledger movement a pledge makes (RightsLedger.pledgeRights)."""
    holder = m["holder"]
    return [
        (int(Op.PLEDGE), holder, holder, m["pollutant"], m["quantityKg"], 0,
         int(TradeMode.NONE), 0, int(Origin.PAID), False)
    ]  # fmt: skip


PLEDGE = ActionSpec(
    name="pledge",
    contract="PledgeBook",
    function="pledgeBySig",
    body=PledgeBody,
    summary="Pledge rights to a bank (质押)",
    struct="Pledge(address holder,address bank,uint32 pollutant,uint64 quantityKg,"
    "uint128 claimFen,uint64 maturity,uint256 nonce,uint256 deadline)",
    precheck=PreCheck("check", contract="RightsLedger", args=_pledge_movement),
    reasons=LEDGER_REASONS,
)


def default_actions(deployed: Collection[str] = ()) -> ActionRegistry:
    """The registry the service starts with: the product's actions, and the test probe's only
    when ``deployed`` (the contract names of the deployment record) has the probe."""
    specs = [PLEDGE, *COMPANY_ACTIONS, *MARKET_ACTIONS]
    if PROBE_TRANSFER.contract in deployed:
        specs.append(PROBE_TRANSFER)
    return ActionRegistry(specs)
