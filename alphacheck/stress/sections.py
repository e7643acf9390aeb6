"""The stress sections of a run's ``metrics.json``: windows and shocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from alphacheck.scenarios.schema import Scenario

if TYPE_CHECKING:
    from alphacheck.walkforward import WalkForwardResult

__all__ = ["stress_sections"]


def stress_sections(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    datasets: dict[str, pd.DataFrame],
    walk: WalkForwardResult,
    on_progress: Callable[[str], None] | None = None,
    shocks: bool = True,
) -> dict[str, Any]:
    """``{"stress": {window: ...}, "shocks": {shock: ...}}`` for the windows and shocks declared.

    With a ``portfolio`` block, also ``portfolio_stress`` and ``portfolio_shocks``
    (see :mod:`alphacheck.stress.portfolio`).

    Parameters
    ----------
    scenario
        The run's configuration.
    prices, datasets
        Per ticker, the prices and the dataset the run trained on (``None``: nothing was trained).
    walk
        The walk-forward result: predictions, fold records and fold models.
    on_progress
        Receives one line per stage.
    shocks
        Run the shocks; ``False`` without fold models (predictions read from a
        file): the shocks predict again on shocked prices, which needs the models.

    Returns
    -------
    dict
        Only the sections the scenario declares (none: an empty dict).
    """
    from alphacheck.stress.shocked import run_shocks
    from alphacheck.stress.windows import fold_test_starts, stress_windows

    say = on_progress or (lambda message: None)
    sections: dict[str, Any] = {}
    if scenario.stress.windows:
        say(f"stress windows: {', '.join(w.name for w in scenario.stress.windows)}")
        sections["stress"] = stress_windows(
            walk.predictions,
            fold_test_starts(walk.folds),
            prices,
            scenario.backtest,
            scenario.stress.windows,
        )
    if scenario.stress.shocks and not shocks:
        names = ", ".join(s.name for s in scenario.stress.shocks)
        say(f"shocks skipped ({names}): they need the fold models")
    elif scenario.stress.shocks:
        say(f"shocks: {', '.join(s.name for s in scenario.stress.shocks)} (fold models predict again)")
        sections["shocks"] = run_shocks(scenario, prices, datasets, walk.predictions, walk.fold_models)
    if scenario.portfolio is not None:
        from alphacheck.stress.portfolio import portfolio_shocks, portfolio_windows

        if scenario.stress.windows:
            say("stress windows of the portfolio")
            sections["portfolio_stress"] = portfolio_windows(scenario, prices, walk)
        if scenario.stress.shocks and shocks:
            say("shocks of the portfolio")
            sections["portfolio_shocks"] = portfolio_shocks(scenario, prices, datasets, walk)
    return sections
