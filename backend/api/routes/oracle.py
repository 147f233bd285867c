"""Verification oracle over HTTP (R-23): monitoring files in, verified usage and evidence out.

Monitoring platforms post CSV/JSON files; the oracle validates and totals them exactly as
``backend oracle ingest`` does and, if this service holds a verifier key
(``DRR_ORACLE_KEYSTORE``), signs and posts the figures. Status and evidence are public reads.
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from backend.api.errors import ERROR_RESPONSES
from backend.chain.errors import ServiceError
from backend.oracle.contract import OracleContract
from backend.oracle.evidence import EvidenceNotFoundError
from backend.oracle.keys import SignerError
from backend.oracle.poster import Poster
from backend.oracle.records import SourceFile
from backend.oracle.service import OracleContext, OracleInputError, ingest, unit_status
from backend.oracle.store import CONFIRMED, UploadReplayed
from backend.oracle.upload import MAX_FILES, SignedUpload
from backend.oracle.upload import check as check_upload
from backend.oracle.wiring import OracleConfigError, context_from, service_signers
from backend.services.fields import checksummed

router = APIRouter(prefix="/oracle", tags=["oracle"])
MAX_ERRORS = 1000  # per rejected unit in a response; the count is always complete


def _context(request: Request) -> OracleContext:
    state = request.app.state
    if getattr(state, "oracle", None) is None:
        try:
            state.oracle = context_from(state.settings, state.chain)
        except (OracleConfigError, ValueError) as exc:
            raise ServiceError("OracleNotConfigured", str(exc)) from None
    return state.oracle


def _poster(request: Request, ctx: Annotated[OracleContext, Depends(_context)]) -> Poster | None:
    """A poster with the service's verifier key, or None if this service holds no key."""
    state = request.app.state
    if not hasattr(state, "oracle_signers"):
        try:
            state.oracle_signers = service_signers(state.settings)
        except (OracleConfigError, SignerError) as exc:
            raise ServiceError("OracleKeyUnavailable", str(exc)) from None
    if state.oracle_signers is None:
        return None
    signer, relayer = state.oracle_signers
    return Poster(
        store=ctx.store,
        oracle=OracleContract(state.chain),
        signer=signer,
        sender=relayer,
        signature_ttl=state.settings.oracle_signature_ttl,
    )


def _oracle_contract(request: Request) -> OracleContract | None:
    chain = request.app.state.chain
    if "VerificationOracle" not in chain.deployment.contracts:
        return None
    return OracleContract(chain)


OracleDep = Annotated[OracleContext, Depends(_context)]
PosterDep = Annotated[Poster | None, Depends(_poster)]
OracleContractDep = Annotated[OracleContract | None, Depends(_oracle_contract)]


class FigureOut(BaseModel):
    credit_code: str
    unit: str
    pollutant: str
    pollutant_id: int
    period: int
    kg: int
    evidence: str


class RejectedOut(BaseModel):
    credit_code: str
    count: int
    errors: list[str]


class PostingOut(BaseModel):
    unit: str
    credit_code: str
    pollutant: int
    kg: int
    state: str
    tx_hash: str | None
    message: str


class IngestOut(BaseModel):
    period: int
    files: int
    records: int
    run_id: int | None
    seconds: float
    figures: list[FigureOut]
    rejected_units: list[RejectedOut]
    file_errors: list[str]
    posted: list[PostingOut] | None
    note: str


@router.post(
    "/ingest",
    response_model=IngestOut,
    responses={**ERROR_RESPONSES, 422: {"model": IngestOut, "description": "nothing accepted"}},
)
def ingest_files(
    request: Request,
    ctx: OracleDep,
    poster: PosterDep,
    period: Annotated[int, Form(ge=1, le=2**32 - 1, description="compliance period id (uint32)")],
    files: Annotated[
        list[UploadFile], File(description=f"monitoring files (.csv, .json), at most {MAX_FILES}")
    ],
    verifier: Annotated[
        str | None, Form(description="the uploading verifier (VERIFIER_ROLE), who signed")
    ] = None,
    deadline: Annotated[
        int | None, Form(ge=0, le=2**64 - 1, description="unix seconds the signature is good to")
    ] = None,
    signature: Annotated[
        str | None,
        Form(max_length=200, description="the verifier's EIP-712 signature of OracleUpload"),
    ] = None,
) -> IngestOut | JSONResponse:
    """Validate and total monitoring files for a period; store evidence; post if keyed.

    Only a verifier's signed upload is taken (``backend oracle upload`` signs it with the
    verifier's keystore; the typed data: docs/oracle.md, "Who may upload"): anything else is
    refused before a file is read. Units with any bad record are rejected whole (every problem
    listed, nothing posted for them); the response is 422 when no unit was accepted.
    """
    if verifier is None or deadline is None or signature is None:
        raise ServiceError(
            "OracleUploadUnsigned",
            "give verifier, deadline and signature: the verifier's EIP-712 signature over the "
            "period and the files' SHA-256 (backend oracle upload)",
        )
    if len(files) > MAX_FILES:
        raise ServiceError("RequestInvalid", f"{len(files)} files; at most {MAX_FILES}")
    try:
        verifier = checksummed(verifier)
    except ValueError as exc:
        raise ServiceError("RequestInvalid", f"verifier: {exc}") from None
    sources = [SourceFile(name=f.filename or f"upload-{i}", content=f.file.read())
               for i, f in enumerate(files, start=1)]  # fmt: skip
    signed = SignedUpload(verifier, period, tuple(s.sha256 for s in sources), deadline, signature)
    digest = _check_upload(request, signed)
    try:
        report = ingest(sources, period=period, ctx=ctx, uploaded_by=verifier,
                        upload=(digest, signature))  # fmt: skip
    except OracleInputError as exc:
        raise ServiceError("OracleInputRefused", str(exc)) from None
    except UploadReplayed:
        raise ServiceError(
            "OracleUploadReplayed", f"the signed upload {digest} was ingested already",
            args={"digest": digest},
        ) from None  # fmt: skip
    body = report.as_dict(max_errors=MAX_ERRORS)
    body["posted"] = None
    if not report.figures:
        body["note"] = "nothing accepted"
        return JSONResponse(IngestOut(**body).model_dump(), status_code=422)
    if poster is None or poster.signer.address != verifier:
        body["note"] = (
            f"figures stored as {verifier}'s; this service holds no key of it: post them with "
            "`backend oracle post`"
        )
    else:
        posted = poster.post(period=period)
        body["posted"] = [
            PostingOut(
                unit=o.unit, credit_code=o.credit_code, pollutant=o.pollutant, kg=o.kg,
                state=o.state, tx_hash=o.tx_hash, message=o.message,
            )
            for o in posted.outcomes
        ]  # fmt: skip
        on_chain = posted.count(CONFIRMED)
        body["note"] = f"{on_chain} of {len(posted.outcomes)} figure(s) on chain"
    return IngestOut(**body)


def _check_upload(request: Request, signed: SignedUpload) -> str:
    """The signed upload's digest once signature, deadline and role hold (upload.check)."""
    chain = request.app.state.chain
    if "VerificationOracle" not in chain.deployment.contracts:
        raise ServiceError("OracleNotConfigured", "no VerificationOracle in the deployment record")
    oracle = chain.contract("VerificationOracle")
    role = oracle.functions.VERIFIER_ROLE().call()
    # an upload's signature is an off-chain authorisation: its deadline is wall-clock time
    # (a dev chain's clock may run days ahead after the demo's time jumps)
    now = time.time()
    return check_upload(
        signed,
        chain_id=chain.deployment.chain_id,
        oracle=oracle.address,
        is_verifier=lambda account: bool(oracle.functions.hasRole(role, account).call()),
        now=now,
    )


@router.get("/status/{unit}/{period}")
def status(
    unit: str,
    period: Annotated[int, Path(ge=0, le=2**32 - 1, description="compliance period id (uint32)")],
    ctx: OracleDep,
    oracle: OracleContractDep,
) -> dict[str, Any]:
    """A unit's (address or credit code) figures for a period: on chain and in this oracle."""
    try:
        return unit_status(unit, period, ctx=ctx, oracle=oracle)
    except OracleInputError as exc:
        raise ServiceError("OracleUnitUnknown", str(exc)) from None


@router.get("/evidence/{sha256}", response_class=Response)
def evidence(sha256: str, ctx: OracleDep) -> Response:
    """A stored evidence document or monitoring file, by the SHA-256 attested on chain."""
    digest = sha256.lower().removeprefix("0x")
    try:
        content = ctx.evidence.get(digest)
    except EvidenceNotFoundError:
        raise ServiceError("EvidenceNotFound", sha256) from None
    source = ctx.store.source(digest)
    if source is None:
        return Response(content, media_type="application/json")
    media = "text/csv" if source.name.lower().endswith(".csv") else "application/json"
    filename = source.name.rsplit("/", 1)[-1]
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
