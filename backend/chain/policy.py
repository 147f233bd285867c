"""City policy profiles (``policy/<id>.json``): the figures and switches a city's plan sets, each
with the seed section it comes from, as the deploy loads them into the ``PolicyBook``.

Figures and switches are ``Figure`` and ``Switch`` of ``contracts/interfaces/IPolicyBook.sol``,
mirrored in :mod:`backend.chain.domain`. docs/registry.md "Policy" describes the format.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from backend.chain.domain import Figure, Switch

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
DEFAULT_POLICY = "shijiazhuang-2023"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(_Strict):
    zh: str
    en: str


class Plan(Named):
    seeds: list[str]


class SwitchEntry(_Strict):
    on: bool
    rule: str
    source: str


class FigureEntry(_Strict):
    value: int | bool
    unit: str
    rule: str
    source: str
    enforced_by: str | None = None


class Profile(_Strict):
    """One city's policy; every switch and on-chain figure must be present (no default)."""

    id: str
    city: Named
    plan: Plan
    switches: dict[str, SwitchEntry]
    figures: dict[str, FigureEntry]
    process: dict[str, FigureEntry]
    fixed: dict[str, FigureEntry]

    def model_post_init(self, _context: object) -> None:
        want_switches = {s.name.lower() for s in Switch}
        want_figures = {f.name.lower() for f in Figure if f != Figure.SWITCHES}
        if set(self.switches) != want_switches:
            raise ValueError(f"switches must be exactly {sorted(want_switches)}")
        if set(self.figures) != want_figures:
            raise ValueError(f"figures must be exactly {sorted(want_figures)}")
        for name, entry in self.figures.items():
            if isinstance(entry.value, bool) or not 0 <= entry.value < 2**64:
                raise ValueError(f"figure {name} must be a whole number in uint64")

    @property
    def switch_word(self) -> int:
        return sum(1 << s for s in Switch if self.switches[s.name.lower()].on)

    def is_on(self, rule: Switch) -> bool:
        return self.switches[rule.name.lower()].on

    def figures_on_chain(self) -> list[int]:
        """The PolicyBook constructor's ``figures_``: index = Figure, [0] the switch word."""
        return [self.switch_word] + [
            int(self.figures[f.name.lower()].value) for f in Figure if f != Figure.SWITCHES
        ]


def available() -> list[str]:
    return sorted(p.stem for p in POLICY_DIR.glob("*.json"))


def load(name: str = DEFAULT_POLICY) -> Profile:
    """The profile ``policy/<name>.json`` (or a path to a profile file), validated."""
    path = Path(name) if name.endswith(".json") else POLICY_DIR / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"no policy profile {name!r}; available: {', '.join(available())}")
    return Profile.model_validate(json.loads(path.read_text(encoding="utf-8")))
