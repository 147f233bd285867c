"""Helpers shared by the tests."""

from __future__ import annotations

import re

import brownie


def _render(value: object) -> str:
    """How Brownie prints a decoded argument (addresses in lower case)."""
    text = str(value)
    return text.lower() if re.fullmatch(r"0x[0-9a-fA-F]{40}", text) else text


def reverts(error: str, *args: object):
    """Expect a revert with the custom error ``error`` (and, if given, exactly these arguments).

    Brownie renders a decoded custom error as ``"Name: arg1, arg2"``.
    """
    if args:
        return brownie.reverts(f"{error}: {', '.join(_render(a) for a in args)}")
    return brownie.reverts(revert_pattern=rf"{re.escape(error)}(: .*)?")
