"""Compare the variants of a finished run: read its folder, test A against B, write the results back."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from alphacheck.backtest.metrics import PERIODS_PER_YEAR, sharpe_ratio, trading_metrics
from alphacheck.compare.blend import blended_metrics
from alphacheck.compare.paired import (
    diebold_mariano,
    log_loss_per_row,
    mcnemar,
    min_track_record_length,
    model_confidence_set,
    sharpe_difference_interval,
)
from alphacheck.exceptions import ConfigError, did_you_mean
from alphacheck.rundir import comparison_file, json_safe, read_run
from alphacheck.tracking.base import flatten

__all__ = ["Comparison", "compare_run", "format_comparison", "write_comparison"]


@dataclass
class Comparison:
    """The figures of one A/B comparison, per ticker, and where they were written."""

    scenario: str
    variant_a: str
    variant_b: str
    split: tuple[float, float]
    tickers: dict[str, dict[str, Any]]
    confidence_set: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, undefined figures as ``None``."""
        return json_safe(
            {
                "scenario": self.scenario,
                "variant_a": self.variant_a,
                "variant_b": self.variant_b,
                "split": {self.variant_a: self.split[0], self.variant_b: self.split[1]},
                "periods_per_year": PERIODS_PER_YEAR,
                "tickers": self.tickers,
                "model_confidence_set": self.confidence_set,
            }
        )

    def flat_metrics(self) -> dict[str, float]:
        """Numeric figures as ``ticker.name`` keys, for experiment tracking."""
        flat = {}
        for ticker, figures in self.tickers.items():
            for key, value in flatten(figures).items():
                if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                    flat[f"{_clean(ticker)}.{key}"] = float(value)
        return flat


def compare_run(
    run_dir: Path,
    variants: tuple[str, str] | None = None,
    split: tuple[float, float] = (0.7, 0.3),
    reps: int | None = None,
    seed: int | None = None,
) -> Comparison:
    """Compare two variants of a run on the same out-of-sample dates.

    Parameters
    ----------
    run_dir
        A run folder (read with :func:`alphacheck.rundir.read_run`).
    variants
        ``(A, B)``; by default the first two variants of the run. A is the
        incumbent (the larger share of a split), B the challenger.
    split
        Capital shares of A and B for the blended strategy.
    reps, seed
        Bootstrap repetitions and seed; the run's ``backtest.bootstrap_reps`` and seed by default.

    Raises
    ------
    ConfigError
        When the folder lacks the run's files, for an unknown variant, or a
        run with fewer than two variants.
    """
    run = read_run(Path(run_dir))
    predictions, returns = run.predictions.copy(), run.returns.copy()
    for frame in (predictions, returns):
        frame["date"] = pd.to_datetime(frame["date"])
    names = list(dict.fromkeys(predictions["variant"]))
    a, b = _pick_variants(variants, names)
    threshold = run.scenario.backtest.threshold
    reps = reps or run.scenario.backtest.bootstrap_reps
    seed = run.scenario.seed if seed is None else seed
    tickers, confidence = {}, {}
    for ticker, rows in predictions.groupby("ticker", sort=True):
        proba = rows.pivot(index="date", columns="variant", values="proba").dropna()
        label = rows.pivot(index="date", columns="variant", values="label").loc[proba.index].max(axis=1)
        net = returns[returns["ticker"] == ticker].pivot(index="date", columns="variant", values="net_return")
        tickers[str(ticker)] = _pair(proba, label, net[[a, b]].dropna(), a, b, threshold, split, reps, seed)
        losses = pd.DataFrame({v: log_loss_per_row(proba[v], label) for v in names}, index=proba.index)
        confidence[str(ticker)] = model_confidence_set(losses, reps=reps, seed=seed)
    return Comparison(run.scenario.name, a, b, split, tickers, confidence)


def _pair(proba, label, net, a, b, threshold, split, reps, seed) -> dict[str, Any]:
    correct = {v: (proba[v].to_numpy() > threshold) == label.to_numpy().astype(bool) for v in (a, b)}
    ra, rb = net[a].to_numpy(), net[b].to_numpy()
    sharpe = {v: sharpe_ratio(net[v].to_numpy()) for v in (a, b)}
    better, worse = (b, a) if sharpe[b] >= sharpe[a] else (a, b)
    days = min_track_record_length(net[better].to_numpy(), sharpe_ratio(net[worse].to_numpy(), 1))
    difference = net[better].to_numpy() - net[worse].to_numpy()
    difference_days = min_track_record_length(difference)
    return {
        "n_predictions": len(label),
        "n_bars": len(net),
        "accuracy": {v: float(correct[v].mean()) for v in (a, b)},
        "mcnemar": mcnemar(correct[a], correct[b]),
        "diebold_mariano_log_loss": diebold_mariano(
            log_loss_per_row(proba[a], label), log_loss_per_row(proba[b], label)
        ),
        "sharpe": sharpe,
        "sharpe_difference": sharpe_difference_interval(ra, rb, reps=reps, seed=seed),
        "ab_test_duration": {
            "better": better,
            "days": days,
            "years": days / PERIODS_PER_YEAR,
            "difference_days": difference_days,
            "difference_years": difference_days / PERIODS_PER_YEAR,
        },
        "metrics": {
            a: trading_metrics(ra),
            b: trading_metrics(rb),
            "blend": blended_metrics(ra, rb, split[0]),
        },
    }


def _pick_variants(variants: tuple[str, str] | None, names: list[str]) -> tuple[str, str]:
    if variants is None:
        if len(names) < 2:
            raise ConfigError(
                f"compare needs two variants; this run has {names}. Run a scenario with two or more variants"
            )
        return names[0], names[1]
    for name in variants:
        if name not in names:
            raise ConfigError(
                f"--variants: {name!r} is not in this run{did_you_mean(name, names)}; it has {names}"
            )
    if variants[0] == variants[1]:
        raise ConfigError(f"--variants names {variants[0]!r} twice; give two different variants, e.g. A,B")
    return variants[0], variants[1]


def format_comparison(comparison: Comparison) -> str:
    """A terminal table per ticker: each figure for A, for B, and for the pair."""
    a, b = comparison.variant_a, comparison.variant_b
    wa, wb = (round(s * 100) for s in comparison.split)
    blocks = []
    for ticker, f in comparison.tickers.items():
        m, dm, sd, ab = (
            f["mcnemar"],
            f["diebold_mariano_log_loss"],
            f["sharpe_difference"],
            f["ab_test_duration"],
        )
        blend = f["metrics"]["blend"]
        rows = [
            ("figure", a, b, "pair"),
            ("accuracy", f"{f['accuracy'][a]:.1%}", f"{f['accuracy'][b]:.1%}",
             f"McNemar p={m['p_value']:.3g} ({m['a_only']} vs {m['b_only']} discordant)"),
            ("log loss", "", "", f"Diebold-Mariano {dm['statistic']:+.2f}, p={dm['p_value']:.3g}"),
            ("sharpe", _num(f['sharpe'][a]), _num(f['sharpe'][b]),
             "-" if not math.isfinite(sd["difference"]) else
             f"B-A {sd['difference']:+.2f}, 95% CI {sd['ci_low']:+.2f}..{sd['ci_high']:+.2f}"),
            ("total return", f"{f['metrics'][a]['total_return']:+.1%}", f"{f['metrics'][b]['total_return']:+.1%}",
             (f"{wa}/{wb} split {blend['total_return']:+.1%}, sharpe {blend['sharpe']:.2f}, "
             f"max dd {blend['max_drawdown']:.1%}")),
            ("max drawdown", f"{f['metrics'][a]['max_drawdown']:.1%}", f"{f['metrics'][b]['max_drawdown']:.1%}", ""),
            ("A/B test length", "", "", _years(ab["years"]) + (
                f" to show {ab['better']} ahead at 95%" if math.isfinite(ab["years"]) else "")),
        ]  # fmt: skip
        set_ = comparison.confidence_set.get(ticker, {})
        if set_:
            rows.append(
                ("confidence set", "", "", f"{', '.join(set_['included'])} (MCS at {set_['size']:.0%})")
            )
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"{ticker}: {f['n_predictions']} paired predictions, {f['n_bars']} bars"]
        lines += [
            "  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].rjust(widths[2]), r[3]])
            for r in rows
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _num(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.2f}"


def _years(years: float) -> str:
    if math.isnan(years):
        return "undefined (a Sharpe ratio is undefined: no variation in returns)"
    if math.isinf(years):
        return "never (equal Sharpe ratios)"
    return f"{years:.1f} years ({years * PERIODS_PER_YEAR:.0f} days)"


def write_comparison(comparison: Comparison, run_dir: Path) -> Path:
    """Write ``compare-A-vs-B.json`` and the table as ``.txt`` into the run folder; return the JSON path."""
    a, b = comparison.variant_a, comparison.variant_b
    path = comparison_file(run_dir, a, b)
    path.write_text(json.dumps(comparison.as_dict(), indent=2, allow_nan=False))
    comparison_file(run_dir, a, b, ".txt").write_text(format_comparison(comparison) + "\n")
    return path


def _clean(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-." else "_" for c in str(name))

