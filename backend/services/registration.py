"""What a register should not hold: the service's checks of a unit's name and credit code (R-02).

The contract takes any 18-byte credit code and any name; the service refuses, before anything
is signed (``register-account``, ``register-accounts``) or broadcast (``POST /api/v1/tx/raw``,
where a registration, or a council proposal carrying one, is decoded and checked the same way):

- a credit code that is not a unified social credit code of GB 32100-2015: 18 characters of
  ``0-9`` and the capitals without I, O, S, V, Z, the last one the check character computed
  from the first 17 (weights 3^i mod 31, as the standard gives them);
- a name that is empty, longer than :data:`NAME_MAX` characters, starts or ends with a space,
  or holds a control, format (e.g. U+202E, which reverses the text shown), private-use,
  unassigned, surrogate or line/paragraph-separator character, or U+FFFD.

What the chain holds anyway (a registration sent around the service) is still indexed and shown
safely: ``backend/chain/text.py``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from eth_utils import function_signature_to_4byte_selector

from backend.chain.errors import ServiceError
from backend.chain.text import LENIENT_CODEC, REPLACEMENT

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015, table 1 (31 characters)
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
NAME_MAX = 100  # characters; registered enterprise names run to about 60
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def credit_code_check(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are ``first17``."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def with_check(first17: str) -> str:
    """A complete code from its first 17 characters (demo data, tests)."""
    return first17 + credit_code_check(first17)


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None."""
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        return (
            "a unified social credit code has 18 characters of 0-9 and the capitals without "
            "I, O, S, V, Z (GB 32100-2015)"
        )
    expected = credit_code_check(code[:17])
    if code[17] != expected:
        return f"the check character is {code[17]!r}, GB 32100-2015 gives {expected!r}"
    return None


def name_problem(name: str, *, what: str = "name", longest: int = NAME_MAX) -> str | None:
    """Why ``name`` should not be registered, or None."""
    if not name.strip():
        return f"the {what} is empty"
    if len(name) > longest:
        return f"the {what} has {len(name)} characters; at most {longest}"
    if name != name.strip():
        return f"the {what} starts or ends with a space"
    for i, char in enumerate(name):
        if char == REPLACEMENT or unicodedata.category(char) in _REFUSED_CATEGORIES:
            return (
                f"the {what} holds U+{ord(char):04X} at position {i + 1}, which a register "
                "should not hold (control, format, unassigned or replacement character)"
            )
    return None


def check_credit_code(code: str) -> str:
    """A pydantic validator: the code, or a ``ValueError`` naming the problem."""
    problem = credit_code_problem(code)
    if problem:
        raise ValueError(problem)
    return code


def check_name(name: str) -> str:
    problem = name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


def check_text(text: str) -> str:
    """Free text recorded on chain (reasons, descriptions): no control or format characters."""
    problem = name_problem(text, what="text", longest=10_000) if text else None
    if problem and "empty" not in problem:
        raise ValueError(problem)
    return text


# -- raw transactions ----------------------------------------------------------------------


def _selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


REGISTER = _selector("registerAccount(address,string,string,uint8,uint16,uint16)")
REGISTER_BATCH = _selector("registerAccountBatch((address,string,string,uint8,uint16,uint16)[])")
PROPOSE = _selector("propose(address[],bytes[],string)")


def check_call(contracts: Mapping[str, Any], to: str, data: bytes, depth: int = 0) -> None:
    """Refuse a call to the account registry that registers a bad name or credit code, also
    inside a council proposal. ``contracts``: the deployment's name → record (``.address``)."""
    by_address = {c.address.lower(): name for name, c in contracts.items()}
    target = by_address.get(to.lower())
    selector, body = data[:4], data[4:]
    try:
        if target == "AccountRegistry" and selector == REGISTER:
            _, code, name, *_ = LENIENT_CODEC.decode(
                ["address", "string", "string", "uint8", "uint16", "uint16"], body
            )
            _check_registration(code, name, 0)
        elif target == "AccountRegistry" and selector == REGISTER_BATCH:
            (lines,) = LENIENT_CODEC.decode(["(address,string,string,uint8,uint16,uint16)[]"], body)
            for i, (_, code, name, *_) in enumerate(lines):
                _check_registration(code, name, i)
        elif target == "RegulatorCouncil" and selector == PROPOSE and depth == 0:
            targets, payloads, _ = LENIENT_CODEC.decode(["address[]", "bytes[]", "string"], body)
            for inner_to, inner_data in zip(targets, payloads, strict=False):
                check_call(contracts, inner_to, bytes(inner_data), depth + 1)
    except ServiceError:
        raise
    except Exception:  # calldata that does not decode: the contract refuses it itself
        return


def _check_registration(code: str, name: str, line: int) -> None:
    problem = credit_code_problem(code) if _printable(code) else "it is not valid text"
    if problem:
        raise ServiceError(
            "CreditCodeInvalid",
            f"registration {line}: credit code {code.encode('utf-8', 'replace')!r}: {problem}",
            args={"line": line},
        )
    problem = name_problem(name) if _printable(name) else "it is not valid UTF-8 text"
    if problem:
        raise ServiceError(
            "UnitNameInvalid", f"registration {line}: {problem}", args={"line": line}
        )


def _printable(text: str) -> bool:
    """Decoded without a lone surrogate (the bytes were valid UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
