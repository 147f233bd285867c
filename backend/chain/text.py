"""Text as the chain holds it: any byte string, shown and stored safely (issue: R-02, R-36).

A contract stores whatever bytes a transaction gave it as a ``string``: not necessarily valid
UTF-8, possibly with U+0000, of any length. The service decodes such strings with
``surrogateescape`` (nothing is lost while decoding, nothing raises) and then :func:`clean`
replaces each byte that is not UTF-8, and each U+0000, by U+FFFD (�). PostgreSQL stores neither
U+0000 nor a lone surrogate (in ``TEXT`` or ``JSONB``), and a page cannot show them; the
replacement character is what the explorer marks (``mark.replaced``) so that a reader knows the
registered bytes differ from what is shown. The index and a fresh read from the chain clean
the same way, so a check of one against the other still compares like with like.
"""

from __future__ import annotations

import re

from eth_abi.base import parse_type_str
from eth_abi.codec import ABICodec
from eth_abi.decoding import StringDecoder
from eth_abi.encoding import TextStringEncoder
from eth_abi.registry import BaseEquals
from eth_abi.registry import registry as _default_registry

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` without U+0000 and lone surrogates (undecodable bytes): each becomes U+FFFD."""
    if text.isascii() and "\x00" not in text:  # the common case, without a regex
        return text
    return _UNSAFE.sub(REPLACEMENT, text)


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None


def from_bytes(raw: bytes) -> str:
    """Bytes as the text a page shows (invalid UTF-8 and U+0000 replaced)."""
    return clean(raw.decode("utf-8", errors="surrogateescape"))


class _LenientStringDecoder(StringDecoder):
    """ABI ``string`` decoded without raising on invalid UTF-8 (bytes kept as surrogates)."""

    @parse_type_str("string")
    def from_type_str(cls, abi_type, registry):  # noqa: ANN001, ANN202, N805 - eth_abi hook
        return cls(handle_string_errors="surrogateescape")


def _lenient_registry():  # noqa: ANN202 - eth_abi's registry type
    registry = _default_registry.copy()
    registry.unregister("string")
    registry.register(BaseEquals("string"), TextStringEncoder, _LenientStringDecoder,
                      label="string")  # fmt: skip
    return registry


# decode with this where the bytes come from the chain (events, reads of stored strings)
LENIENT_CODEC = ABICodec(_lenient_registry())
