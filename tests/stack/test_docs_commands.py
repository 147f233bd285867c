"""Every command docs/api.md tells a newcomer to type, run as written against ``make run``'s stack.

The ``sh`` blocks of the worked examples run in order in one bash session, from an empty folder
(the files they write land there, the CLI's wallets in a home of the test's own), with
``http://127.0.0.1:8700`` pointing at the stack under test. A command followed by a comment
``# Error: <name> (<status>)…`` must fail with that error; every other command must succeed.
``make run`` is the stack itself; ``sleep N`` (waiting for the regulator council's delay) moves
the local chain's clock N seconds instead of waiting; ``Sign this? [y/N]`` is answered ``y``
(standard input is otherwise empty).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.stack.stack import ROOT

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
EXPECTED_ERROR = re.compile(r"^# Error: (\w+ \(\d{3}\))")
DOC_URL = "http://127.0.0.1:8700"

PREAMBLE = """\
set -eo pipefail
sleep() { python -m tests.stack.chain_clock "$CHAIN_RPC" "$1"; }
backend() {  # `Sign this? [y/N]` answered y
  if [[ " $* " == *" sign "* ]]; then command backend "$@" <<< y; else command backend "$@"; fi
}
expect_error() {  # expect_error '<name> (<status>)' <<'CMD' … CMD: the command must fail so
  local want="$1" cmd out
  cmd=$(cat)
  if out=$(eval "$cmd" 2>&1); then echo "expected $want from: $cmd"; echo "$out"; return 1; fi
  grep -qF "$want" <<<"$out" || { echo "expected $want, got:"; echo "$out"; return 1; }
}
"""


def sh_blocks(doc: Path) -> list[str]:
    return [body for lang, body in FENCE.findall(doc.read_text(encoding="utf-8")) if lang == "sh"]


def _open_quote(text: str) -> bool:
    """Whether ``text`` leaves a double-quoted string open (single quotes are balanced in the
    docs' commands; ``\\"`` is escaped)."""
    return len(re.findall(r'(?<!\\)"', text)) % 2 == 1


def script_of(blocks: list[str], url: str) -> str:
    """One bash script of the blocks (see the module docstring)."""
    out: list[str] = [PREAMBLE]
    command: list[str] = []  # the lines of the last complete command, until the next one starts
    pending: list[str] = []  # lines of a command still being continued
    for block in blocks:
        for line in block.replace(DOC_URL, url).splitlines():
            if line.strip() == "make run":
                out.append("# make run: the stack under test is running")
                continue
            error = EXPECTED_ERROR.match(line.strip())
            if error and command and not pending:
                del out[len(out) - len(command) :]
                out += [f"expect_error '{error.group(1)}' <<'CMD'", *command, "CMD"]
                command = []
                continue
            pending.append(line)
            joined = "\n".join(pending)
            if line.endswith("\\") or _open_quote(joined):
                continue
            out += pending
            if line.strip() and not line.lstrip().startswith("#"):
                command = pending
            pending = []
    return "\n".join(out) + "\n"


def test_every_command_of_the_api_walkthroughs_runs_as_written(stack, tmp_path):
    stack.start()
    work = tmp_path / "work"
    (work / "home").mkdir(parents=True)
    script = work / "walkthrough.sh"
    script.write_text(script_of(sh_blocks(ROOT / "docs" / "api.md"), stack.url))
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(work / "home"),
        "PYTHONPATH": str(ROOT),
        "CHAIN_RPC": stack.rpc_url,
        "LANG": "C.UTF-8",
    }
    result = subprocess.run(
        ["bash", "-x", str(script)], cwd=work, env=env, stdin=subprocess.DEVNULL, text=True,
        capture_output=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert (work / "home" / ".drr" / "wallets").is_dir()  # the walkthrough's wallets
