"""The report's tables, built once and rendered as Markdown (``summary.md``) or HTML.

Tables come from the run folder's files: the variants table from
``metrics.json``'s ``metrics`` section, accuracy per fold from the saved
predictions, and one table per other section of ``metrics.json`` (stress
windows, cost levels, significance, ...), so a section added to the metrics
file appears in the report without a change here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Table",
    "fold_accuracy",
    "format_cell",
    "render_markdown",
    "run_tables",
    "section_frame",
    "section_table",
    "variants_table",
    "wilson_interval",
]

#: Top-level keys of metrics.json that are run facts, not tables.
_SCALAR_KEYS = ("scenario", "seed", "device", "periods_per_year", "costs_bps_per_side")
#: Sections with a rendering of their own (``alphacheck.report.verdicts``), shown before the tables.
_OWN_RENDERING = ("verdict",)
#: Names of the nesting levels of known sections, for the table's first columns.
_LEVELS = {
    "metrics": ("ticker", "strategy"),
    "stress": ("window", "ticker", "strategy"),
    "shocks": ("shock", "ticker", "strategy"),
    "cost_sweep": ("ticker", "strategy", "costs_bps"),
    "per_fold": ("ticker", "strategy", "fold"),
    "per_year": ("ticker", "strategy", "year"),
    "baselines": ("ticker", "baseline", "metric"),
    "significance": ("ticker", "test", "variant", "measure"),
    "matched_null": ("ticker", "strategy"),
    "audit": ("check",),
    "reliability": ("strategy", "probability"),
    "portfolio": ("strategy",),
    "portfolio_stress": ("window", "strategy"),
    "portfolio_shocks": ("shock", "strategy"),
    "portfolio_cost_sweep": ("strategy", "costs_bps"),
    "portfolio_significance": ("test", "variant", "measure"),
    "portfolio_matched_null": ("strategy",),
}
_PERCENT = ("accuracy", "precision", "recall", "f1", "total_return", "max_drawdown", "win_rate", "cagr",
            "volatility", "hit_rate", "exposure", "ci_low", "ci_high", "balanced_accuracy",
            "accuracy_ci_low", "accuracy_ci_high", "costs_paid", "excess_return_vs_buy_and_hold",
            "accuracy_change", "total_return_change", "max_drawdown_change", "costs_paid_change",
            "excess_return_vs_equal_weight", "average_gross_exposure", "max_weight")
_RATIOS = ("sharpe", "sortino", "calmar", "profit_factor", "psr", "dsr", "sharpe_change")
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class Table:
    """A titled table of already formatted cells."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% by default).

    Returns ``(nan, nan)`` for ``n == 0``. The bounds are kept in [0, 1] and
    around the observed proportion: at 0 or n successes rounding otherwise puts
    a bound a hair past it (0 of 7 gave a lower bound of 5.6e-17).
    """
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


def fold_accuracy(predictions: pd.DataFrame, threshold: float, min_days: float = 0) -> pd.DataFrame:
    """Out-of-sample accuracy per variant, ticker and fold, with its Wilson 95% interval.

    A prediction is "up" when ``proba > threshold``, as the backtest trades it.
    Columns: ``variant, ticker, fold, test_start, test_end, n, accuracy, ci_low,
    ci_high, stub``; ``stub`` marks a fold with fewer than ``min_days``
    predictions (the short last fold a calendar leaves), whose interval is too
    wide to read beside the others.
    """
    hits = (predictions["proba"].to_numpy() > threshold) == predictions["label"].to_numpy().astype(bool)
    frame = predictions.assign(hit=hits)
    rows = []
    for (variant, ticker, fold), group in frame.groupby(["variant", "ticker", "fold"], sort=True):
        n, k = len(group), int(group["hit"].sum())
        low, high = wilson_interval(k, n)
        rows.append({
            "variant": variant, "ticker": ticker, "fold": int(fold),
            "test_start": pd.Timestamp(group["date"].min()), "test_end": pd.Timestamp(group["date"].max()),
            "n": n, "accuracy": k / n, "ci_low": low, "ci_high": high, "stub": n < min_days,
        })
    return pd.DataFrame(rows)


def variants_table(metrics: dict[str, dict[str, dict[str, Any]]]) -> Table:
    """Variants and baselines per ticker, from ``metrics.json``'s ``metrics`` section."""
    return section_table("metrics", metrics, title="Variants and baselines")


def section_table(key: str, section: Any, title: str | None = None) -> Table | None:
    """Flatten a nested ``metrics.json`` section into a table, or ``None`` if it holds no records.

    Nested mappings become leading key columns (named for known sections,
    ``level 1, 2, ...`` otherwise) until a mapping of plain values, which is a
    row; a list of mappings is a list of rows.
    """
    records = list(_records(section, ()))
    if not records:
        return None
    depth = max(len(path) for path, _ in records)
    names = _level_names(key, depth)
    value_columns: list[str] = []
    for _, record in records:
        value_columns += [c for c in record if c not in value_columns and c not in names]
    rows = [
        [str(p) for p in path] + [""] * (depth - len(path))
        + [format_cell(c, record.get(c)) for c in value_columns]
        for path, record in records
    ]
    return Table(key, title or key.replace("_", " ").capitalize(), names + value_columns, rows)


def section_frame(key: str, section: Any) -> pd.DataFrame:
    """The records of a nested ``metrics.json`` section as a frame, key columns first (see :func:`section_table`)."""
    records = list(_records(section, ()))
    if not records:
        return pd.DataFrame()
    names = _level_names(key, max(len(path) for path, _ in records))
    frame = pd.DataFrame([{**dict(zip(names, path)), **record} for path, record in records])
    frame.attrs["keys"] = names
    return frame


def run_tables(metrics: dict[str, Any], predictions: pd.DataFrame, threshold: float) -> list[Table]:
    """Every table of a run: variants, accuracy per fold, then each other metrics section."""
    tables = [variants_table(metrics.get("metrics", {}))]
    folds = fold_accuracy(predictions, threshold)
    tables.append(
        Table(
            "fold_accuracy",
            "Out-of-sample accuracy per fold (Wilson 95% interval)",
            ["variant", "ticker", "fold", "test dates", "n", "accuracy", "95% interval"],
            [
                [r.variant, r.ticker, str(r.fold), f"{r.test_start:%Y-%m-%d}..{r.test_end:%Y-%m-%d}", str(r.n),
                 f"{r.accuracy:.1%}", f"{r.ci_low:.1%}..{r.ci_high:.1%}"]
                for r in folds.itertuples()
            ],
        )
    )
    for key, section in metrics.items():
        if key in _SCALAR_KEYS or key in _OWN_RENDERING or key == "metrics":
            continue
        table = section_table(key, section, title="Training folds" if key == "folds" else None)
        if table is not None:
            tables.append(table)
    return [t for t in tables if t is not None]


def render_markdown(tables: list[Table], heading_level: int = 2) -> str:
    """GitHub-flavoured Markdown, one section per table."""
    parts = []
    for table in tables:
        lines = [f"{'#' * heading_level} {table.title}", ""]
        lines.append("| " + " | ".join(table.columns) + " |")
        lines.append("|" + "|".join("---" for _ in table.columns) + "|")
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _level_names(key: str, depth: int) -> list[str]:
    names = list(_LEVELS.get(key, ()))[:depth]
    return names + [f"level {i + 1}" for i in range(len(names), depth)]


def _records(node: Any, path: tuple[str, ...]):
    if isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict):
                yield from _records(item, path) if _is_nested(item) else [(path, item)]
            elif not isinstance(item, list):
                yield path, {"value": item, "index": i}
    elif isinstance(node, dict):
        if not node:
            return
        if _is_columns(node):  # {"cost": [0, 5], "sharpe": [0.9, 0.4]}: one row per position
            for i in range(len(next(iter(node.values())))):
                yield path, {k: v[i] for k, v in node.items()}
        elif _is_nested(node):
            for key, value in node.items():
                if isinstance(value, dict | list):
                    yield from _records(value, (*path, str(key)))
                else:
                    yield (*path, str(key)), {"value": value}
        else:
            yield path, node


def _is_columns(mapping: dict[str, Any]) -> bool:
    lists = list(mapping.values())
    return all(isinstance(v, list) and not any(isinstance(x, dict | list) for x in v) for v in lists) \
        and len({len(v) for v in lists}) == 1 and len(lists[0]) > 0


def _is_nested(mapping: dict[str, Any]) -> bool:
    return any(isinstance(v, dict | list) for v in mapping.values())


def format_cell(column: str, value: Any) -> str:
    """A figure as the report shows it: percentages, ratios to 2 decimals, integers, ``-`` if undefined."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):d}"
    if isinstance(value, float | np.floating):
        column = column.removeprefix("whole_window_")  # the same figure, over the whole stress window
        if column in _PERCENT:
            return f"{float(value):.2%}"
        if column in _RATIOS:
            return f"{float(value):.2f}"
        return f"{float(value):.4g}"
    return str(value)
