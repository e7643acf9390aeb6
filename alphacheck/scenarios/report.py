"""The ``report`` block of a scenario: which quantstats tearsheets a run draws, and where.

A tearsheet costs seconds of matplotlib work each (about 3 s of CPU on the
development machine), so a run over many variants and tickers spends most of
its time on them. ``tearsheets`` chooses which strategies get one:

- ``all`` (default): each variant on each ticker, and each portfolio book;
- ``variants``: each variant on each ticker, not the books;
- ``none``: no tearsheet (the plots, ``summary.md`` and ``index.html`` are still written).

``workers`` is how many processes draw them, the run's own included; unset,
as many as the machine has free cores (its cores less the load other processes
put on them). With 1 the run draws them itself, one after another; with more,
worker processes draw them while the run draws its plots. The files are the
same either way.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alphacheck.scenarios.frozen import FrozenModel

__all__ = ["ReportConfig"]


class ReportConfig(FrozenModel):
    """What the report draws beyond the tables and plots."""

    tearsheets: Literal["all", "variants", "none"] = "all"
    workers: int | None = Field(None, ge=1)
