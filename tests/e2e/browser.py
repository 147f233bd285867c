"""The browser of the end-to-end tests: Debian's Chromium, driven by Playwright.

    python -m tests.e2e.browser ensure     (what `make test` runs first)

Playwright's own browser download does not work here; it drives ``/usr/bin/chromium``.
``ensure`` installs Debian's ``chromium`` and a CJK font with apt-get when missing (as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path(os.environ.get("DRR_CHROMIUM", "/usr/bin/chromium"))
PACKAGES = ("chromium", "fonts-wqy-microhei")  # the font draws the Chinese pages
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def _font_installed() -> bool:
    return Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists()


def ensure() -> Path:
    if CHROMIUM.exists() and _font_installed():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(
            f"{CHROMIUM} not found: install Debian's packages: sudo apt-get install -y "
            + " ".join(PACKAGES)
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("installing Debian's chromium for the browser tests (apt-get)…", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
        check=True,
        env=env,
    )
    return CHROMIUM


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        raise SystemExit("usage: python -m tests.e2e.browser ensure")
    print(ensure())
