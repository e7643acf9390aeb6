"""The portfolio in a report: terminal table, plots and tearsheets, from the run folder's files.

``portfolio.parquet`` (one row per bar and strategy) and
``portfolio_weights.parquet`` (the weight held per bar, strategy and ticker)
are everything drawn here; equity is compounded, ``prod(1 + r)``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alphacheck.report.plots import _figure, _percent
from alphacheck.rundir import portfolio_tearsheet_file

if TYPE_CHECKING:
    from alphacheck.report.tearsheet_pool import TearsheetJob

__all__ = [
    "BENCHMARK_STYLES",
    "exposure_plot",
    "format_portfolio_table",
    "portfolio_equity_plot",
    "portfolio_tearsheet_jobs",
    "weights_heatmap",
    "write_portfolio_plots",
]

#: How the two benchmarks are drawn beside the books.
BENCHMARK_STYLES = {
    "equal_weight": {"color": "black", "linewidth": 1.2},
    "equal_weight_hold": {"color": "grey", "linestyle": "--", "linewidth": 1.0},
}
_COLUMNS = (
    ("strategy", "strategy", "{}"),
    ("total_return", "return", "{:+.1%}"),
    ("excess_return_vs_equal_weight", "vs_eq_w", "{:+.1%}"),
    ("sharpe", "sharpe", "{:.2f}"),
    ("sharpe_ci", "sharpe_95ci", "ci"),
    ("max_drawdown", "max_dd", "{:.1%}"),
    ("average_positions", "avg_pos", "{:.1f}"),
    ("average_gross_exposure", "gross", "{:.0%}"),
    ("turnover", "turnover", "{:.1f}"),
    ("max_weight", "max_w", "{:.0%}"),
    ("herfindahl", "hhi", "{:.2f}"),
    ("costs_paid", "costs", "{:.1%}"),
)


def format_portfolio_table(records: dict[str, dict[str, object]]) -> str:
    """``metrics.json``'s ``portfolio`` section as an aligned text table ("-" for undefined).

    ``vs_eq_w`` is the total return minus ``equal_weight``'s; ``gross`` the mean
    gross exposure; ``turnover`` the annualised value traded over equity;
    ``max_w`` the largest weight held; ``hhi`` the mean Herfindahl index of the
    weights (1 = one position).
    """
    rows = [[title for _, title, _ in _COLUMNS]]
    for strategy, values in records.items():
        record = {
            "strategy": strategy,
            **values,
            "sharpe_ci": (values.get("sharpe_ci_low"), values.get("sharpe_ci_high")),
        }
        rows.append([_cell(record.get(key), fmt) for key, _, fmt in _COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object, fmt: str) -> str:
    if fmt == "ci":
        low, high = value
        if any(not isinstance(v, int | float) or not math.isfinite(v) for v in (low, high)):
            return "-"
        return f"{low:.2f}..{high:.2f}"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return fmt.format(value)


def _net(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.pivot(index="date", columns="strategy", values="net_return").sort_index()


def portfolio_equity_plot(frame: pd.DataFrame, path: Path) -> Path:
    """Each book's compounded equity and drawdown, against ``equal_weight`` and ``equal_weight_hold``."""
    net = _net(frame)
    with _figure(path, 2) as (top, bottom):
        for strategy in net.columns:
            equity = (1.0 + net[strategy]).cumprod()
            style = BENCHMARK_STYLES.get(strategy, {"linewidth": 1.4})
            top.plot(net.index, equity, label=strategy, **style)
            bottom.plot(net.index, equity / np.maximum(equity.cummax(), 1.0) - 1.0, label=strategy, **style)
        top.set_title("Portfolio: equity, compounded, after costs")
        top.set_ylabel("growth of 1")
        top.legend(loc="upper left", fontsize=8)
        bottom.set_title("Portfolio: drawdown")
        bottom.yaxis.set_major_formatter(_percent())
        bottom.legend(loc="lower left", fontsize=8)
    return path


def exposure_plot(frame: pd.DataFrame, path: Path) -> Path:
    """Gross exposure and number of positions held at each close, per strategy."""
    with _figure(path, 2) as (top, bottom):
        for strategy, rows in frame.groupby("strategy", sort=False):
            style = BENCHMARK_STYLES.get(str(strategy), {"linewidth": 1.2})
            dates = pd.DatetimeIndex(rows["date"])
            top.plot(dates, rows["gross_exposure"], label=strategy, **style)
            bottom.step(dates, rows["n_positions"], where="post", label=strategy, **style)
        top.set_title("Portfolio: gross exposure at each close")
        top.yaxis.set_major_formatter(_percent())
        top.legend(loc="lower left", fontsize=8)
        bottom.set_title("Portfolio: positions held at each close")
        bottom.legend(loc="lower left", fontsize=8)
    return path


def weights_heatmap(weights: pd.DataFrame, strategy: str, path: Path, max_columns: int = 400) -> Path:
    """The weight held in each ticker over time (tickers down, dates across; red long, blue short).

    With more bars than ``max_columns``, each column is the mean weight over
    consecutive bars, so a long run still fits the picture.
    """
    mine = weights[weights["strategy"] == strategy]
    grid = mine.pivot_table(index="ticker", columns="date", values="weight", aggfunc="sum").fillna(0.0)
    grid = grid.reindex(columns=sorted(grid.columns))
    step = max(1, math.ceil(grid.shape[1] / max_columns))
    if step > 1:
        grid = (
            grid.T.groupby(np.arange(grid.shape[1]) // step).mean().T.set_axis(grid.columns[::step], axis=1)
        )
    limit = float(np.abs(grid.to_numpy()).max()) if grid.size else 1.0
    height = min(max(2.0, 0.25 * len(grid) + 1.2), 12.0)
    with _figure(path, 1, height) as (ax,):
        dates = pd.DatetimeIndex(grid.columns)
        image = ax.imshow(
            grid.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
        )
        ticks = np.linspace(0, len(dates) - 1, min(8, len(dates))).astype(int) if len(dates) else []
        ax.set_xticks(ticks, [dates[i].strftime("%Y-%m-%d") for i in ticks], fontsize=8)
        if len(grid) <= 40:
            ax.set_yticks(np.arange(len(grid)), list(grid.index), fontsize=8)
        ax.grid(False)
        ax.set_title(f"Portfolio {strategy}: weight held in each ticker")
        ax.figure.colorbar(image, ax=ax, format=_percent())
    return path


def write_portfolio_plots(
    frame: pd.DataFrame, weights: pd.DataFrame, variants: list[str], folder: Path
) -> dict[str, Path]:
    """Every portfolio plot of a run: title -> PNG path."""
    written = {
        "Portfolio equity and drawdown": portfolio_equity_plot(frame, folder / "portfolio_equity.png"),
        "Portfolio exposure and positions": exposure_plot(frame, folder / "portfolio_exposure.png"),
    }
    for variant in variants:
        path = folder / f"portfolio_weights-{variant}.png"
        written[f"Portfolio weights: {variant}"] = weights_heatmap(weights, variant, path)
    return written


def portfolio_tearsheet_jobs(
    frame: pd.DataFrame, variants: list[str], run_dir: Path, title: str
) -> list[TearsheetJob]:
    """One quantstats tearsheet per book in the run folder, against ``equal_weight`` on the same bars."""
    from alphacheck.report.tearsheet_pool import TearsheetJob

    net = _net(frame)
    return [
        TearsheetJob(
            label=f"the portfolio tearsheet of {variant}",
            strategy=net[variant],
            benchmark=net["equal_weight"],
            path=portfolio_tearsheet_file(run_dir, variant),
            title=f"{title}: portfolio of {variant}",
            strategy_name=f"{variant} portfolio",
            benchmark_name="equal weight",
        )
        for variant in variants
    ]
