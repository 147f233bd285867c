"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp data folder.

    python -m tests.backend.pgserver ensure     (the Makefile: install the binaries if missing)

Finds ``initdb``/``pg_ctl``/``postgres`` on ``PATH`` or in ``/usr/lib/postgresql/<v>/bin``.
When they are missing and the process runs as root on Debian (CI), installs Debian's
``postgresql`` package with apt-get, non-interactively. PostgreSQL refuses to run as root,
so as root the server runs as the unprivileged user ``nobody`` (``runuser``), with its data
folder (and socket) in a fresh temp folder owned by that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

UNPRIVILEGED_USER = "nobody"
SERVER_USER = "postgres"  # the database superuser initdb creates


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL binaries are missing and cannot be installed here."""


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, if any."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if all((folder / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def ensure_installed() -> Path:
    """The PostgreSQL bin folder, installing Debian's package first if needed (root only)."""
    found = find_bin_dir()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise PostgresUnavailableError(
            "PostgreSQL server binaries not found; install Debian's package: "
            "sudo apt-get install -y postgresql"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("installing Debian's postgresql package (apt-get)…", file=sys.stderr, flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
        check=True,
        env=env,
    )
    found = find_bin_dir()
    if not found:
        raise PostgresUnavailableError("apt-get installed postgresql, but initdb is still missing")
    return found


class PgServer:
    """One PostgreSQL server on ``127.0.0.1:port`` with a temp data folder."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = ensure_installed()
        self.root = Path(tempfile.mkdtemp(prefix="drr-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", UNPRIVILEGED_USER, "--", *cmd]
        return subprocess.run(
            cmd, cwd=self.root, check=True, capture_output=True, text=True, timeout=120
        )

    def start(self) -> PgServer:
        stop_stale(self.port, self.bin)
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise PostgresUnavailableError(
                    f"port {self.port} is in use; choose another: make test PG_TEST_PORT=<port>"
                )
        if self._as_root:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o700)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SERVER_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        try:
            self._run(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            )
        except subprocess.CalledProcessError as exc:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            detail = f"PostgreSQL did not start:\n{exc.stderr}\n{log}"
            raise PostgresUnavailableError(detail) from exc
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh empty database; returns its URL."""
        name = f"drr_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def stop_stale(port: int, bin_dir: Path) -> None:
    """Stop a server an interrupted earlier test run left on ``port`` (only ours: its data
    folder is one of these temp folders), and remove its folder."""
    for pid_file in Path(tempfile.gettempdir()).glob("drr-pg-*/data/postmaster.pid"):
        lines = pid_file.read_text(errors="replace").splitlines()
        if len(lines) < 4 or lines[3].strip() != str(port):
            continue
        folder = pid_file.parent.parent
        cmd = [str(bin_dir / "pg_ctl"), "-D", str(pid_file.parent), "-m", "immediate", "stop"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", UNPRIVILEGED_USER, "--", *cmd]
        subprocess.run(cmd, cwd=folder, capture_output=True, timeout=60, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["ensure"]:
        try:
            print(f"PostgreSQL binaries: {ensure_installed()}")
        except (PostgresUnavailableError, subprocess.CalledProcessError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m tests.backend.pgserver ensure", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
