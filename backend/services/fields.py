"""Field types of request bodies: the chain's values as the API takes them.

Every route and every signed action or authority operation that takes an address, a quantity,
an amount of money, an id or a text declares it with one of these types, so a value is checked
the same way wherever it enters (JSON integers only, within the contract's width; addresses in
any case, a mixed-case one with its EIP-55 checksum; texts without control characters).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from backend.chain.errors import checksum
from backend.services.registration import check_credit_code, check_text


def checksummed(value: str) -> str:
    """An address in any case, returned in its EIP-55 checksum form.

    Browser wallets (MetaMask and most EIP-1193 wallets) hand out accounts in lower case, so
    an address all in lower (or upper) case is taken as it is. A mixed-case address carries
    the EIP-55 checksum: one that does not match it has a typo and is refused (as ethers'
    ``getAddress`` does).
    """
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        raise ValueError("not an address: expected 0x followed by 40 hex digits")
    digits = value[2:]
    form = checksum(value)  # cached: the same accounts recur in every request
    if digits != digits.lower() and digits != digits.upper() and form != value:
        raise ValueError(
            f"the EIP-55 checksum of this mixed-case address is wrong (did you mean {form}?)"
        )
    return form


def uint(bits: int, description: str = "") -> Any:  # noqa: ANN401 - a type alias
    """A JSON integer (never a string, float or bool) in ``0 … 2**bits - 1``."""
    return Annotated[
        int,
        Field(strict=True, ge=0, le=2**bits - 1, description=description or f"uint{bits}"),
    ]


Address = Annotated[
    str,
    StringConstraints(strict=True),
    AfterValidator(checksummed),
    Field(
        description="address: any case; a mixed-case one must carry its EIP-55 checksum",
        examples=["0xBcd4042DE499D14e55001CcbB24a551F3b954096"],
    ),
]


Uint8 = uint(8)


Uint16 = uint(16)


Uint32 = uint(32)


Uint64 = uint(64)


Uint256 = uint(256)


Kg = uint(64, "quantity in kilograms (integer, R-01)")


Fen = uint(128, "money in fen (0.01 CNY, integer)")


Bytes32 = Annotated[str, StringConstraints(strict=True, pattern=r"^0x[0-9a-fA-F]{64}$")]


# GB 32100-2015: 18 characters of 0-9 and the capitals without I, O, S, V, Z, the last one the
# check character of the first 17 (backend/services/registration.py)
CreditCode = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
    AfterValidator(check_credit_code),
    Field(
        description="unified social credit code (统一社会信用代码), 18 characters with its "
        "GB 32100 check character",
        examples=["91500000MA5U000010"],
    ),
]
Text = Annotated[
    str,
    StringConstraints(strict=True, min_length=0, max_length=500),
    AfterValidator(check_text),
    Field(description="text"),
]
Reason = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=500),
    AfterValidator(check_text),
    Field(description="reason recorded on chain (required; no control characters)"),
]


def by_name(enum: type, what: str) -> Any:  # noqa: ANN401 - a type alias
    """An enum field given by its name (case-insensitive, ``-`` or ``_``) or its number."""
    names = {m.name.lower(): int(m) for m in enum}

    def parse(value: object) -> int:
        if isinstance(value, bool):
            raise ValueError(f"{what}: expected one of {sorted(names)}")
        if isinstance(value, int):
            if value not in names.values():
                raise ValueError(f"{what}: {value} is not one of {sorted(names.values())}")
            return value
        if isinstance(value, str):
            key = value.strip().lower().replace("-", "_")
            if key in names:
                return names[key]
        raise ValueError(f"{what}: expected one of {sorted(names)}")

    return Annotated[
        int,
        BeforeValidator(parse),
        Field(description=f"{what}: one of {', '.join(sorted(names))} (or its number)"),
    ]


PollutantRef = Annotated[
    int | str,
    Field(
        description="pollutant id (1 …) or code (COD, NH3-N, SO2, NOx, GISW, SEWAGE, GARBAGE …)",
        examples=["COD", 1],
    ),
]


def _pollutant_ref(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("pollutant: expected an id or a code")
    if isinstance(value, int):
        if not 1 <= value <= 2**32 - 1:
            raise ValueError("pollutant id must be 1 … 4294967295")
        return value
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}", value):
        return value
    raise ValueError("pollutant: expected an id (integer) or a code such as COD")


Pollutant = Annotated[PollutantRef, BeforeValidator(_pollutant_ref)]
