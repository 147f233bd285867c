"""Every command README.md and docs/ show exists as shown: each ``make`` target in the Makefile,
each ``backend …`` subcommand and option in the CLI, each ``python -m`` module in the repository.

The commands are run elsewhere in the suite: ``make test`` is CI itself (lint, slither, compile,
the geth build); ``make run``'s stack, backup and restore by tests/stack/; ``make network`` and
``python -m backend.network status|stop|start`` by tests/network/test_make_network.py; every
command of docs/api.md's walkthroughs by tests/stack/test_docs_commands.py; the CLI's commands by
tests/backend/. The long ones (``make bench*``, ``make fuzz``, ``make api-fuzz``) are checked
here for their target and options only: docs/development.md lists what CI leaves out and why.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest

from backend import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`((?:make|backend|python -m|\.venv/bin/\w+) [^`]*|make|backend)`")
PLACEHOLDER = re.compile(r"…|<[^>]*>|\|")  # values to fill in: kept as one word "x"
OPTIONAL = re.compile(r"\[|\]")


def documented(prefix: str) -> list[tuple[str, str]]:
    """(document, command) for every command starting with ``prefix`` in the docs: lines of
    ``sh`` blocks (continuations joined, comments cut) and inline code spans."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for lang, body in FENCE.findall(text):
            if lang != "sh":
                continue
            for line in body.replace("\\\n", " ").splitlines():
                for part in re.split(r"\|\s|&&|;\s", line.split(" #")[0]):
                    command = part.strip()
                    if command.startswith(prefix):
                        found.append((doc.name, command))
        for match in INLINE.finditer(FENCE.sub("", text)):
            if match.group(1).startswith(prefix):
                found.append((doc.name, match.group(1)))
    return found


@pytest.fixture(autouse=True)
def isolation():
    """No chain here: none of Brownie's per-test snapshots (tests/conftest.py's isolation)."""


def plain(command: str) -> str:
    """The command with its placeholders as ``x`` and its optional parts' brackets dropped."""
    return OPTIONAL.sub(" ", PLACEHOLDER.sub("x", command))


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))


def make_options() -> set[str]:
    """The options GNU make itself takes (``make -n`` …), from its own ``--help``."""
    usage = subprocess.run(["make", "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"(?<![\w-])(--?[\w-]+)", usage))


MAKE = sorted(set(documented("make")))


@pytest.mark.parametrize(("doc", "command"), MAKE, ids=[f"{d}:{c}" for d, c in MAKE])
def test_every_documented_make_target_and_variable_exists(doc, command):
    makefile = (ROOT / "Makefile").read_text()
    words = [w for w in shlex.split(plain(command))[1:] if w != "x"]
    for word in words:
        if word.startswith("-"):
            assert word.split("=")[0] in make_options(), f"{doc}: {command}: make has no {word}"
        elif "=" in word:
            variable = word.split("=")[0]
            assert f"$({variable})" in makefile, f"{doc}: {command}: {variable} is not used"
        else:
            assert word in make_targets(), f"{doc}: make {word}: no such target"


def test_every_documented_make_target_expands():
    """``make -n`` (nothing runs) resolves each documented target's recipe and prerequisites."""
    targets = sorted({w for _, c in MAKE for w in shlex.split(plain(c))[1:]
                      if "=" not in w and w in make_targets()})  # fmt: skip
    assert targets
    for target in targets:
        result = subprocess.run(
            ["make", "-n", "--no-print-directory", target], cwd=ROOT, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, f"make -n {target}: {result.stderr}"


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = cli.main
    rest = list(words)
    while rest and isinstance(command, click.Group) and rest[0] in command.commands:
        command = command.commands[rest.pop(0)]
    return command, rest


BACKEND = sorted(set(documented("backend")))


@pytest.mark.parametrize(("doc", "command"), BACKEND, ids=[f"{d}:{c}" for d, c in BACKEND])
def test_every_documented_backend_command_and_option_exists(doc, command):
    words = [w for w in shlex.split(plain(command).replace("$(", "").replace(")", ""))[1:]
             if w != "x"]  # fmt: skip
    resolved, rest = _resolve(words)
    if isinstance(resolved, click.Group):  # a group named as such ("backend oracle …")
        assert all(w.startswith("-") for w in rest), f"{doc}: {command}: unknown command {rest}"
    options = {o for p in resolved.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    for word in rest:
        if word.startswith("-") and not re.fullmatch(r"-\d+", word):
            assert word.split("=")[0] in options, f"{doc}: {command}: no option {word}"


MODULES = sorted({c.split()[2] for _, c in documented("python -m")})


@pytest.mark.parametrize("module", MODULES)
def test_every_documented_python_module_exists(module):
    path = ROOT / Path(*module.split("."))
    assert path.with_suffix(".py").exists() or (path / "__main__.py").exists(), module


def _operations_block(starts: str) -> str:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    (block,) = [b for lang, b in FENCE.findall(text) if lang == "sh" and b.startswith(starts)]
    return block.replace("\\\n", " ")


def test_the_documented_geth_build_is_the_one_make_runs():
    """docs/operations.md's `go install …` is what `make geth` (backend/network/geth.py) runs."""
    from backend.network import geth

    assert f"go install -ldflags=-checklinkname=0 {geth.GETH_PACKAGE}" in _operations_block("go ")


def test_the_documented_validator_command_line_is_the_one_make_network_runs(tmp_path):
    """Every option of docs/operations.md's validator command line is one the local network's
    validators run with (backend/network/nodes.py)."""
    from backend.network.nodes import Network

    documented_flags = set(re.findall(r"(?<!\S)(--[\w.-]+)", _operations_block("geth ")))
    net = Network(tmp_path, base_port=30000, geth=Path("geth"))
    running = set(net.command("city_regulator")) | set(net.command("rpc"))
    assert documented_flags <= running, documented_flags - running
