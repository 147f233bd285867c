"""The verification oracle contract as the service reads and calls it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from eth_abi import decode
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunctions

from backend.chain.client import Chain
from backend.chain.typed_data import Domain, domain_of

CONTRACT_NAME = "VerificationOracle"
STATUS = ("none", "open", "disputable", "final")


@dataclass(frozen=True)
class ChainAttestation:
    verifier: str
    posted_at: int
    superseded: bool
    kg: int
    evidence: str  # hex, no 0x


@dataclass(frozen=True)
class ChainFigure:
    status: str
    kg: int
    quorum: int
    leading_votes: int
    verifiers: int
    dispute_window: int
    agreed_at: int
    final_at: int
    corrected: bool


@dataclass(frozen=True)
class ChainCorrection:
    regulator: str
    corrected_at: int
    had_agreement: bool
    previous_kg: int
    kg: int
    evidence: str
    reason: str


def _hex(value: bytes) -> str:
    return bytes(value).hex()


class OracleContract:
    """Views and calls of ``VerificationOracle`` through web3 (ABI from the deployment record)."""

    def __init__(self, chain: Chain, name: str = CONTRACT_NAME) -> None:
        self.chain = chain
        self.contract: Contract = chain.contract(name)
        self._errors = {
            keccak(text=f"{e['name']}({','.join(i['type'] for i in e['inputs'])})")[:4]: e
            for e in self.contract.abi
            if e.get("type") == "error"
        }

    @property
    def w3(self) -> Web3:
        return self.chain.w3

    @cached_property
    def domain(self) -> Domain:
        return domain_of(self.contract)

    def _fn(self) -> ContractFunctions:
        return self.contract.functions

    def attestation_of(
        self, unit: str, pollutant: int, period: int, verifier: str
    ) -> ChainAttestation | None:
        exists, record = self._fn().attestationOf(unit, pollutant, period, verifier).call()
        if not exists:
            return None
        return ChainAttestation(record[0], record[1], record[2], record[3], _hex(record[4]))

    def attestations(self, unit: str, pollutant: int, period: int) -> list[ChainAttestation]:
        return [
            ChainAttestation(r[0], r[1], r[2], r[3], _hex(r[4]))
            for r in self._fn().attestations(unit, pollutant, period).call()
        ]

    def figure(self, unit: str, pollutant: int, period: int) -> ChainFigure:
        f = self._fn().figure(unit, pollutant, period).call()
        return ChainFigure(STATUS[f[0]], *f[1:])

    def correction_of(self, unit: str, pollutant: int, period: int) -> ChainCorrection | None:
        exists, c = self._fn().correctionOf(unit, pollutant, period).call()
        return ChainCorrection(c[0], c[1], c[2], c[3], c[4], _hex(c[5]), c[6]) if exists else None

    def unit_figures(
        self, unit: str, period: int, pollutants: list[int]
    ) -> dict[int, tuple[ChainFigure, list[ChainAttestation], ChainCorrection | None]]:
        """Figure, attestations and correction of each pollutant of a unit and period, read in
        one JSON-RPC batch (one round trip, however many pollutants; ``backend/chain/reads.py``).
        Only pollutants somebody attested are returned."""
        from backend.chain.reads import Reads

        reads = Reads(self.w3)
        f = self._fn()
        asked = {
            p: (reads.call(f.figure(unit, p, period)), reads.call(f.attestations(unit, p, period)),
                reads.call(f.correctionOf(unit, p, period)))
            for p in pollutants
        }  # fmt: skip
        reads.send()
        out = {}
        for p, (figure, attestations, correction) in asked.items():
            fig = figure.value()
            if STATUS[fig[0]] == "none":
                continue
            exists, c = correction.value()
            out[p] = (
                ChainFigure(STATUS[fig[0]], *fig[1:]),
                [ChainAttestation(to_checksum_address(r[0]), r[1], r[2], r[3], _hex(r[4]))
                 for r in attestations.value()],
                ChainCorrection(to_checksum_address(c[0]), c[1], c[2], c[3], c[4], _hex(c[5]),
                                c[6]) if exists else None,
            )  # fmt: skip
        return out

    def nonce_used(self, verifier: str, nonce: int) -> bool:
        return self._fn().nonceUsed(verifier, nonce).call()

    def has_role(self, role: str, account: str) -> bool:
        return self._fn().hasRole(getattr(self._fn(), role)().call(), account).call()

    def decode_error(self, data: str | bytes | None) -> str:
        """A custom error's name and arguments, e.g. ``OracleFigureFinal(0xab…, 1, 3, 17672…)``."""
        raw = HexBytes(data or b"")
        entry = self._errors.get(bytes(raw[:4]))
        if entry is None:
            return f"reverted ({raw.to_0x_hex() if raw else 'no reason'})"
        values = decode([i["type"] for i in entry["inputs"]], bytes(raw[4:]))
        shown = ["0x" + v.hex() if isinstance(v, bytes) else str(v) for v in values]
        return f"{entry['name']}({', '.join(shown)})"
