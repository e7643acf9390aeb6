"""The ``stress`` block of a scenario: historical windows and synthetic shocks.

A window is a named date range of real history; its result uses only the
predictions of models whose training labels were all known before the window
started. A shock changes the prices (or the costs) of every fold's test period;
the already-trained fold models predict again from features recomputed on the
shocked prices. Shocks are chosen by ``kind``:

- ``costs``: fees and slippage multiplied, plus extra slippage per side;
- ``volatility``: close-to-close returns of the test period scaled;
- ``crash``: a drop of ``drop_pct`` spread over ``days`` bars, on a date or
  ``offset_days`` into every fold's test period;
- ``gaps``: overnight gaps of ``size_pct`` at the open, on a seeded random
  ``probability`` of the test days.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from alphacheck.scenarios.frozen import FrozenModel

__all__ = [
    "CostShock",
    "CrashShock",
    "GapShock",
    "Shock",
    "StressConfig",
    "StressWindow",
    "VolatilityShock",
]

_NAME = r"^[A-Za-z0-9_.-]+$"


class _Frozen(FrozenModel):
    """Frozen, unknown keys refused, booleans never read as numbers."""


class StressWindow(_Frozen):
    """A named historical date range (both ends inclusive)."""

    name: str = Field(pattern=_NAME)
    start: dt.date
    end: dt.date
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> StressWindow:
        if self.start >= self.end:
            raise ValueError(f"window {self.name!r}: start {self.start} must be before end {self.end}")
        return self


class CostShock(_Frozen):
    """Costs multiplied and extra slippage per side; prices and predictions unchanged."""

    kind: Literal["costs"]
    name: str = Field(pattern=_NAME)
    cost_multiplier: float = Field(1.0, ge=0)
    extra_slippage_bps: float = Field(0.0, ge=0)


class VolatilityShock(_Frozen):
    """Every close-to-close return of the test periods multiplied by ``scale``."""

    kind: Literal["volatility"]
    name: str = Field(pattern=_NAME)
    scale: float = Field(gt=0, le=10)


class CrashShock(_Frozen):
    """A fall of ``drop_pct`` percent spread evenly (compounded) over ``days`` bars.

    With ``start`` the crash begins on the first trading day on or after that
    date (which must lie in a test period); without it, it begins
    ``offset_days`` bars into every fold's test period.
    """

    kind: Literal["crash"]
    name: str = Field(pattern=_NAME)
    drop_pct: float = Field(gt=0, lt=100)
    days: int = Field(5, ge=1)
    start: dt.date | None = None
    offset_days: int = Field(20, ge=0)


class GapShock(_Frozen):
    """Overnight gaps of ``size_pct`` percent at the open on a random share of test days."""

    kind: Literal["gaps"]
    name: str = Field(pattern=_NAME)
    size_pct: float = Field(gt=0, lt=100)
    probability: float = Field(0.05, gt=0, le=1)
    direction: Literal["down", "up", "both"] = "down"


Shock = Annotated[CostShock | VolatilityShock | CrashShock | GapShock, Field(discriminator="kind")]


class StressConfig(_Frozen):
    """Historical windows and synthetic shocks to run after the walk-forward."""

    windows: list[StressWindow] = Field(default_factory=list)
    shocks: list[Shock] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> StressConfig:
        for kind, items in (("windows", self.windows), ("shocks", self.shocks)):
            names = [item.name for item in items]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"stress {kind} names must be unique; {twice} appear more than once")
        return self
