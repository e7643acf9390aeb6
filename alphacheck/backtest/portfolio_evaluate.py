"""The portfolio section of a run: books, their significance against ``equal_weight``, the cost sweep.

Each variant's book is scored like a per-ticker strategy (see
:func:`~alphacheck.backtest.portfolio.score_book`), with a stationary-bootstrap
Sharpe interval and the probabilistic (and, with several trials, deflated)
Sharpe ratio; Hansen's SPA test asks whether any variant's book beats
``equal_weight``; the cost sweep trades the same weights at each
``backtest.cost_levels_bps`` (total per side, charged as fees) and gives the
break-even cost against a zero Sharpe ratio and against ``equal_weight``'s.
Each book also gets its matched null (:mod:`alphacheck.backtest.portfolio_null`)
and the :class:`~alphacheck.backtest.evidence.StrategyRecord` its verdict is
judged from, against ``equal_weight``; the pipeline judges it with the run's
other strategies, all of them counted as trials.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphacheck.backtest.evidence import StrategyRecord
from alphacheck.backtest.metrics import sharpe_ratio, total_return
from alphacheck.backtest.portfolio import (
    PORTFOLIO_BENCHMARKS,
    PORTFOLIO_COLUMNS,
    WEIGHT_COLUMNS,
    PortfolioBacktest,
    backtest_portfolio,
    portfolio_costs,
)
from alphacheck.backtest.portfolio_null import book_null
from alphacheck.backtest.significance import break_even_cost, sharpe_bootstrap_interval, spa_test
from alphacheck.backtest.trials import count_trials, deflated_sharpe
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.schema import BacktestConfig

__all__ = ["PortfolioEvaluation", "evaluate_portfolio", "portfolio_frame", "weights_frame"]


@dataclass
class PortfolioEvaluation:
    """Metrics per book, their significance and cost sweep, and the frames written to the run folder."""

    metrics: dict[str, dict[str, object]] = field(default_factory=dict)
    significance: dict[str, object] = field(default_factory=dict)
    cost_sweep: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    weights: pd.DataFrame | None = None
    returns: dict[str, pd.Series] = field(default_factory=dict)
    matched_null: dict[str, dict[str, object]] = field(default_factory=dict)
    records: dict[str, StrategyRecord] = field(default_factory=dict)

    def sections(self) -> dict[str, object]:
        """The ``metrics.json`` sections: ``portfolio``, its significance, cost sweep and matched null."""
        return {
            "portfolio": self.metrics,
            "portfolio_significance": self.significance,
            "portfolio_cost_sweep": self.cost_sweep,
            "portfolio_matched_null": self.matched_null,
        }


def evaluate_portfolio(
    predictions: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    backtest: BacktestConfig,
    portfolio: PortfolioConfig,
    seed: int = 0,
) -> PortfolioEvaluation:
    """Backtest every variant's book and the benchmarks; score, test and sweep costs.

    Parameters
    ----------
    predictions
        Out-of-sample predictions of every ticker: date, ticker, variant, proba.
    prices
        Prices per ticker.
    backtest, portfolio
        The scenario's blocks.
    seed
        Seed of the bootstraps.

    Returns
    -------
    PortfolioEvaluation
    """
    variants = list(dict.fromkeys(predictions["variant"]))
    books = backtest_portfolio(predictions, prices, backtest, portfolio)
    sim = books.simulation
    names = [*variants, *PORTFOLIO_BENCHMARKS]
    result = PortfolioEvaluation(
        metrics={name: dict(books.scores[name]) for name in names},
        frame=portfolio_frame(books, names),
        weights=weights_frame(books, names),
        returns={name: sim.net_return[name].rename("return") for name in names},
    )
    net = sim.net_return
    benchmark = result.metrics["equal_weight"]
    for name in names:
        record = result.metrics[name]
        low, high = sharpe_bootstrap_interval(net[name].to_numpy(), backtest.bootstrap_reps, seed=seed)
        record.update(sharpe_ci_low=low, sharpe_ci_high=high)
        record["excess_return_vs_equal_weight"] = record["total_return"] - benchmark["total_return"]
    result.cost_sweep, break_even = _cost_sweep(predictions, prices, backtest, portfolio, benchmark["sharpe"])
    _judged(result, books, prices, backtest, portfolio, variants, seed)
    trials = count_trials({v: net[v].to_numpy() for v in variants}, backtest.trials or 0)
    for variant in variants:  # the pipeline deflates again over every strategy of the run
        result.metrics[variant].update(deflated_sharpe(net[variant].to_numpy(), trials))
    result.significance = {
        "trials": trials.as_dict(),
        "spa_vs_equal_weight": spa_test(
            net["equal_weight"].to_numpy(), net[variants].to_numpy(), backtest.bootstrap_reps, seed=seed
        ),
        "break_even_cost": break_even,
        "rebalance_dates": len(books.rebalance_dates),
    }
    return result


def _judged(result, books, prices, backtest, portfolio, variants, seed) -> None:
    """Each book's matched null, and the record its verdict is judged from (against ``equal_weight``)."""
    net = books.simulation.net_return
    costs = portfolio_costs(backtest, portfolio)
    stale = _stale_opens(prices, net.index, backtest.execution)
    for variant in variants:
        scores = result.metrics[variant]
        null = book_null(
            books.weights[variant], prices, backtest.execution, costs, backtest.init_cash,
            backtest.null_draws, seed, variant,
        )  # fmt: skip
        result.matched_null[variant] = null.summary(scores["sharpe"], scores["turnover"])
        sweep = result.cost_sweep[variant]
        result.records[variant] = StrategyRecord(
            returns=net[variant].to_numpy(),
            benchmark_returns=net["equal_weight"].to_numpy(),
            null_sharpes=null.sharpe,
            cost_sweep=(sweep["cost_bps_per_side"], sweep["sharpe"]),
            n_predictions=len(books.weights[variant]),
            exposure=float(scores["exposure"]),
            stale_opens=stale,
            benchmark_name="equal weight",
            cost_bps=costs[0] + costs[1],  # the book's own fees and slippage, when its block sets them
        )


def _stale_opens(prices, bars: pd.DatetimeIndex, execution: str) -> tuple[tuple[int, float], ...]:
    """Years in which some ticker's opens, where the book fills at the open, mostly copy the last close."""
    from alphacheck.data.validation import stale_open_years

    if execution != "next_open":
        return ()
    worst: dict[int, float] = {}
    for frame in prices.values():
        for year, share in stale_open_years(frame.loc[bars[0] : bars[-1]]).items():
            worst[year] = max(share, worst.get(year, 0.0))
    return tuple(sorted(worst.items()))


def _cost_sweep(predictions, prices, backtest, portfolio, benchmark_sharpe):
    """The variants' books at each cost level (one vectorbt call per level), and their break-even costs."""
    levels = list(backtest.cost_levels_bps)
    runs = [
        backtest_portfolio(
            predictions, prices, backtest, portfolio, level, 0.0, benchmarks=False, keep_weights=False
        )
        for level in levels
    ]
    sweep, break_even = {}, {}
    for variant in runs[0].simulation.net_return.columns:
        returns = [run.simulation.net_return[variant].to_numpy() for run in runs]
        sharpes = [sharpe_ratio(r) for r in returns]
        sweep[variant] = {
            "cost_bps_per_side": levels,
            "sharpe": sharpes,
            "total_return": [total_return(r) for r in returns],
        }
        break_even[variant] = {
            "zero_sharpe": break_even_cost(np.array(levels), np.array(sharpes), 0.0),
            "equal_weight_sharpe": break_even_cost(np.array(levels), np.array(sharpes), benchmark_sharpe),
        }
    return sweep, break_even


def portfolio_frame(books: PortfolioBacktest, names: list[str]) -> pd.DataFrame:
    """``portfolio.parquet``: one row per (bar, strategy), see ``PORTFOLIO_COLUMNS``.

    ``turnover`` is the value traded in the bar over the equity at its start;
    ``gross_exposure`` and ``n_positions`` are held at the bar's close.
    """
    sim = books.simulation
    parts = [
        pd.DataFrame(
            {
                "date": sim.net_return.index,
                "strategy": name,
                "gross_return": sim.gross_return[name].to_numpy(),
                "cost": sim.cost[name].to_numpy(),
                "net_return": sim.net_return[name].to_numpy(),
                "gross_exposure": sim.gross_exposure[name].to_numpy(),
                "n_positions": sim.n_positions[name].to_numpy().astype("int64"),
                "turnover": sim.traded[name].to_numpy(),
            }
        )
        for name in names
    ]
    return pd.concat(parts, ignore_index=True)[PORTFOLIO_COLUMNS]


def weights_frame(books: PortfolioBacktest, names: list[str]) -> pd.DataFrame:
    """``portfolio_weights.parquet``: the weight held at each close, one row per (bar, strategy, ticker).

    Only held positions are listed (a missing row is a weight of 0); the
    weight is the position's value over the book's equity, signed.
    """
    parts = []
    for name in names:
        held = books.simulation.weights[name].rename_axis(index="date", columns="ticker").stack()
        held = held[held != 0].rename("weight").reset_index()
        parts.append(held.assign(strategy=name))
    frame = pd.concat(parts, ignore_index=True)
    return frame[WEIGHT_COLUMNS]
