"""The service signs and recovers with libsecp256k1 (coincurve), not eth-keys' pure Python."""

from eth_keys import KeyAPI
from eth_keys.backends import CoinCurveECCBackend


def test_eth_keys_uses_coincurve():
    """Pure-Python ECDSA costs ~30 ms per signature or recovery, inside the relayer's nonce
    lock: it capped relayed throughput (docs/benchmarks.md)."""
    assert isinstance(KeyAPI().backend, CoinCurveECCBackend)
