"""The city's policy changes as authority operations (docs/registry.md "Policy"): proposed inside
``council-propose`` (only the council's time lock holds ``PolicyBook.TIMELOCK_ROLE``), each with
the time it takes effect (0: on execution). Figures and switches by name, as in the profiles."""

from __future__ import annotations

from pydantic import Field

from backend.chain.policy import Figure, Switch
from backend.services.fields import Uint64
from backend.services.operations import Catalogue, OperationBody

FIGURE_NAMES = "|".join(f.name.lower() for f in Figure if f != Figure.SWITCHES)
SWITCH_NAMES = "|".join(s.name.lower() for s in Switch)


class SchedulePolicyFigure(OperationBody):
    """A figure of the city's policy (e.g. ``green_channel_limit_kg``) becomes ``value`` at
    ``effectiveAt`` (Unix seconds, 0: on execution); until then the old value applies."""

    figure: str = Field(pattern=rf"^({FIGURE_NAMES})$")
    value: Uint64
    effective_at: Uint64 = Field(0, alias="effectiveAt")


class SchedulePolicySwitch(OperationBody):
    """A rule or instrument of the city's policy (e.g. ``leasing``) turned on or off at
    ``effectiveAt`` (0: on execution)."""

    rule: str = Field(pattern=rf"^({SWITCH_NAMES})$")
    on: bool
    effective_at: Uint64 = Field(0, alias="effectiveAt")


op = Catalogue()

op(
    name="schedule-policy-figure", concern="policy", contract="PolicyBook",
    function="schedule", body=SchedulePolicyFigure,
    summary="Change a figure of the city's policy at a stated time",
    role="regulator council (council-propose)", rules=("R-21", "R-22", "R-35"),
    args=lambda b, c: [int(Figure[b.figure.upper()]), b.value, b.effective_at],
)  # fmt: skip

op(
    name="schedule-policy-switch", concern="policy", contract="PolicyBook",
    function="scheduleSwitch", body=SchedulePolicySwitch,
    summary="Turn a rule of the city's policy on or off at a stated time",
    role="regulator council (council-propose)",
    rules=("R-15", "R-18", "R-19", "R-20", "R-21", "R-26", "R-35", "R-38", "R-39"),
    args=lambda b, c: [int(Switch[b.rule.upper()]), b.on, b.effective_at],
)  # fmt: skip
