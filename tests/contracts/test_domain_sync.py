"""The service's mirror of the contracts' vocabulary stays in sync with Types.sol."""

import re
from pathlib import Path

import pytest

from backend.chain import domain

INTERFACES = Path(__file__).resolve().parents[2] / "contracts" / "interfaces"
TYPES = INTERFACES / "Types.sol"
MARKET_TYPES = INTERFACES / "MarketTypes.sol"


def _solidity_enum(name: str) -> list[str]:
    source = TYPES.read_text() + MARKET_TYPES.read_text()
    body = re.search(rf"enum {name} \{{(.*?)\}}", source, re.S).group(1)
    body = re.sub(r"//[^\n]*", "", body)
    return [m.strip() for m in body.split(",") if m.strip()]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


@pytest.mark.parametrize(
    "enum",
    [
        domain.Sector,
        domain.PollutantClass,
        domain.Origin,
        domain.Op,
        domain.TradeMode,
        domain.Reason,
        domain.MarketReason,
    ],
)
def test_python_enum_matches_solidity(enum):
    members = _solidity_enum(enum.__name__)
    assert [_snake(m) for m in members] == [e.name for e in enum]


@pytest.mark.parametrize("primary", ["Merge", "Split"])
def test_lifecycle_consent_types_match_the_contract(primary):
    """R-30, R-31: the typed data the service has units sign is the struct UnitLifecycle hashes."""
    from backend.chain.consent import encode_type

    source = (INTERFACES.parent / "lifecycle" / "UnitLifecycle.sol").read_text()
    typehash = re.search(rf'{primary.upper()}_TYPEHASH = keccak256\(\s*"([^"]+)"', source).group(1)
    assert encode_type(primary) == typehash
