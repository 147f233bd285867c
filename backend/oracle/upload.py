"""Who may feed the oracle: a verifier's signature over what it uploads (R-23).

``POST /api/v1/oracle/ingest`` takes monitoring files only with the signature of a verifier
(``VERIFIER_ROLE`` of the deployed ``VerificationOracle``) over EIP-712 typed data naming the
period, the SHA-256 of every file in the order uploaded (which binds the units, outlets and
values they hold) and a deadline::

    OracleUpload(address verifier,uint32 period,bytes32[] files,uint64 deadline)
    domain: name "DRR monitoring upload", version "1", chainId, verifyingContract = the oracle

The service keeps no verifier key for this: ``backend oracle upload`` signs with the verifier's
own keystore, any EIP-712 wallet can too. A signature is good for one upload (its digest is
stored with the run; a second use is ``409 OracleUploadReplayed``) and at most
:data:`MAX_VALIDITY` seconds. Figures are kept per uploader, so one verifier's upload never
replaces another's figure (and an anonymous one is refused outright).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils import keccak
from web3 import Web3

from backend.chain.errors import ServiceError
from backend.chain.typed_data import Domain, recover_signer, sign, typed_data

DOMAIN_NAME = "DRR monitoring upload"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "OracleUpload"
FIELDS = [("verifier", "address"), ("period", "uint32"), ("files", "bytes32[]"),
          ("deadline", "uint64")]  # fmt: skip
MAX_VALIDITY = 24 * 3600  # a signed upload is good for at most a day
MAX_FILES = 1000


@dataclass(frozen=True)
class SignedUpload:
    """What a verifier signed for one upload, and its signature (0x-hex)."""

    verifier: str
    period: int
    files: tuple[str, ...]  # SHA-256 of each file, hex without 0x, in upload order
    deadline: int
    signature: str

    def typed_data(self, chain_id: int, oracle: str) -> dict[str, Any]:
        return upload_typed_data(chain_id=chain_id, oracle=oracle, verifier=self.verifier,
                                 period=self.period, files=self.files,
                                 deadline=self.deadline)  # fmt: skip

    def digest(self, chain_id: int, oracle: str) -> str:
        signable = encode_typed_data(full_message=self.typed_data(chain_id, oracle))
        return "0x" + keccak(b"\x19\x01" + signable.header + signable.body).hex()


def upload_typed_data(
    *, chain_id: int, oracle: str, verifier: str, period: int, files: Sequence[str], deadline: int
) -> dict[str, Any]:
    """The typed data a verifier's wallet shows and signs for an upload."""
    domain = Domain(DOMAIN_NAME, DOMAIN_VERSION, chain_id, oracle)
    message = {
        "verifier": Web3.to_checksum_address(verifier),
        "period": period,
        "files": ["0x" + f for f in files],
        "deadline": deadline,
    }
    return typed_data(domain, PRIMARY_TYPE, {PRIMARY_TYPE: FIELDS}, message)


def sign_upload(
    *, private_key: str | bytes, chain_id: int, oracle: str, verifier: str, period: int,
    files: Sequence[str], deadline: int,
) -> str:  # fmt: skip
    data = upload_typed_data(chain_id=chain_id, oracle=oracle, verifier=verifier, period=period,
                             files=files, deadline=deadline)  # fmt: skip
    return "0x" + sign(data, private_key).hex()


def check(
    upload: SignedUpload, *, chain_id: int, oracle: str, is_verifier: Any,  # noqa: ANN401
    now: float | None = None,
) -> str:  # fmt: skip
    """The upload's digest once its signature, deadline and signer's role hold; else the named
    refusal. ``is_verifier(address) -> bool`` asks the chain."""
    from backend.chain.signatures import parse_signature

    now = time.time() if now is None else now
    if upload.deadline < now:
        raise ServiceError(
            "OracleUploadExpired",
            f"the upload's deadline {upload.deadline} has passed ({int(now)})",
            args={"deadline": upload.deadline, "now": int(now)},
        )
    if upload.deadline > now + MAX_VALIDITY:
        raise ServiceError(
            "DeadlineOutOfRange",
            f"an upload signature is good for at most {MAX_VALIDITY} s",
            args={"deadline": upload.deadline, "max": int(now) + MAX_VALIDITY},
        )
    signature = parse_signature(upload.signature)
    signer = recover_signer(upload.typed_data(chain_id, oracle), signature)
    if signer != Web3.to_checksum_address(upload.verifier):
        raise ServiceError(
            "OracleUploadSignatureInvalid",
            f"the upload was signed by {signer}, not by the verifier {upload.verifier} it names",
            args={"signer": signer, "verifier": upload.verifier},
        )
    if not is_verifier(signer):
        raise ServiceError(
            "OracleNotVerifier",
            f"{signer} does not hold VERIFIER_ROLE of the VerificationOracle",
            args={"account": signer},
        )
    return upload.digest(chain_id, oracle)
