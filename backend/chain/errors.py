"""Errors: the service's one exception root, and contract reverts decoded to names.

Every error the service reports derives from :class:`ServiceError`. It carries a stable
``name`` (a contract custom error's own name, or a service name such as ``SignerMismatch``),
the decoded ``args`` and an English ``detail``. The HTTP status and the readable zh/en texts
come from ONE table, ``backend/api/errors.py``, keyed by that name.

Contract reverts are decoded by :class:`ErrorDecoder`, built from every ABI of the deployment
record plus OpenZeppelin's standard errors and Solidity's ``Error(string)``/``Panic(uint256)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak
from eth_utils import to_checksum_address as _to_checksum_address
from hexbytes import HexBytes

from backend.chain.text import clean


class ServiceError(Exception):
    """Root of every error the service reports to a caller.

    ``name`` selects the HTTP status and the zh/en texts in ``backend/api/errors.py``;
    ``detail`` is the English specifics of this occurrence; ``extra`` is returned as is
    (e.g. ``tx_hash`` of a transaction that was sent, ``reason_code`` of a pre-check).
    """

    def __init__(
        self,
        name: str,
        detail: str = "",
        *,
        args: Mapping[str, Any] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name
        self.detail = detail
        self.error_args: dict[str, Any] = dict(args or {})
        self.extra: dict[str, Any] = extra


class ContractError(ServiceError):
    """A contract refused: a decoded revert, or a pre-check's non-zero reason code."""

    def __init__(self, decoded: DecodedError, **extra: object) -> None:
        args_text = ", ".join(f"{k}={v}" for k, v in decoded.args.items())
        detail = f"{decoded.name}({args_text})" if decoded.args else decoded.name
        if extra.get("reason_code") is not None:
            detail += f" (pre-check reason {extra['reason_code']})"
        super().__init__(
            decoded.name,
            detail,
            args=decoded.args,
            contract=decoded.contract,
            **extra,
        )
        self.decoded = decoded


class ConfigurationError(ServiceError):
    """The service is set up inconsistently (deployment record, action registry, keys)."""

    def __init__(self, detail: str) -> None:
        super().__init__("ServiceMisconfigured", detail)


# ---------------------------------------------------------------------------------------------
# Decoding revert data

# Standard errors of OpenZeppelin Contracts 5.4 that product contracts inherit or call into.
# tests/backend/test_errors.py checks each line against OpenZeppelin's own build artifacts.
OPENZEPPELIN_ERRORS: tuple[str, ...] = (
    "AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
    "AccessControlBadConfirmation()",
    "OwnableUnauthorizedAccount(address account)",
    "OwnableInvalidOwner(address owner)",
    "ECDSAInvalidSignature()",
    "ECDSAInvalidSignatureLength(uint256 length)",
    "ECDSAInvalidSignatureS(bytes32 s)",
    "InvalidAccountNonce(address account, uint256 currentNonce)",
    "EnforcedPause()",
    "ExpectedPause()",
    "ReentrancyGuardReentrantCall()",
    "SafeCastOverflowedUintDowncast(uint8 bits, uint256 value)",
    "SafeCastOverflowedIntToUint(int256 value)",
    "SafeCastOverflowedIntDowncast(uint8 bits, int256 value)",
    "SafeCastOverflowedUintToInt(uint256 value)",
    "ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
    "ERC20InvalidSender(address sender)",
    "ERC20InvalidReceiver(address receiver)",
    "ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
    "ERC20InvalidApprover(address approver)",
    "ERC20InvalidSpender(address spender)",
    "ERC1155InsufficientBalance(address sender, uint256 balance, uint256 needed, uint256 tokenId)",
    "ERC1155InvalidSender(address sender)",
    "ERC1155InvalidReceiver(address receiver)",
    "ERC1155MissingApprovalForAll(address operator, address owner)",
    "ERC1155InvalidApprover(address approver)",
    "ERC1155InvalidOperator(address operator)",
    "ERC1155InvalidArrayLength(uint256 idsLength, uint256 valuesLength)",
    "ERC2612ExpiredSignature(uint256 deadline)",
    "ERC2612InvalidSigner(address signer, address owner)",
    "SafeERC20FailedOperation(address token)",
    "SafeERC20FailedDecreaseAllowance(address spender, uint256 currentAllowance, uint256 requestedDecrease)",  # noqa: E501
    "AddressEmptyCode(address target)",
    "FailedCall()",
    "InsufficientBalance(uint256 balance, uint256 needed)",
)

# Solidity's built-in revert encodings
BUILTIN_ERRORS: tuple[str, ...] = ("Error(string reason)", "Panic(uint256 code)")

PANIC_CODES: dict[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "corrupt storage byte array",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised internal function",
}

_SIGNATURE = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$")


@dataclass(frozen=True)
class ErrorSignature:
    """One custom error: its name and ``(name, type)`` inputs, e.g. ``Foo(address who)``."""

    name: str
    inputs: tuple[tuple[str, str], ...]
    contract: str | None = None

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(t for _, t in self.inputs)})"

    @property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]

    @classmethod
    def parse(cls, text: str, contract: str | None = None) -> ErrorSignature:
        """Parse ``"Name(type a, type b)"`` (elementary types only)."""
        match = _SIGNATURE.match(text)
        if not match:
            raise ValueError(f"not an error signature: {text!r}")
        params = [p.split() for p in match.group(2).split(",") if p.strip()]
        inputs = tuple((p[1] if len(p) > 1 else f"arg{i}", p[0]) for i, p in enumerate(params))
        return cls(match.group(1), inputs, contract)

    @classmethod
    def from_abi(cls, item: Mapping[str, Any], contract: str | None = None) -> ErrorSignature:
        """From an ABI entry of ``"type": "error"`` (tuple inputs are collapsed)."""
        inputs = tuple(
            (inp.get("name") or f"arg{i}", _abi_type(inp)) for i, inp in enumerate(item["inputs"])
        )
        return cls(item["name"], inputs, contract)


def _abi_type(param: Mapping[str, Any]) -> str:
    """The canonical type of an ABI parameter, with tuples spelled out."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@dataclass(frozen=True)
class DecodedError:
    """Revert data decoded to an error name and named, JSON-ready arguments."""

    name: str
    args: dict[str, Any]
    selector: str
    data: str
    contract: str | None = None


class ErrorDecoder:
    """Selector → error table for every contract the service talks to."""

    def __init__(self, signatures: Iterable[ErrorSignature]) -> None:
        self._by_selector: dict[bytes, ErrorSignature] = {}
        for sig in signatures:
            self._by_selector.setdefault(sig.selector, sig)

    @classmethod
    def from_abis(cls, abis: Mapping[str, Iterable[Mapping[str, Any]]]) -> ErrorDecoder:
        """Errors of the given ``contract name → ABI`` plus the standard ones."""
        sigs = [
            ErrorSignature.from_abi(item, name)
            for name, abi in abis.items()
            for item in abi
            if item.get("type") == "error"
        ]
        sigs += [ErrorSignature.parse(s) for s in (*OPENZEPPELIN_ERRORS, *BUILTIN_ERRORS)]
        return cls(sigs)

    def __contains__(self, name: str) -> bool:
        return any(sig.name == name for sig in self._by_selector.values())

    def names(self) -> set[str]:
        return {sig.name for sig in self._by_selector.values()}

    def decode(self, data: bytes | str | None) -> DecodedError:
        """Decode revert data; unknown or empty data gives ``UnknownContractError``."""
        raw = bytes(HexBytes(data)) if data else b""
        hex_data = "0x" + raw.hex()
        if len(raw) < 4:
            return DecodedError("UnknownContractError", {}, "", hex_data)
        sig = self._by_selector.get(raw[:4])
        if sig is None:
            return DecodedError(
                "UnknownContractError",
                {"selector": "0x" + raw[:4].hex()},
                "0x" + raw[:4].hex(),
                hex_data,
            )
        try:
            values = abi_decode([t for _, t in sig.inputs], raw[4:])
        except (DecodingError, ValueError, OverflowError):
            return DecodedError(
                "UnknownContractError",
                {"selector": "0x" + raw[:4].hex()},
                "0x" + raw[:4].hex(),
                hex_data,
            )
        args = {name: jsonable(v) for (name, _), v in zip(sig.inputs, values, strict=True)}
        if sig.name == "Panic":
            args["meaning"] = PANIC_CODES.get(args["code"], "unknown panic code")
        return DecodedError(sig.name, args, "0x" + raw[:4].hex(), hex_data, sig.contract)


def revert_data(exc: BaseException) -> str | None:
    """The revert data carried by a web3 exception (``eth_call``/``eth_estimateGas``), if any."""
    data: Any = getattr(exc, "data", None)
    if data is None and exc.args and isinstance(exc.args[0], dict):
        data = exc.args[0].get("data")  # a JSON-RPC error object (some middlewares)
    if data is None:
        response = getattr(exc, "rpc_response", None) or {}
        data = (response.get("error") or {}).get("data") if isinstance(response, dict) else None
    if isinstance(data, dict):
        data = data.get("data") or data.get("result")
    if isinstance(data, str):
        data = data.removeprefix("Reverted ")
        if re.fullmatch(r"0x[0-9a-fA-F]*", data):
            return data
    return None


@lru_cache(maxsize=65536)
def checksum(address: str) -> str:
    """EIP-55 form of an address (cached: the same accounts recur in every event)."""
    return _to_checksum_address(address)


def jsonable(value: object) -> Any:  # noqa: ANN401 - JSON is any shape
    """A decoded ABI value as JSON: bytes as 0x-hex, addresses checksummed, tuples as lists,
    text without U+0000 and undecodable bytes (``backend/chain/text.py``)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        if re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            return checksum(value)
        return clean(value)
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
