"""The service's own call encoding (backend/chain/abi.py) gives the bytes web3 gives: every
function of every compiled contract, with arguments of each ABI type (tuples, arrays, hex
strings for bytes), is encoded by both and compared; a refused argument is refused by both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hexbytes import HexBytes
from web3 import Web3

from backend.chain.abi import FunctionCall, coder, encode_call

BUILD = Path(__file__).resolve().parents[2] / "build" / "contracts"
ADDRESS = Web3.to_checksum_address("0x" + "5a" * 20)


def _value(param: dict, hex_bytes: bool):
    kind = param["type"]
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        size = kind[kind.rindex("[") + 1 : -1]
        return [_value(inner, hex_bytes) for _ in range(int(size) if size else 2)]
    if kind == "tuple":
        return tuple(_value(c, hex_bytes) for c in param["components"])
    if kind == "address":
        return ADDRESS
    if kind == "bool":
        return True
    if kind == "string":
        return "化学需氧量 COD"
    if kind.startswith("uint"):
        return 2 ** int(kind[4:] or 256) - 3
    if kind.startswith("int"):
        return -(2 ** (int(kind[3:] or 256) - 1)) + 5
    raw = bytes(range(37)) if kind == "bytes" else bytes(range(1, int(kind[5:]) + 1))
    return "0x" + raw.hex() if hex_bytes else raw


def _functions():
    for path in sorted(BUILD.glob("*.json")):
        abi = json.loads(path.read_text()).get("abi") or []
        for entry in abi:
            if entry.get("type") == "function" and entry.get("inputs"):
                yield path.stem, abi, entry


def test_every_function_encodes_as_web3_does():
    w3 = Web3()
    compared = 0
    for name, abi, entry in _functions():
        contract = w3.eth.contract(address=ADDRESS, abi=abi)
        nargs = len(entry["inputs"])
        if coder(contract, entry["name"], nargs) is None:  # an overload of the same length
            continue
        for hex_bytes in (False, True):
            args = [_value(p, hex_bytes) for p in entry["inputs"]]
            expected = bytes(HexBytes(contract.encode_abi(entry["name"], args=args)))
            assert encode_call(contract, entry["name"], args) == expected, (name, entry["name"])
            call = FunctionCall(contract, entry["name"], args)
            assert call._encode_transaction_data() == "0x" + expected.hex()
            compared += 1
    assert compared > 300  # the product's contracts, not an empty build


def test_an_argument_web3_refuses_is_refused():
    w3 = Web3()
    _name, abi, entry = next(
        f for f in _functions() if f[0] == "PledgeBook" and f[2]["name"] == "pledgeBySig"
    )
    contract = w3.eth.contract(address=ADDRESS, abi=abi)
    args = [_value(p, False) for p in entry["inputs"]]
    args[0] = ADDRESS.lower().replace("5a", "5A", 1)  # a mixed-case address, checksum wrong
    with pytest.raises(Exception):  # noqa: B017 - web3 and eth-abi name it differently
        contract.encode_abi("pledgeBySig", args=args)
    with pytest.raises(Exception):  # noqa: B017
        encode_call(contract, "pledgeBySig", args)
    args = [_value(p, False) for p in entry["inputs"]]
    args[2] = 2**32  # pollutant is uint32
    with pytest.raises(Exception):  # noqa: B017
        encode_call(contract, "pledgeBySig", args)
