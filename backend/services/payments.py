"""Money in signed actions: the allowance an action draws on, and ERC-2612 permits.

A company that pays in an action (a lease's rent, a reserve release's price, R-16, R-29)
pays in the settlement token, which the action's contract draws with ``transferFrom``. The
contract may draw only what the company allowed:

- if the token supports ERC-2612 (``permit``; the exchange's settlement token does), ``prepare``
  returns a second typed data, ``Permit(owner, spender, value, nonce, deadline)``, which the
  wallet signs together with the action; ``submit`` relays the permit first, then the action;
- otherwise the company approves the contract once with an ordinary transaction
  (``POST /api/v1/payments/approve`` builds it, unsigned), and ``prepare`` refuses with
  ``PaymentNotApproved`` until it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.client import Chain
from backend.chain.errors import ServiceError
from backend.chain.typed_data import Domain, Fields, domain_of, recover_signer, typed_data
from backend.chain.wallet_formats import check_typed_data


def _fn(name: str, inputs: Fields, outputs: Fields = (), mutability: str = "view") -> dict:
    return {
        "type": "function",
        "name": name,
        "stateMutability": mutability,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": n, "type": t} for n, t in outputs],
    }


PERMIT_CALL: Fields = [
    ("owner", "address"), ("spender", "address"), ("value", "uint256"),
    ("deadline", "uint256"), ("v", "uint8"), ("r", "bytes32"), ("s", "bytes32"),
]  # fmt: skip
DOMAIN_OUTPUTS: Fields = [
    ("fields", "bytes1"), ("name", "string"), ("version", "string"), ("chainId", "uint256"),
    ("verifyingContract", "address"), ("salt", "bytes32"), ("extensions", "uint256[]"),
]  # fmt: skip

# The parts of ERC-20, ERC-2612 and ERC-5267 the service uses.
TOKEN_ABI: list[dict[str, Any]] = [
    _fn("balanceOf", [("account", "address")], [("", "uint256")]),
    _fn("allowance", [("owner", "address"), ("spender", "address")], [("", "uint256")]),
    _fn("approve", [("spender", "address"), ("value", "uint256")], [("", "bool")], "nonpayable"),
    _fn("transfer", [("to", "address"), ("value", "uint256")], [("", "bool")], "nonpayable"),
    _fn("nonces", [("owner", "address")], [("", "uint256")]),
    _fn("permit", [*PERMIT_CALL], mutability="nonpayable"),
    _fn("eip712Domain", [], [*DOMAIN_OUTPUTS]),
]

PERMIT = "Permit"
PERMIT_FIELDS: Fields = [
    ("owner", "address"),
    ("spender", "address"),
    ("value", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


def token_at(chain: Chain, address: str) -> Contract:
    return chain.w3.eth.contract(address=Web3.to_checksum_address(address), abi=TOKEN_ABI)


def token_of(chain: Chain, contract: Contract, getter: str = "money") -> Contract:
    """The settlement token a contract draws payments in (its ``money()``)."""
    return token_at(chain, getattr(contract.functions, getter)().call())


def permit_domain(token: Contract) -> Domain | None:
    """The token's EIP-712 domain if it supports ERC-2612 permits, else ``None``."""
    try:
        token.functions.nonces(token.address).call()
        return domain_of(token)
    except (ContractLogicError, Web3RPCError, ValueError):
        return None


@dataclass(frozen=True)
class PaymentPlan:
    """What an action will draw, and how the signer allows it."""

    token: str
    spender: str
    amount: int
    allowance: int
    balance: int
    permit: dict[str, Any] | None = None  # typed data to sign with the action, when needed

    def as_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "spender": self.spender,
            "amount_fen": self.amount,
            "allowance_fen": self.allowance,
            "balance_fen": self.balance,
            "permit_required": self.permit is not None,
        }


def plan_payment(
    *, chain: Chain, token: Contract, owner: str, spender: str, amount: int, deadline: int
) -> PaymentPlan:
    """Check the payer's balance and allowance; offer a permit where an allowance is missing.

    Raises ``PaymentInsufficientBalance`` or ``PaymentNotApproved`` (token without permits).
    """
    balance = int(token.functions.balanceOf(owner).call())
    allowance = int(token.functions.allowance(owner, spender).call())
    args = {"token": token.address, "owner": owner, "spender": spender, "amount": amount}
    if balance < amount:
        raise ServiceError(
            "PaymentInsufficientBalance",
            f"{owner} holds {balance} fen of the settlement token, the action pays {amount}",
            args={**args, "balance": balance},
        )
    if allowance >= amount:
        return PaymentPlan(token.address, spender, amount, allowance, balance)
    domain = permit_domain(token)
    if domain is None:
        raise ServiceError(
            "PaymentNotApproved",
            f"{owner} allows {spender} {allowance} fen, the action pays {amount}: approve it "
            "first (POST /api/v1/payments/approve builds the transaction)",
            args={**args, "allowance": allowance},
        )
    nonce = int(token.functions.nonces(owner).call())
    message = {"owner": owner, "spender": spender, "value": amount, "nonce": nonce,
               "deadline": deadline}  # fmt: skip
    permit = typed_data(domain, PERMIT, {PERMIT: PERMIT_FIELDS}, message)
    return PaymentPlan(token.address, spender, amount, allowance, balance, permit)


def permit_call(
    *, token: Contract, data: Mapping[str, Any], signature: bytes, owner: str, spender: str,
    amount: int, now: int,
) -> bytes:  # fmt: skip
    """Check a signed permit against the action it pays for; the ``permit`` call data.

    Raises ``TypedDataMismatch`` (not this token's permit, another owner or spender, too
    small), ``SignatureExpired``, ``NonceAlreadyUsed`` or ``SignerMismatch``.
    """
    domain = permit_domain(token)
    if domain is None:
        raise ServiceError("TypedDataMismatch", "the settlement token takes no permits")
    message = check_typed_data(data, PERMIT, PERMIT_FIELDS, domain, what="a permit")
    value, nonce, deadline = message["value"], message["nonce"], message["deadline"]
    if message["owner"] != owner or message["spender"] != spender or value < amount:
        raise ServiceError(
            "TypedDataMismatch",
            f"the permit must let {spender} draw at least {amount} fen from {owner}",
        )
    if deadline < now:
        raise ServiceError("SignatureExpired", f"permit deadline {deadline} passed ({now})")
    if nonce != int(token.functions.nonces(owner).call()):
        raise ServiceError("NonceAlreadyUsed", f"permit nonce {nonce} of {owner} is not the next")
    full = typed_data(domain, PERMIT, {PERMIT: PERMIT_FIELDS}, {
        "owner": owner, "spender": spender, "value": value, "nonce": nonce, "deadline": deadline,
    })  # fmt: skip
    if recover_signer(full, signature) != owner:
        raise ServiceError(
            "SignerMismatch",
            f"the permit's signature is not that of its owner {owner} over these terms",
            args={"expected": owner},
        )
    r, s, v = signature[:32], signature[32:64], signature[64]
    encoded = token.encode_abi("permit", args=[owner, spender, value, deadline, v, r, s])
    return bytes(HexBytes(encoded))


def permit_fingerprint(call: bytes) -> str:
    return "0x" + keccak(call).hex()
