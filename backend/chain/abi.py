"""ABI helpers shared by the decoders of calls, events, errors and reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def abi_type(param: Mapping[str, Any]) -> str:
    """The canonical type of an ABI parameter, with tuples spelled out (as in a selector)."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind
