"""Every privileged operation of the deployed contracts, as an :class:`Operation`.

Grouped by concern (one API router each, built by ``backend/api/routes/operations.py``); each
is declared with ``op(…)`` beside its body, a documented, validated request; ``args`` maps it to
the contract call. Who may call is the contract's business (a refusal is the decoded
``AccessControlUnauthorizedAccount`` or the contract's own error, 403); ``role`` documents it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from backend.chain.client import Chain
from backend.chain.domain import (
    Origin,
    PollutantClass,
    ReserveSource,
    ReserveUse,
    Restriction,
    Sector,
)
from backend.chain.errors import ServiceError
from backend.services.fields import (
    Address,
    Bytes32,
    CreditCode,
    Fen,
    Kg,
    Pollutant,
    Reason,
    Text,
    Uint256,
    by_name,
)
from backend.services.operations import Catalogue, OperationBody, pollutant_id
from backend.services.registration import NAME_MAX, check_name

SectorField = by_name(Sector, "sector")
OriginField = by_name(Origin, "origin")
ClassField = by_name(PollutantClass, "pollutant class")
SourceField = by_name(ReserveSource, "reserve source")
UseField = by_name(ReserveUse, "reserve use")
RestrictionField = by_name(Restriction, "restriction (R-17)")
District = Annotated[int, Field(strict=True, ge=0, le=2**16 - 1, description="district id")]
Basin = Annotated[int, Field(strict=True, ge=0, le=2**16 - 1, description="basin id")]
Seconds = Annotated[int, Field(strict=True, ge=0, le=2**64 - 1, description="unix seconds")]
# Lines of a batch operation (registerAccountBatch, attestBatch, surrenderBatch): 100 of the
# dearest line (a verifier's first attestation of a figure, ≈ 190 000 gas) fit a 30 M gas block.
BATCH_MAX = 100


def _p(chain: Chain, value: int | str) -> int:
    return pollutant_id(chain, value)


op = Catalogue()


# =============================================================================================
# registry: accounts and their attributes (contracts/registry/AccountRegistry.sol)


class AddPollutant(OperationBody):
    """Add a pollutant kind (R-01: the set of pollutants is data)."""

    code: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")]
    name: Annotated[
        str, Field(strict=True, min_length=1, max_length=100), AfterValidator(check_name)
    ]
    pollutant_class: ClassField = Field(alias="class")


op(name="add-pollutant", concern="registry", contract="AccountRegistry", function="addPollutant",
   body=AddPollutant, summary="Add a pollutant kind (R-01)", role="regulator", rules=("R-01",),
   args=lambda b, c: [b.code, b.name, b.pollutant_class])  # fmt: skip


class Registration(BaseModel):
    """A unit's account as registered: the fields of ``register-account`` and of each line of
    ``register-accounts``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    holder: Address = Field(description="the unit's own address (its wallet)")
    credit_code: CreditCode = Field(alias="creditCode")
    name: Annotated[
        str,
        Field(strict=True, min_length=1, max_length=NAME_MAX,
              description="the unit's registered name (no control or format characters)"),
        AfterValidator(check_name),
    ]  # fmt: skip
    sector: SectorField
    district: District
    basin: Basin


class RegisterAccount(OperationBody, Registration):
    """Open a unit's real-name account, bound to its credit code (注册登记, R-02, R-03)."""


op(name="register-account", concern="registry", contract="AccountRegistry",
   function="registerAccount", body=RegisterAccount,
   summary="Register an account (注册登记, R-02)", role="regulator, district regulator",
   rules=("R-02", "R-03"))  # fmt: skip


class RegisterAccounts(OperationBody):
    """Open many units' accounts in one transaction (注册登记, R-02, R-03): each line is checked as
    ``register-account`` checks it, and one refused line refuses the whole batch (nothing is
    registered)."""

    accounts: Annotated[list[Registration], Field(min_length=1, max_length=BATCH_MAX)]


op(name="register-accounts", concern="registry", contract="AccountRegistry",
   function="registerAccountBatch", body=RegisterAccounts,
   summary="Register accounts in one transaction (注册登记, R-02)",
   role="regulator, district regulator", rules=("R-02", "R-03"),
   args=lambda b, c: [[(a.holder, a.credit_code, a.name, a.sector, a.district, a.basin)
                       for a in b.accounts]])  # fmt: skip


class ChangeAttributes(OperationBody):
    """Change a unit's district or basin (R-03); in force from its block (R-04). A change of its
    sector (which decides R-19, R-20, R-38, and for Government R-18–R-20 and R-39) only through
    the regulator council (``council-propose``)."""

    holder: Address
    sector: SectorField
    district: District
    basin: Basin


op(name="change-attributes", concern="registry", contract="AccountRegistry",
   function="changeAttributes", body=ChangeAttributes,
   summary="Change account attributes (R-03)",
   role="regulator, district regulator (district, basin); regulator council (sector)",
   rules=("R-03", "R-04", "R-19", "R-38"))  # fmt: skip


class SetRestriction(OperationBody):
    """Restrict a unit for a reason, or lift it (R-17): the freezes (supervision, rectification,
    regional suspension, legal) by one authority at once; the blacklist proper (credit, fraud,
    环保信用黑名单) only through the regulator council (``council-propose``)."""

    holder: Address
    restriction: RestrictionField
    active: Annotated[bool, Field(strict=True)]
    reason: Text = ""


op(name="set-restriction", concern="registry", contract="AccountRegistry",
   function="setRestriction", body=SetRestriction, summary="Set or lift a restriction (R-17)",
   role="regulator, district regulator", rules=("R-17",))  # fmt: skip


class SetPolicyRestricted(OperationBody):
    """Mark a unit as failing industrial policy, or clear it (R-11)."""

    holder: Address
    restricted: Annotated[bool, Field(strict=True)]
    reason: Text = ""


op(name="set-policy-restricted", concern="registry", contract="AccountRegistry",
   function="setPolicyRestricted", body=SetPolicyRestricted,
   summary="Set the industrial-policy flag (R-11)", role="regulator, district regulator",
   rules=("R-11",))  # fmt: skip


class SetQualifiedSeller(OperationBody):
    """Record the outcome of the trading-party review (交易主体资格审查, R-39)."""

    holder: Address
    qualified: Annotated[bool, Field(strict=True)]


op(name="set-qualified-seller", concern="registry", contract="AccountRegistry",
   function="setQualifiedSeller", body=SetQualifiedSeller,
   summary="Set seller qualification (R-39)", role="regulator, district regulator",
   rules=("R-39",))  # fmt: skip


class SetNonAttainment(OperationBody):
    """List or delist a district or basin failing its quality standard for a pollutant (R-18)."""

    is_basin: Annotated[bool, Field(strict=True, alias="isBasin")]
    area: Annotated[int, Field(strict=True, ge=0, le=127, description="district or basin id")]
    pollutant: Pollutant
    non_attainment: Annotated[bool, Field(strict=True, alias="nonAttainment")]


op(name="set-non-attainment", concern="registry", contract="AccountRegistry",
   function="setNonAttainment", body=SetNonAttainment,
   summary="Set a non-attainment area (R-18)", role="regulator", rules=("R-18",),
   args=lambda b, c: [b.is_basin, b.area, _p(c, b.pollutant), b.non_attainment])  # fmt: skip


class SetSectorEnabled(OperationBody):
    """Open or close trading to a sector (roll-out by sector, R-38)."""

    sector: SectorField
    enabled: Annotated[bool, Field(strict=True)]


op(name="set-sector-enabled", concern="registry", contract="AccountRegistry",
   function="setSectorEnabled", body=SetSectorEnabled,
   summary="Enable a sector for trading (R-38)", role="regulator", rules=("R-38",))  # fmt: skip


class SetDistrictRegulator(OperationBody):
    """Name the regulator of a district (0 removes it): it acts for that district's units."""

    regulator: Address
    district: District


op(name="set-district-regulator", concern="registry", contract="AccountRegistry",
   function="setDistrictRegulator", body=SetDistrictRegulator,
   summary="Appoint a district regulator",
   role="admin: the regulator council (council-propose)")  # fmt: skip


# =============================================================================================
# allocation: caps, certification, allocations (contracts/registry/RightsLedger.sol)


class SetCap(OperationBody):
    """Set a region's total cap for a pollutant (总量控制, R-10); never below what is allocated."""

    region: District
    pollutant: Pollutant
    cap_kg: Kg = Field(alias="capKg")


op(name="set-cap", concern="allocation", contract="RightsLedger", function="setCap",
   body=SetCap, summary="Set a regional cap (R-10)", role="regulator council (council-propose)",
   rules=("R-10",),
   args=lambda b, c: [b.region, _p(c, b.pollutant), b.cap_kg])  # fmt: skip


class CertifyTradable(OperationBody):
    """Certify a quantity of a unit's rights as tradable (可交易排污权认定, R-39)."""

    holder: Address
    pollutant: Pollutant
    kg: Kg


op(name="certify-tradable", concern="allocation", contract="RightsLedger",
   function="certifyTradable", body=CertifyTradable,
   summary="Certify tradable rights (R-39)", role="regulator, district regulator",
   rules=("R-39",), args=lambda b, c: [b.holder, _p(c, b.pollutant), b.kg])  # fmt: skip


class AllocateFree(OperationBody):
    """Confirm a legacy unit's free allocation (无偿取得, R-05), within the cap (R-10)."""

    holder: Address
    pollutant: Pollutant
    kg: Kg


op(name="allocate-free", concern="allocation", contract="RightsLedger",
   function="allocateFree", body=AllocateFree, summary="Legacy free allocation (R-05)",
   role="regulator, district regulator", rules=("R-05", "R-10"),
   args=lambda b, c: [b.holder, _p(c, b.pollutant), b.kg])  # fmt: skip


# =============================================================================================
# permits (contracts/registry/PermitRegistry.sol)


class Permitted(BaseModel):
    model_config = OperationBody.model_config
    pollutant: Pollutant
    kg: Kg


class PermitQuantities(OperationBody):
    holder: Address
    permitted: list[Permitted] = Field(
        min_length=1, max_length=64, description="permitted kg per pollutant"
    )

    @model_validator(mode="after")
    def _distinct(self) -> PermitQuantities:
        seen = [p.pollutant for p in self.permitted]
        if len(set(seen)) != len(seen):
            raise ValueError("permitted: each pollutant once")
        return self


def _permit_lists(b: PermitQuantities, c: Chain) -> tuple[list[int], list[int]]:
    return [_p(c, p.pollutant) for p in b.permitted], [p.kg for p in b.permitted]


class IssuePermit(PermitQuantities):
    """Issue a discharge permit (排污许可证, R-06); pollutants not listed are permitted 0 kg."""

    valid_from: Seconds = Field(alias="validFrom")
    valid_to: Seconds = Field(alias="validTo")


op(name="issue-permit", concern="permits", contract="PermitRegistry", function="issuePermit",
   body=IssuePermit, summary="Issue a permit (R-06)", role="regulator, district regulator",
   rules=("R-03", "R-06"),
   args=lambda b, c: [b.holder, *_permit_lists(b, c), b.valid_from, b.valid_to])  # fmt: skip


class ChangePermit(PermitQuantities):
    """Change a valid permit's quantities, keeping its validity (R-06)."""


op(name="change-permit", concern="permits", contract="PermitRegistry", function="changePermit",
   body=ChangePermit, summary="Change a permit (R-06)", role="regulator, district regulator",
   rules=("R-06",), args=lambda b, c: [b.holder, *_permit_lists(b, c)])  # fmt: skip


class RenewPermit(OperationBody):
    """Extend a permit (re-confirmation, seed 003 §2(一))."""

    holder: Address
    valid_to: Seconds = Field(alias="validTo")


op(name="renew-permit", concern="permits", contract="PermitRegistry", function="renewPermit",
   body=RenewPermit, summary="Renew a permit", role="regulator, district regulator",
   rules=("R-06",))  # fmt: skip


class RevokePermit(OperationBody):
    """End a permit now (closure, revocation)."""

    holder: Address


op(name="revoke-permit", concern="permits", contract="PermitRegistry", function="revokePermit",
   body=RevokePermit, summary="Revoke a permit", role="regulator, district regulator",
   rules=("R-06", "R-32"))  # fmt: skip

# =============================================================================================
# prices (contracts/market/PriceBook.sol)


class PublishBenchmark(OperationBody):
    """Publish a benchmark price (交易基准价格, R-15), effective from a future moment."""

    pollutant: Pollutant
    region: District = 0
    fen_per_tonne: Annotated[int, Field(strict=True, ge=1, le=2**64 - 1)] = Field(
        alias="fenPerTonne"
    )
    effective_from: Seconds = Field(alias="effectiveFrom")


op(name="publish-benchmark", concern="prices", contract="PriceBook", function="publish",
   body=PublishBenchmark,
   summary="Publish a benchmark price, effective after the notice period and within the band "
           "(R-15)",
   role="price bureau", rules=("R-15",),
   args=lambda b, c: [_p(c, b.pollutant), b.region, b.fen_per_tonne, b.effective_from])  # fmt: skip


class DecideBenchmark(PublishBenchmark):
    """The regulator council decides a benchmark without notice or band (R-15), replacing a
    publication still waiting for its time."""


op(name="publish-benchmark-by-council", concern="prices", contract="PriceBook",
   function="publishByCouncil", body=DecideBenchmark,
   summary="Decide a benchmark price outside notice and band (R-15)",
   role="regulator council (council-propose)", rules=("R-15",),
   args=lambda b, c: [_p(c, b.pollutant), b.region, b.fen_per_tonne, b.effective_from])  # fmt: skip

# =============================================================================================
# compliance (contracts/registry/ComplianceManager.sol)


class DefinePeriod(OperationBody):
    """Define the next compliance period and its deadlines (R-22, R-24, R-25)."""

    start: Seconds
    end: Seconds
    surrender_deadline: Seconds = Field(alias="surrenderDeadline")
    carry_over_deadline: Seconds = Field(alias="carryOverDeadline")


op(name="define-period", concern="compliance", contract="ComplianceManager",
   function="definePeriod", body=DefinePeriod, summary="Define a compliance period",
   role="regulator council (council-propose)", rules=("R-22",))  # fmt: skip


class UnitPeriod(OperationBody):
    unit: Address
    pollutant: Pollutant
    period: Annotated[int, Field(strict=True, ge=1, le=2**32 - 1)]


def _upp(b: UnitPeriod, c: Chain) -> list[object]:
    return [b.unit, _p(c, b.pollutant), b.period]


class RunSurrender(UnitPeriod):
    """Run a unit's surrender for it (the regulator "runs surrender", R-24)."""


op(name="run-surrender", concern="compliance", contract="ComplianceManager",
   function="surrender", body=RunSurrender, summary="Run a unit's surrender (R-24)",
   role="regulator, district regulator (or the unit)", rules=("R-24",), args=_upp)  # fmt: skip


class RunSurrenders(OperationBody):
    """Run the surrender of many units for one pollutant and period (R-24), each as
    ``run-surrender``; one refused unit refuses the whole batch."""

    units: Annotated[list[Address], Field(min_length=1, max_length=BATCH_MAX)]
    pollutant: Pollutant
    period: Annotated[int, Field(strict=True, ge=1, le=2**32 - 1)]


op(name="run-surrender-batch", concern="compliance", contract="ComplianceManager",
   function="surrenderBatch", body=RunSurrenders,
   summary="Run many units' surrender in one transaction (R-24)",
   role="regulator, district regulator (or the units)", rules=("R-24",),
   args=lambda b, c: [b.units, _p(c, b.pollutant), b.period])  # fmt: skip


class CloseSurrender(UnitPeriod):
    """After the deadline, record the shortfall as owed (R-24)."""


op(name="close-surrender", concern="compliance", contract="ComplianceManager",
   function="closeSurrender", body=CloseSurrender, summary="Close surrender, record shortfall",
   role="anyone after the deadline", rules=("R-24",), args=_upp)  # fmt: skip


class SettleOwed(OperationBody):
    """Burn rights against an owed shortfall (R-24)."""

    unit: Address
    pollutant: Pollutant


op(name="settle-owed", concern="compliance", contract="ComplianceManager",
   function="settleOwed", body=SettleOwed, summary="Settle an owed shortfall (R-24)",
   role="regulator, district regulator (or the unit)", rules=("R-24",),
   args=lambda b, c: [b.unit, _p(c, b.pollutant)])  # fmt: skip


class SweepCarryOver(OperationBody):
    """After the carry-over deadline, carry over every compliant unit listed (R-25)."""

    units: list[Address] = Field(min_length=1, max_length=500)
    pollutant: Pollutant
    period: Annotated[int, Field(strict=True, ge=1, le=2**32 - 1)]


op(name="sweep-carry-over", concern="compliance", contract="ComplianceManager",
   function="sweepCarryOver", body=SweepCarryOver, summary="Sweep carry-over (R-25)",
   role="anyone after the deadline", rules=("R-25",),
   args=lambda b, c: [b.units, _p(c, b.pollutant), b.period])  # fmt: skip

# =============================================================================================
# verification (contracts/oracle/VerificationOracle.sol)


class SetQuorum(OperationBody):
    """Agreeing verifiers needed for figures attested from now on (R-23)."""

    quorum: Annotated[int, Field(strict=True, ge=1, le=2**16 - 1)]


op(name="set-quorum", concern="verification", contract="VerificationOracle",
   function="setQuorum", body=SetQuorum, summary="Set the verifier quorum (R-23)",
   role="regulator council (council-propose)", rules=("R-23",))  # fmt: skip


class SetDisputeWindow(OperationBody):
    """Seconds between agreement and finality for figures attested from now on (R-23)."""

    dispute_window: Annotated[int, Field(strict=True, ge=0, le=2**48 - 1)] = Field(
        alias="disputeWindow"
    )


op(name="set-dispute-window", concern="verification", contract="VerificationOracle",
   function="setDisputeWindow", body=SetDisputeWindow, summary="Set the dispute window (R-23)",
   role="regulator council (council-propose)", rules=("R-23",))  # fmt: skip


class CorrectUsage(OperationBody):
    """Correct a figure that is not final yet, with evidence and a reason (R-23)."""

    unit: Address
    pollutant: Pollutant
    period: Annotated[int, Field(strict=True, ge=1, le=2**32 - 1)]
    kg: Kg
    evidence: Bytes32
    reason: Reason


op(name="correct-usage", concern="verification", contract="VerificationOracle",
   function="correct", body=CorrectUsage, summary="Correct verified usage (R-23)",
   role="regulator", rules=("R-23",),
   args=lambda b, c: [b.unit, _p(c, b.pollutant), b.period, b.kg, b.evidence,
                      b.reason])  # fmt: skip


class UsageFigure(BaseModel):
    """A verified usage figure: the fields of ``attest-usage`` and of each figure of
    ``attest-usage-batch``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    unit: Address
    pollutant: Pollutant
    period: Annotated[int, Field(strict=True, ge=1, le=2**32 - 1)]
    kg: Kg
    evidence: Bytes32


class Attest(OperationBody, UsageFigure):
    """A verifier attests from its own account (the signed ``attest`` action is relayed)."""


op(name="attest-usage", concern="verification", contract="VerificationOracle",
   function="attest", body=Attest, summary="Attest verified usage (R-23)", role="verifier",
   rules=("R-23",),
   args=lambda b, c: [b.unit, _p(c, b.pollutant), b.period, b.kg, b.evidence])  # fmt: skip


class AttestBatch(OperationBody):
    """A verifier attests many figures in one transaction (R-23), each as ``attest-usage``; one
    refused figure refuses the whole batch."""

    figures: Annotated[list[UsageFigure], Field(min_length=1, max_length=BATCH_MAX)]


op(name="attest-usage-batch", concern="verification", contract="VerificationOracle",
   function="attestBatch", body=AttestBatch,
   summary="Attest verified usage of many units in one transaction (R-23)", role="verifier",
   rules=("R-23",),
   args=lambda b, c: [[(f.unit, _p(c, f.pollutant), f.period, f.kg, f.evidence)
                       for f in b.figures]])  # fmt: skip


class CancelNonce(OperationBody):
    """Make a signed attestation's nonce unusable (a signature that must not be relayed)."""

    nonce: Uint256


op(name="cancel-attestation-nonce", concern="verification", contract="VerificationOracle",
   function="cancelNonce", body=CancelNonce, summary="Cancel a signed attestation",
   role="verifier")  # fmt: skip

# =============================================================================================
# pledges: banks and the exchange (contracts/registry/PledgeBook.sol)


class ReleasePledge(OperationBody):
    """The bank releases a repaid pledge: the rights are free again (R-34)."""

    id: Uint256


op(name="release-pledge", concern="pledges", contract="PledgeBook", function="release",
   body=ReleasePledge, summary="Release a pledge (R-34)", role="bank (the pledgee)",
   rules=("R-34",))  # fmt: skip


class EnforcePledge(OperationBody):
    """From the pledge's maturity on, the bank declares default for what is still due (at most
    the claim recorded with the pledge) and asks the exchange to sell (R-34)."""

    id: Uint256
    claim_fen: Annotated[int, Field(strict=True, ge=0, le=2**128 - 1)] = Field(
        alias="claimFen", description="what is due, in fen: at most the pledge's recorded claim"
    )


op(name="enforce-pledge", concern="pledges", contract="PledgeBook", function="enforce",
   body=EnforcePledge, summary="Enforce a pledge (R-34)", role="bank (the pledgee)",
   rules=("R-34",))  # fmt: skip


# =============================================================================================
# reserve (contracts/reserve/GovernmentReserve.sol)


class Reclaim(OperationBody):
    """Reclaim a unit's rights into the reserve: free ones without pay, paid ones bought at
    the benchmark from the fund (回收, R-27)."""

    unit: Address
    pollutant: Pollutant
    origin: OriginField
    kg: Kg
    source: SourceField = Field(
        default=int(ReserveSource.RECLAIMED), description="reclaimed or idle"
    )
    reason: Text = ""


op(name="reclaim", concern="reserve", contract="GovernmentReserve", function="reclaim",
   body=Reclaim, summary="Reclaim rights into the reserve (R-27)",
   role="regulator council (council-propose)", rules=("R-27",),
   args=lambda b, c: [b.unit, _p(c, b.pollutant), b.origin, b.kg, b.source, b.reason])  # fmt: skip


class AcquireFromFacility(OperationBody):
    """Rights created by a registered centralised treatment facility enter the reserve within its
    district's cap, paid from the reserve fund at the settled benchmark (R-27): public money,
    so only through the regulator council (``council-propose``)."""

    facility: Address
    pollutant: Pollutant
    kg: Kg


op(name="acquire-from-facility", concern="reserve", contract="GovernmentReserve",
   function="acquireFromFacility", body=AcquireFromFacility,
   summary="Acquire a facility's rights (R-27)", role="regulator council (council-propose)",
   rules=("R-27", "R-10"),
   args=lambda b, c: [b.facility, _p(c, b.pollutant), b.kg])  # fmt: skip


class OfferRelease(OperationBody):
    """Offer reserve rights to a buyer (R-28); it accepts with the signed ``accept-release``."""

    buyer: Address
    pollutant: Pollutant
    kg: Kg
    price_fen: Fen = Field(alias="priceFen")
    source: SourceField
    use: UseField
    reason: Text = ""


op(name="offer-release", concern="reserve", contract="GovernmentReserve",
   function="offerRelease", body=OfferRelease, summary="Offer a reserve release (R-28)",
   role="regulator", rules=("R-21", "R-28"),
   args=lambda b, c: [b.buyer, _p(c, b.pollutant), b.kg, b.price_fen, b.source, b.use,
                      b.reason])  # fmt: skip


class WithdrawOffer(OperationBody):
    """Withdraw an open release offer (R-28)."""

    id: Uint256


op(name="withdraw-release", concern="reserve", contract="GovernmentReserve",
   function="withdrawOffer", body=WithdrawOffer, summary="Withdraw a release offer (R-28)",
   role="regulator", rules=("R-28",))  # fmt: skip

# =============================================================================================
# lifecycle: mergers, splits, closures, fraud (contracts/lifecycle/UnitLifecycle.sol)


Signatures = Annotated[
    list[Annotated[str, Field(strict=True, pattern=r"^0x([0-9a-fA-F]{2})*$")]],
    Field(
        max_length=201,
        description="each unit's signature of the act's typed data, in the order "
        "POST /lifecycle/consents/… gives (empty when the regulator council decides)",
    ),
]


class Consent(OperationBody):
    """The units' consent (R-30, R-31): their signatures and the deadline they signed."""

    deadline: Uint256 = Field(default=0, description="the deadline the units signed")
    signatures: Signatures = Field(default_factory=list)


def _signatures(b: Consent) -> list[bytes]:
    return [bytes.fromhex(s[2:]) for s in b.signatures]


class Merge(Consent):
    """Merge ``from`` into ``to``: every right and obligation passes, ``from`` closes (R-30).
    Both units sign the merger (``POST /lifecycle/consents/merge``) and a regulator over both
    submits it; or the regulator council decides without their signatures."""

    from_unit: Address = Field(alias="from")
    to_unit: Address = Field(alias="to")
    reason: Reason


op(name="merge", concern="lifecycle", contract="UnitLifecycle", function="merge",
   body=Merge, summary="Merge two units with their consent (R-30)",
   role="regulator, district regulator with both units' signatures; regulator council "
        "(council-propose)",
   rules=("R-30",),
   args=lambda b, c: [b.from_unit, b.to_unit, b.reason, b.deadline, _signatures(b)])  # fmt: skip


class SplitLine(BaseModel):
    model_config = OperationBody.model_config
    successor: Address
    pollutant: Pollutant
    paid: Kg = 0
    free: Kg = 0
    waived: Kg = 0
    permitted: Kg = 0
    owed: Kg = 0


class Split(Consent):
    """Split a unit by a plan that adds up exactly per pollutant and field (R-31). The unit and
    every successor sign the plan (``POST /lifecycle/consents/split``) and a regulator over all
    of them submits it; or the regulator council decides without their signatures."""

    from_unit: Address = Field(alias="from")
    plan: list[SplitLine] = Field(min_length=1, max_length=200)
    obligor: Address = Field(description="one of the successors: meets pending surrenders")
    reason: Reason


def split_lines(b: Split, c: Chain) -> list[tuple[object, ...]]:
    """The plan as the contract's ``SplitLine`` tuples (pollutants by id)."""
    return [(x.successor, _p(c, x.pollutant), x.paid, x.free, x.waived, x.permitted, x.owed)
            for x in b.plan]  # fmt: skip


def _split_args(b: Split, c: Chain) -> list[object]:
    return [b.from_unit, split_lines(b, c), b.obligor, b.reason, b.deadline, _signatures(b)]


op(name="split", concern="lifecycle", contract="UnitLifecycle", function="split", body=Split,
   summary="Split a unit with its and its successors' consent (R-31)",
   role="regulator, district regulator with every unit's signature; regulator council "
        "(council-propose)",
   rules=("R-31",), args=_split_args)  # fmt: skip


class CloseUnit(OperationBody):
    """Close a unit that holds, owes, pledges and leases nothing, has no valid permit and no
    compliance period pending (R-32). Never the reserve or another authority account."""

    unit: Address
    reason: Reason


op(name="close-unit", concern="lifecycle", contract="UnitLifecycle", function="close",
   body=CloseUnit, summary="Close a unit (R-32)", role="regulator, district regulator",
   rules=("R-32",))  # fmt: skip


class SanctionFraud(OperationBody):
    """Reclaim rights obtained by deception free of charge and blacklist the unit (R-33)."""

    unit: Address
    reason: Reason


op(name="sanction-fraud", concern="lifecycle", contract="UnitLifecycle",
   function="sanctionFraud", body=SanctionFraud, summary="Sanction fraud (R-33)",
   role="regulator council (council-propose)", rules=("R-33", "R-27"))  # fmt: skip

# =============================================================================================
# leasing: ending a lease after its term (anyone; contracts/lifecycle/LeaseBook.sol)


class EndLease(OperationBody):
    """After the term, return what is left of the lent rights to the lessor (R-35)."""

    id: Uint256


op(name="end-lease", concern="leasing", contract="LeaseBook", function="endLease",
   body=EndLease, summary="End a lease after its term (R-35)", role="anyone",
   rules=("R-35",))  # fmt: skip

# =============================================================================================
# roles: grants on any contract of the deployment (OpenZeppelin AccessControl)

ROLE_NAME = r"^(DEFAULT_ADMIN_ROLE|[A-Z][A-Z0-9_]*_ROLE)$"


class RoleChange(OperationBody):
    contract: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z][A-Za-z0-9]{0,63}$")] = Field(
        description="contract name as in the deployment record, e.g. PledgeBook"
    )
    role: Annotated[str, Field(strict=True, pattern=ROLE_NAME)] = Field(
        description="the role's constant, e.g. PLEDGEE_ROLE"
    )
    account: Address


def _role_args(b: RoleChange, c: Chain) -> list[object]:
    if b.contract not in c.deployment.contracts:
        raise ServiceError("OperationUnavailable", f"contract {b.contract} is not deployed")
    contract = c.contract(b.contract)
    if b.role == "DEFAULT_ADMIN_ROLE":
        return [b"\0" * 32, b.account]
    if not any(i.get("name") == b.role for i in contract.abi if i.get("type") == "function"):
        raise ServiceError("RoleUnknown", f"{b.contract} has no {b.role}", args={"role": b.role})
    return [getattr(contract.functions, b.role)().call(), b.account]


class GrantRole(RoleChange):
    """Grant a role (e.g. PLEDGEE_ROLE to a bank, VERIFIER_ROLE to a verifier)."""


class RevokeRole(RoleChange):
    """Revoke a role."""


op(name="grant-role", concern="roles", contract=lambda b: b.contract, function="grantRole",
   body=GrantRole, summary="Grant a role",
   role="the role's admin: the regulator council (council-propose)",
   args=_role_args)  # fmt: skip
op(name="revoke-role", concern="roles", contract=lambda b: b.contract, function="revokeRole",
   body=RevokeRole, summary="Revoke a role",
   role="the role's admin: the regulator council (council-propose)",
   args=_role_args)  # fmt: skip
