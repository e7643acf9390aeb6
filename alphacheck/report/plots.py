"""PNG plots of a run (matplotlib, imported inside each function).

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no GUI
backend) inside an rc context that names a font every matplotlib ships, so a
machine without Arial (which quantstats asks for) prints no "findfont" lines.
Equity is compounded: ``prod(1 + r)``, never a sum of returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "COINCIDE_TOLERANCE",
    "break_even_cost",
    "coinciding",
    "cost_sensitivity_plot",
    "draw_lines",
    "drawdown_plot",
    "equity_plot",
    "fold_accuracy_plot",
    "reliability_plot",
    "stress_plot",
]

_RC = {"font.family": "DejaVu Sans", "axes.grid": True, "grid.alpha": 0.3, "figure.dpi": 100}
_COST_KEYS = ("costs_bps", "cost_bps", "cost_bps_per_side", "costs_bps_per_side", "bps")


@contextmanager
def _figure(path: Path, n_rows: int = 1, height: float = 3.2) -> Iterator[list]:
    import logging

    import matplotlib
    from matplotlib.figure import Figure

    font_logger = logging.getLogger("matplotlib.font_manager")
    level = font_logger.level
    font_logger.setLevel(logging.ERROR)
    try:
        with matplotlib.rc_context(_RC):
            figure = Figure(figsize=(10, height * n_rows), layout="constrained")
            axes = list(np.atleast_1d(figure.subplots(n_rows, 1, squeeze=False)[:, 0]))
            yield axes
            path.parent.mkdir(parents=True, exist_ok=True)
            figure.savefig(path, format="png")
    finally:
        font_logger.setLevel(level)  # the caller's logging, as it was


def equity_plot(returns: dict[tuple[str, str], pd.Series], tickers: list[str], path: Path) -> Path:
    """Compounded equity (start = 1) of every strategy, one panel per ticker.

    Each baseline has its own style, drawn under the variants; a series that
    another hides (within :data:`COINCIDE_TOLERANCE` of it everywhere, as
    ``always_long`` under buy-and-hold) says so in the legend.
    """
    with _figure(path, len(tickers)) as axes:
        for ax, ticker in zip(axes, tickers):
            curves = {s: (1.0 + r).cumprod() for (name, s), r in returns.items() if name == ticker}
            draw_lines(ax, curves)
            ax.set_title(f"{ticker}: equity, compounded, after costs")
            ax.set_ylabel("growth of 1")
            ax.legend(loc="upper left", fontsize=8)
    return path


def drawdown_plot(returns: dict[tuple[str, str], pd.Series], tickers: list[str], path: Path) -> Path:
    """Drawdown from the running peak of compounded equity, one panel per ticker (as :func:`equity_plot`)."""
    with _figure(path, len(tickers)) as axes:
        for ax, ticker in zip(axes, tickers):
            curves = {}
            for (name, strategy), series in returns.items():
                if name == ticker:
                    equity = (1.0 + series).cumprod()
                    curves[strategy] = equity / np.maximum(equity.cummax(), 1.0) - 1.0
            draw_lines(ax, curves)
            ax.set_title(f"{ticker}: drawdown")
            ax.yaxis.set_major_formatter(_percent())
            ax.legend(loc="lower left", fontsize=8)
    return path


#: Two curves closer than this everywhere (growth of 1, or drawdown) are said to coincide.
COINCIDE_TOLERANCE = 0.01


def coinciding(curves: dict[str, pd.Series], tolerance: float = COINCIDE_TOLERANCE) -> dict[str, str]:
    """``{hidden: the curve drawn with it}``: each curve within ``tolerance`` of an earlier one everywhere.

    Curves are compared on their common dates, in the order given (drawing order).
    """
    names = list(curves)
    hidden: dict[str, str] = {}
    for i, later in enumerate(names):
        for earlier in names[:i]:
            a, b = curves[earlier].align(curves[later], join="inner")
            gap = float(np.nanmax(np.abs(a.to_numpy() - b.to_numpy()))) if len(a) else float("inf")
            if earlier not in hidden and gap <= tolerance:
                hidden[later] = earlier
                break
    return hidden


def draw_lines(ax, curves: dict[str, pd.Series]) -> list:
    """Draw the baselines first (under the variants), each in its own style; return the lines.

    A curve that coincides with one drawn before it (:func:`coinciding`) says so in its label.
    """
    baselines = [name for name in _BASELINE_STYLES if name in curves]
    ordered = {name: curves[name] for name in [*baselines, *(n for n in curves if n not in baselines)]}
    hidden = coinciding(ordered)
    lines = []
    for name, series in ordered.items():
        label = name
        if name in hidden:
            label = f"{name} (coincides with {hidden[name]}, within {COINCIDE_TOLERANCE:g})"
        lines += ax.plot(series.index, series.to_numpy(), label=label, **_style(name))
    return lines


def fold_accuracy_plot(folds: pd.DataFrame, path: Path) -> Path:
    """Accuracy per fold at the middle of its test dates, with its 95% interval.

    Folds marked ``stub`` (a few days: an interval too wide to read beside
    the others) are left out, and the title says so.
    """
    stubs = folds[folds["stub"]] if "stub" in folds.columns else folds.iloc[:0]
    shown = folds.drop(index=stubs.index)
    with _figure(path) as (ax,):
        for (variant, ticker), group in shown.groupby(["variant", "ticker"], sort=False):
            middle = group["test_start"] + (group["test_end"] - group["test_start"]) / 2
            # Never negative: bounds computed elsewhere may round a hair past the accuracy.
            below, above = group["accuracy"] - group["ci_low"], group["ci_high"] - group["accuracy"]
            error = np.clip([below, above], 0, None)
            ax.errorbar(middle, group["accuracy"], yerr=error, fmt="o-", capsize=3, label=f"{variant} {ticker}")
        ax.axhline(0.5, color="grey", linestyle=":", label="coin flip")
        title = "Out-of-sample accuracy per fold (Wilson 95% interval)"
        if len(stubs):
            days = ", ".join(sorted({str(n) for n in stubs["n"]}))
            title += f"; stub folds left out ({days} days)"
        ax.set_title(title)
        ax.yaxis.set_major_formatter(_percent())
        ax.legend(loc="best", fontsize=8)
    return path


def break_even_cost(costs_bps: np.ndarray, total_return: np.ndarray) -> float:
    """Cost per side (bps) where a net metric (Sharpe, total return) crosses zero, by linear interpolation.

    ``nan`` when the curve does not cross zero over the costs given.
    """
    order = np.argsort(costs_bps)
    x = np.asarray(costs_bps, dtype="float64")[order]
    y = np.asarray(total_return, dtype="float64")[order]
    for i in range(len(x) - 1):
        if y[i] == 0:
            return float(x[i])
        if y[i] * y[i + 1] < 0:
            return float(x[i] + (x[i + 1] - x[i]) * y[i] / (y[i] - y[i + 1]))
    return float(x[-1]) if len(x) and y[-1] == 0 else float("nan")


def cost_sensitivity_plot(sweep: pd.DataFrame, path: Path) -> Path | None:
    """Net Sharpe (else total return) against cost per side, zero crossing marked; ``None`` without the columns."""
    cost = next((c for c in _COST_KEYS if c in sweep.columns), None)
    metric = next((c for c in ("sharpe", "total_return") if c in sweep.columns), None)
    if cost is None or metric is None:
        return None
    keys = [c for c in ("ticker", "strategy", "variant") if c in sweep.columns]
    groups = sweep.groupby(keys, sort=False) if keys else [((), sweep)]
    with _figure(path) as (ax,):
        for name, group in groups:
            x = pd.to_numeric(group[cost]).to_numpy(dtype="float64")
            y = pd.to_numeric(group[metric]).to_numpy(dtype="float64")
            order = np.argsort(x)
            label = " ".join(str(n) for n in (name if isinstance(name, tuple) else (name,)))
            line = ax.plot(x[order], y[order], "o-", label=label)[0]
            even = break_even_cost(x, y)
            if math.isfinite(even):
                ax.axvline(even, color=line.get_color(), linestyle="--", alpha=0.7)
                ax.annotate(f"break-even {even:.1f} bps", (even, 0), textcoords="offset points",
                            xytext=(4, 6), fontsize=8, color=line.get_color())
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set_title(f"Cost sensitivity: net {metric.replace('_', ' ')} against cost per side")
        ax.set_xlabel("fees + slippage per side (bps)")
        if metric == "total_return":
            ax.yaxis.set_major_formatter(_percent())
        ax.legend(loc="best", fontsize=8)
    return path


def stress_plot(stress: pd.DataFrame, path: Path, metric: str = "total_return") -> Path | None:
    """Each stress window's ``metric`` per strategy, side by side; ``None`` without the columns.

    With the whole-window walk-forward figures (``whole_window_<metric>``), a
    second panel shows them under the first (models trained before the window).
    """
    if stress.empty or "window" not in stress.columns or metric not in stress.columns:
        return None
    label_keys = [c for c in ("strategy", "ticker") if c in stress.columns]
    windows = list(dict.fromkeys(stress["window"]))
    series = list(stress.groupby(label_keys, sort=False)) if label_keys else [("all", stress)]
    width = 0.8 / max(len(series), 1)
    panels = [(metric, "models trained before the window")]
    if f"whole_window_{metric}" in stress.columns:
        panels.append((f"whole_window_{metric}", "whole window, every walk-forward prediction"))
    with _figure(path, len(panels)) as axes:
        for ax, (column, basis) in zip(axes, panels):
            for i, (name, group) in enumerate(series):
                values = pd.to_numeric(group.set_index("window")[column].reindex(windows), errors="coerce")
                label = " ".join(str(n) for n in (name if isinstance(name, tuple) else (name,)))
                ax.bar(np.arange(len(windows)) + i * width, values.to_numpy(dtype="float64"), width, label=label)
            ax.set_xticks(np.arange(len(windows)) + width * (len(series) - 1) / 2, windows, fontsize=8)
            ax.axhline(0.0, color="grey", linewidth=0.8)
            ax.set_title(f"Stress windows: {metric.replace('_', ' ')}, {basis}")
            if metric in ("total_return", "max_drawdown"):
                ax.yaxis.set_major_formatter(_percent())
            ax.legend(loc="best", fontsize=8)
    return path


def reliability_plot(bins: dict[str, dict[str, list]], variant: str, path: Path) -> Path | None:
    """Realised up rate against predicted P(up), per bin, with Wilson 95% intervals and counts.

    ``bins`` is one variant's entry of
    :func:`alphacheck.backtest.reliability.reliability_section`: the calibrated
    ``proba`` (annotated with each bin's count) and, when present, the model's
    own ``proba_raw``. ``None`` when there is nothing to plot.
    """
    shown = {k: v for k, v in bins.items() if v.get("n")}
    if not shown:
        return None
    styles = {"proba": ("o-", "calibrated P(up)"), "proba_raw": ("s--", "model's own sigmoid (proba_raw)")}
    with _figure(path, height=4.5) as (ax,):
        values = []
        for column, table in shown.items():
            x, y = np.asarray(table["mean_proba"]), np.asarray(table["up_rate"])
            error = [y - np.asarray(table["up_rate_ci_low"]), np.asarray(table["up_rate_ci_high"]) - y]
            fmt, label = styles.get(column, ("o-", column))
            alpha = 0.9 if column == "proba" else 0.6
            ax.errorbar(x, y, yerr=error, fmt=fmt, capsize=3, label=label, alpha=alpha)
            values += [*x, *table["up_rate_ci_low"], *table["up_rate_ci_high"]]
            if column == "proba":
                for xi, yi, n in zip(x, y, table["n"]):
                    ax.annotate(f"n={n}", (xi, yi), textcoords="offset points", xytext=(4, -10), fontsize=7)
        low, high = max(0.0, min(values) - 0.02), min(1.0, max(values) + 0.02)
        ax.plot([low, high], [low, high], color="grey", linestyle=":", label="perfect calibration")
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_title(f"{variant}: reliability of P(up), equal-count bins (Wilson 95% interval)")
        ax.set_xlabel("mean predicted P(up) in the bin")
        ax.set_ylabel("realised up rate")
        ax.legend(loc="upper left", fontsize=8)
    return path


#: Baselines in drawing order (first: underneath), each in a style no variant uses.
_BASELINE_STYLES = {
    "buy_and_hold": {"color": "black", "linewidth": 3.0, "alpha": 0.35, "zorder": 1},
    "always_long": {"color": "tab:orange", "linestyle": "--", "linewidth": 1.3, "zorder": 2},
    "random": {"color": "grey", "linestyle": ":", "linewidth": 1.2, "zorder": 2},
}


def _style(strategy: str) -> dict[str, object]:
    return dict(_BASELINE_STYLES.get(strategy, {"linewidth": 1.4, "zorder": 3}))


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0)
