"""The interfaces' NatSpec check (docs/development.md): every external function, event and error
declared in `contracts/interfaces/*.sol` carries a `@notice`, a `@param` for each named
parameter and a `@return` for each returned value, as OpenZeppelin documents its interfaces.
Reads the solc AST of the compiled artifacts (`build/contracts/*.json`, written by
`brownie compile`); `python -m backend.toolchain.natspec` lists what is missing."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "contracts"
INTERFACES = "contracts/interfaces/"
CHECKED = {"FunctionDefinition", "EventDefinition", "ErrorDefinition"}
TAG = re.compile(r"^\s*@(\w+)(?::\w+)?\s*(\S*)", re.MULTILINE)


def _tags(text: str) -> tuple[bool, set[str], int]:
    """Whether `text` has a notice (an explicit `@notice`, or untagged text before the first tag,
    which solc reads as the notice), the names it gives `@param`, and its count of `@return`."""
    notice = bool(text.split("@", 1)[0].strip()) or "@notice" in text
    params = {name for tag, name in TAG.findall(text) if tag == "param"}
    returns = sum(1 for tag, _ in TAG.findall(text) if tag == "return")
    return notice, params, returns


def _missing(node: dict) -> list[str]:
    text = (node.get("documentation") or {}).get("text", "")
    if "@inheritdoc" in text:
        return []
    notice, params, returns = _tags(text)
    out = [] if notice else ["@notice"]
    named = [p["name"] for p in node["parameters"]["parameters"] if p["name"]]
    out += [f"@param {name}" for name in named if name not in params]
    if node["nodeType"] == "FunctionDefinition":
        wanted = len(node["returnParameters"]["parameters"])
        if returns < wanted:
            out.append(f"@return ({wanted - returns} of {wanted})")
    return out


def _artifacts(build: Path) -> Iterator[dict]:
    seen = set()
    for path in sorted(build.glob("*.json")):
        data = json.loads(path.read_text())
        source = data.get("sourcePath", "")
        if source.startswith(INTERFACES) and source not in seen:
            seen.add(source)
            yield data


def missing(build: Path = BUILD) -> list[str]:
    """`file:line Contract.member: what is missing`, one line per undocumented member."""
    found = []
    artifacts = list(_artifacts(build))
    if not artifacts:
        raise FileNotFoundError(f"no compiled interfaces in {build}: run `brownie compile`")
    for data in artifacts:
        source = data["source"].encode()  # solc's offsets count bytes
        for unit in data["ast"]["nodes"]:
            if unit["nodeType"] != "ContractDefinition":
                continue
            for node in unit["nodes"]:
                if node["nodeType"] not in CHECKED:
                    continue
                function = node["nodeType"] == "FunctionDefinition"
                if function and node.get("visibility") != "external":
                    continue
                gaps = _missing(node)
                if gaps:
                    line = source.count(b"\n", 0, int(node["src"].split(":")[0])) + 1
                    where = f"{data['sourcePath']}:{line} {unit['name']}.{node['name']}"
                    found.append(f"{where}: {', '.join(gaps)}")
    return found


def main() -> int:
    gaps = missing()
    for gap in gaps:
        print(gap)
    print(f"{len(gaps)} interface members lack NatSpec", file=sys.stderr)
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
