"""The portfolio's stress windows and shocks, through the same machinery as the per-ticker ones.

A window trades the books on the predictions that qualify for it
(:func:`~alphacheck.stress.windows.qualifying_predictions`), and again on
every walk-forward prediction inside it (``whole_window_*`` keys): the books
open on the first of those dates and close after the last. A cost shock
trades the run's predictions at the shocked costs; a price shock trades the
fold models' predictions of their shocked paths on the spliced path, reading
the trailing volatility each fold saw
(:func:`~alphacheck.stress.shocked.shocked_predictions`). ``equal_weight`` and
``equal_weight_hold`` are traded over the same bars in each case.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from alphacheck.backtest.portfolio import PORTFOLIO_BENCHMARKS, backtest_portfolio, portfolio_costs
from alphacheck.scenarios.schema import Scenario
from alphacheck.scenarios.stress import CostShock
from alphacheck.stress.shocked import metric_changes, shocked_predictions
from alphacheck.stress.windows import (
    WHOLE_WINDOW,
    fold_test_starts,
    qualifying_predictions,
    window_predictions,
)

if TYPE_CHECKING:
    from alphacheck.walkforward import WalkForwardResult

__all__ = [
    "PORTFOLIO_STRESS_METRICS",
    "portfolio_shocks",
    "portfolio_windows",
    "score_books",
]

log = logging.getLogger(__name__)

#: The figures a portfolio stress record keeps.
PORTFOLIO_STRESS_METRICS = (
    "total_return",
    "sharpe",
    "max_drawdown",
    "n_trades",
    "costs_paid",
    "turnover",
    "average_positions",
    "n_bars",
)


def score_books(
    rows: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    scenario: Scenario,
    fees_bps: float | None = None,
    slippage_bps: float | None = None,
    volatility: Mapping[str, pd.Series] | None = None,
) -> dict[str, dict[str, object]]:
    """Every book and benchmark traded on ``rows``: ``{strategy: record}``.

    A record holds :data:`PORTFOLIO_STRESS_METRICS`, the first and last
    decision dates, and for the variants the excess total return over
    ``equal_weight``.
    """
    books = backtest_portfolio(
        rows, prices, scenario.backtest, scenario.portfolio, fees_bps, slippage_bps, volatility=volatility
    )
    dates = pd.DatetimeIndex(sorted(pd.to_datetime(rows["date"].unique())))
    span = {"first_date": str(dates[0].date()), "last_date": str(dates[-1].date())}
    records = {
        name: {**span, **{key: scores[key] for key in PORTFOLIO_STRESS_METRICS}}
        for name, scores in books.scores.items()
    }
    benchmark = records["equal_weight"]["total_return"]
    for name in rows["variant"].unique():
        records[str(name)]["excess_return_vs_equal_weight"] = records[str(name)]["total_return"] - benchmark
    return records


def portfolio_windows(
    scenario: Scenario, prices: dict[str, pd.DataFrame], walk: WalkForwardResult
) -> dict[str, Any]:
    """``{window: {strategy: record}}``: the books over each stress window, both ways.

    The plain keys trade the predictions of the folds trained before the
    window; the :data:`~alphacheck.stress.windows.WHOLE_WINDOW` keys every
    walk-forward prediction inside it, as the per-ticker records do.
    """
    folds = fold_test_starts(walk.folds)
    names = [*dict.fromkeys(str(v) for v in walk.predictions["variant"]), *PORTFOLIO_BENCHMARKS]
    out: dict[str, Any] = {}
    for window in scenario.stress.windows:
        declared = {"window_start": str(window.start), "window_end": str(window.end)}
        before = _window_books(
            qualifying_predictions(walk.predictions, folds, window), prices, scenario, names
        )
        whole = _window_books(window_predictions(walk.predictions, window), prices, scenario, names)
        out[window.name] = {
            name: {**declared, **before[name], **{WHOLE_WINDOW + k: v for k, v in whole[name].items()}}
            for name in names
        }
        log.info("portfolio stress window %s scored", window.name)
    return out


def _window_books(rows, prices, scenario, names) -> dict[str, dict[str, object]]:
    """The books over ``rows`` with the folds used; ``n_bars`` 0 and a note without rows."""
    if rows.empty:
        # The per-ticker records say why (and warn); the books have nothing to trade.
        return {name: {"n_bars": 0, "note": "no prediction to trade"} for name in names}
    used = ",".join(str(f) for f in sorted(rows["fold"].unique()))
    return {name: {**record, "folds": used} for name, record in score_books(rows, prices, scenario).items()}


def portfolio_shocks(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    datasets: dict[str, pd.DataFrame],
    walk: WalkForwardResult,
) -> dict[str, Any]:
    """``{shock: {strategy: record}}`` with each figure's change from the unshocked books."""
    base = score_books(walk.predictions, prices, scenario)
    fees, slippage, _ = portfolio_costs(scenario.backtest, scenario.portfolio)
    out: dict[str, Any] = {}
    for shock in scenario.stress.shocks:
        if isinstance(shock, CostShock):
            records = score_books(
                walk.predictions,
                prices,
                scenario,
                fees * shock.cost_multiplier,
                slippage * shock.cost_multiplier + shock.extra_slippage_bps,
            )
        else:
            run = shocked_predictions(scenario, prices, datasets, walk.fold_models, shock)
            records = score_books(run.predictions, run.trade_prices, scenario, volatility=run.volatility)
        out[shock.name] = {
            name: {**record, **metric_changes(record, base[name])} for name, record in records.items()
        }
        log.info("portfolio shock %s scored", shock.name)
    return out

