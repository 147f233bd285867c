"""The discharge rights registry's service, explorer, indexer, oracle and tools.

Every Keccak-256 of the process (addresses' checksums, ABI selectors, EIP-712 digests, event
topics) goes through ``eth_hash``'s shared hasher. Its automatic choice is pycryptodome, whose
per-call set-up costs ≈ 12 µs for a 64-byte input; pysha3's C function takes ≈ 2 µs. A signed
order hashes a few hundred times on its way through the service (docs/benchmarks.md), so the
hasher is pysha3's whenever it is installed (it is locked with the project: pyproject.toml).
"""

from eth_hash.auto import keccak as _keccak

try:
    from eth_hash.backends.pysha3 import backend as _pysha3
except ImportError:  # pragma: no cover - the automatic choice stays
    _pysha3 = None

if _pysha3 is not None:
    _keccak.hasher = _pysha3.keccak256
    _keccak.preimage = _pysha3.preimage
