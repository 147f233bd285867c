"""The compiler the project provides when no native solc is installed (backend/toolchain)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from backend.toolchain import solc

ROOT = Path(__file__).resolve().parents[2]
OZ = ROOT / "node_modules" / "@openzeppelin" / "contracts"
VERSION = solc.configured_version()


@pytest.fixture(scope="module")
def launcher(tmp_path_factory) -> Path:
    compiler = solc.prepare(tmp_path_factory.mktemp("solc"), prefer_native=False)
    assert compiler.kind == "solcjs"
    return compiler.executable


def standard_json(source: str, selection: list[str] | None = None) -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": {"Probe.sol": {"content": source}},
            "settings": {
                "evmVersion": "paris",
                "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
                "outputSelection": {"*": {"*": selection or ["abi", "evm.bytecode.object"]}},
            },
        }
    )


def run(launcher: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(launcher), *args], input=stdin, capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_version_line_is_what_py_solc_x_parses(launcher):
    out = run(launcher, "--version").stdout
    assert f"Version: {VERSION}+commit." in out
    assert solc.reported_version(launcher) == VERSION


def test_compiles_openzeppelin_import_through_remapping(launcher):
    source = (
        'pragma solidity ^0.8.20; import "@openzeppelin/contracts/access/AccessControl.sol";'
        " contract Probe is AccessControl {}"
    )
    result = run(
        launcher, "--standard-json", "--allow-paths", ".,/tmp", stdin=standard_json(source)
    )
    assert result.returncode == 0
    output = json.loads(result.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert output["contracts"]["Probe.sol"]["Probe"]["evm"]["bytecode"]["object"]


def test_output_larger_than_a_pipe_buffer_arrives_whole(launcher):
    source = (
        'pragma solidity ^0.8.20; import "@openzeppelin/contracts/token/ERC20/ERC20.sol";'
        ' contract Probe is ERC20 { constructor() ERC20("a", "b") {} }'
    )
    result = run(launcher, "--standard-json", stdin=standard_json(source, ["*"]))
    assert len(result.stdout) > 131_072
    assert json.loads(result.stdout)["contracts"]["Probe.sol"]["Probe"]["abi"]
    assert "SMT" not in result.stdout.splitlines()[0]


def test_resolves_imports_given_as_absolute_paths(launcher):
    target = OZ / "utils" / "Context.sol"
    source = f'pragma solidity ^0.8.20; import "{target}"; contract Probe is Context {{}}'
    output = json.loads(run(launcher, "--standard-json", stdin=standard_json(source)).stdout)
    assert "Probe" in output["contracts"]["Probe.sol"]


def test_missing_import_is_reported_as_a_compiler_error(launcher):
    source = 'pragma solidity ^0.8.20; import "./Nowhere.sol"; contract Probe {}'
    output = json.loads(run(launcher, "--standard-json", stdin=standard_json(source)).stdout)
    assert any("Nowhere.sol" in e["message"] for e in output["errors"])


def test_unsupported_option_exits_2(launcher):
    result = run(launcher, "--bin", "Probe.sol")
    assert result.returncode == 2
    assert "--bin" in result.stderr


def _fake_native(folder: Path, version: str) -> Path:
    """A stand-in for a native solc binary: answers --version like solc does."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "solc"
    exe.write_text(f"#!/bin/sh\necho 'Version: {version}+commit.00000000.Linux.g++'\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


def test_prefers_a_native_solc_of_the_pinned_version(tmp_path):
    native = _fake_native(tmp_path / "bin", VERSION)
    search = f"{native.parent}{os.pathsep}{os.environ['PATH']}"
    compiler = solc.prepare(tmp_path / "out", search_path=search)
    assert compiler.kind == "native"
    assert compiler.executable.resolve() == native.resolve()


def test_ignores_a_native_solc_of_another_version(tmp_path):
    native = _fake_native(tmp_path / "bin", "0.8.19")
    search = f"{native.parent}{os.pathsep}{os.environ['PATH']}"
    compiler = solc.prepare(tmp_path / "out", search_path=search)
    assert compiler.kind == "solcjs"
    assert solc.is_shim(compiler.executable)


def test_clear_error_without_native_solc_or_solcjs(tmp_path):
    with pytest.raises(solc.ToolchainError, match="npm ci"):
        solc.prepare(tmp_path / "out", prefer_native=False, solc_module=tmp_path / "missing")


def test_rerun_replaces_the_previous_compiler(tmp_path):
    first = solc.prepare(tmp_path, prefer_native=False)
    second = solc.prepare(tmp_path, prefer_native=False)
    assert first.executable == second.executable
    assert [p.name for p in tmp_path.iterdir()] == [f"solc-v{VERSION}"]


def test_combined_json_for_static_analysers(launcher, tmp_path):
    """The legacy --combined-json interface (crytic-compile / Slither) with remappings and
    absolute file paths."""
    source = tmp_path / "Probe.sol"
    source.write_text(
        'pragma solidity ^0.8.20; import "@openzeppelin/contracts/access/AccessControl.sol";'
        " contract Probe is AccessControl {"
        " function f() external pure returns (uint) { return 1; } }"
    )
    result = run(
        launcher,
        f"@openzeppelin/={ROOT}/node_modules/@openzeppelin/",
        str(source),
        "--combined-json",
        "abi,ast,bin,bin-runtime,srcmap,srcmap-runtime,userdoc,devdoc,hashes",
        "--allow-paths",
        ".",
        "--optimize",
        "--evm-version",
        "paris",
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    probe = output["contracts"][f"{source}:Probe"]
    assert probe["hashes"]["f()"] == "26121ff0"
    assert probe["bin-runtime"] and probe["srcmap-runtime"]
    assert str(source) in output["sourceList"]
    assert output["sources"][str(source)]["AST"]["nodeType"] == "SourceUnit"


def test_combined_json_reports_compile_errors_on_stderr(launcher, tmp_path):
    source = tmp_path / "Broken.sol"
    source.write_text("pragma solidity ^0.8.20; contract Broken { function }")
    result = run(launcher, str(source), "--combined-json", "abi")
    assert result.returncode == 1
    assert "ParserError" in result.stderr
