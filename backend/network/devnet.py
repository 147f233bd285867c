"""The local validator network's keys and genesis. DEVELOPMENT ONLY: every key here is derived
from the public test mnemonic and must never hold anything of value.

The authorities run the validators (SPEC §1: regulators and the exchange run the chain's
validator nodes): the city regulator, the exchange and the district regulator seal blocks; a
second district regulator's node is a validator candidate the others can vote in. Each
validator's *node key* (the Clique signer that seals blocks) is separate from the authority's
*account key* that holds its roles in the contracts (``backend/chain/devkeys.py``): a node key
lives on the node's disk and signs blocks only; the role key signs the authority's transactions
and votes requests in its wallet. docs/operations.md describes their custody in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_account import Account
from eth_account.hdaccount import seed_from_mnemonic
from eth_account.hdaccount.deterministic import HDPath, derive_child_key, hmac_sha512
from eth_account.signers.local import LocalAccount
from eth_keys import keys

from backend.chain.devkeys import (
    DEV_AUTHORITIES,
    DEV_MNEMONIC,
    DEV_NETWORK_CHAIN_ID,
    FIRST_COMPANY_INDEX,
)

Account.enable_unaudited_hdwallet_features()

BLOCK_PERIOD_SECONDS = 1
GAS_LIMIT = 30_000_000
EPOCH = 30_000  # Clique: blocks between checkpoints that reset pending votes
PREFUNDED_ACCOUNTS = 40  # dev mnemonic accounts 0…39: authorities, relayer, 30 demo companies
PREFUND_WEI = 10**24

# validators of the genesis, in this order; then the candidate
GENESIS_VALIDATORS = ("city_regulator", "exchange_operator", "district_regulator")
CANDIDATES = ("district_regulator_2",)


@dataclass(frozen=True)
class DevNodeKey:
    """A validator node's dev keys: its Clique signer and its p2p node key."""

    authority: str
    index: int
    signer_address: str
    signer_private_key: str
    node_private_key: str

    @property
    def enode_id(self) -> str:
        """The node's public key as used in ``enode://<id>@host:port``."""
        key = keys.PrivateKey(bytes.fromhex(self.node_private_key.removeprefix("0x")))
        return key.public_key.to_hex().removeprefix("0x")


@lru_cache
def _dev_seed() -> bytes:
    return seed_from_mnemonic(DEV_MNEMONIC, "")


@lru_cache
def _hd_node(path: str) -> tuple[bytes, bytes]:
    """BIP-32 (key, chain code) at ``path``, each parent derived once."""
    if path == "m":
        master = hmac_sha512(b"Bitcoin seed", _dev_seed())
        return master[:32], master[32:]
    parent, _, last = path.rpartition("/")
    key, chain_code = _hd_node(parent)
    return derive_child_key(key, chain_code, HDPath(f"m/{last}")._path[0])


@lru_cache
def dev_account(path: str) -> LocalAccount:
    """The dev mnemonic's key at ``path`` (seed and parents derived once: far faster than
    ``Account.from_mnemonic`` per key, which the genesis's 70 accounts would feel)."""
    return Account.from_key(_hd_node(path)[0])


@lru_cache
def dev_node_key(authority: str, index: int) -> DevNodeKey:
    """Node keys at ``m/44'/60'/7'/0/index`` (signer) and ``m/44'/60'/8'/0/index`` (p2p) of the
    dev mnemonic: a branch of its own, never an account the demo uses."""
    signer = dev_account(f"m/44'/60'/7'/0/{index}")
    node = dev_account(f"m/44'/60'/8'/0/{index}")
    return DevNodeKey(
        authority=authority,
        index=index,
        signer_address=signer.address,
        signer_private_key=signer.key.hex(),
        node_private_key=node.key.hex(),
    )


def dev_validator_keys() -> list[DevNodeKey]:
    """The genesis validators' and the candidates' dev node keys, in a fixed order."""
    return [dev_node_key(name, i) for i, name in enumerate(GENESIS_VALIDATORS + CANDIDATES)]


def prefunded_addresses() -> list[str]:
    """Dev accounts funded in the genesis (the authorities, the relayer, the demo companies,
    the regulator council and the provincial authority)."""
    count = max(PREFUNDED_ACCOUNTS, FIRST_COMPANY_INDEX + 10)
    indices = sorted(set(range(count)) | set(DEV_AUTHORITIES.values()))
    return [dev_account(f"m/44'/60'/0'/0/{i}").address for i in indices]


def clique_extra_data(signers: list[str]) -> str:
    """Clique's genesis ``extraData``: 32 vanity bytes, the sorted signers, 65 zero bytes."""
    ordered = sorted(bytes.fromhex(a.removeprefix("0x")) for a in signers)
    return "0x" + "00" * 32 + "".join(a.hex() for a in ordered) + "00" * 65


def clique_genesis(
    validators: list[str],
    funded: list[str],
    *,
    chain_id: int = DEV_NETWORK_CHAIN_ID,
    period: int = BLOCK_PERIOD_SECONDS,
) -> dict:
    """A geth Clique genesis: every fork up to London at block 0 (EIP-1559 base fee active),
    no Shanghai/Cancun (Clique cannot seal them; contracts are compiled for paris, whose opcodes
    London runs unchanged), no terminal difficulty (the chain never merges)."""
    forks = [
        "homestead",
        "eip150",
        "eip155",
        "eip158",
        "byzantium",
        "constantinople",
        "petersburg",
        "istanbul",
        "muirGlacier",
        "berlin",
        "london",
        "arrowGlacier",
        "grayGlacier",
    ]
    config: dict = {"chainId": chain_id, **{f"{fork}Block": 0 for fork in forks}}
    config["clique"] = {"period": period, "epoch": EPOCH}
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": "0x0",
        "extraData": clique_extra_data(validators),
        "gasLimit": hex(GAS_LIMIT),
        "difficulty": "0x1",
        "alloc": {a.removeprefix("0x").lower(): {"balance": hex(PREFUND_WEI)} for a in funded},
    }
