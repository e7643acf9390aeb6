"""The tables of ``index.html``: a compact headline table per section, every figure one click away.

A section of ``metrics.json`` holds up to ~45 figures per record, far more
than fit a window side by side. Each section is shown as a headline table of
at most :data:`MAX_COLUMNS` columns (its key columns and the figures a reader
looks at first); the full set sits under a ``<details>`` element as transposed
tables (one row per figure, at most :data:`RECORDS_ACROSS` records across), so
every table fits a 1400-px-wide window however many figures a section has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from alphacheck.report.summary import Table, fold_accuracy, format_cell, section_frame
from alphacheck.scenarios.schema import WalkForwardConfig

__all__ = ["MAX_COLUMNS", "RECORDS_ACROSS", "PageSection", "fold_table", "page_sections", "stub_days"]

#: Most columns a headline table shows.
MAX_COLUMNS = 10
#: Most records side by side in a transposed table of every figure.
RECORDS_ACROSS = 8

#: Top-level keys of metrics.json that are run facts or have their own rendering.
_NOT_TABLES = ("scenario", "seed", "device", "periods_per_year", "costs_bps_per_side", "verdict")
#: Sections first on the page, in this order; the others follow in metrics.json's order.
_FIRST = ("metrics", "portfolio")
_TITLES = {
    "metrics": "Strategies and baselines",
    "folds": "Training folds",
    "per_fold": "Per fold",
    "per_year": "Per calendar year",
    "cost_sweep": "Cost sweep",
    "matched_null": "Matched null: the strategy's own positions shifted in time",
    "stress": "Stress windows",
    "shocks": "Shocks",
}
#: The matched null's headline figures, for the tickers' strategies and the books alike.
_NULL = ("sharpe", "percentile", "null_sharpe_p95", "null_sharpe_mean", "p_value", "turnover",
         "null_turnover_mean", "draws")
#: The headline figures of a slice of the out-of-sample period, per fold and per calendar year alike.
_PERIOD = ("accuracy", "accuracy_ci", "total_return", "sharpe", "max_drawdown", "n_trades", "n_predictions")
#: The figures of each section's headline table (after its key columns). Virtual columns:
#: ``accuracy_ci``/``sharpe_ci`` join an interval's ends, ``dates`` first_date..last_date.
_HEADLINE: dict[str, tuple[str, ...]] = {
    "metrics": (
        "accuracy",
        "accuracy_ci",
        "total_return",
        "excess_return_vs_buy_and_hold",
        "sharpe",
        "sharpe_ci",
        "max_drawdown",
        "n_trades",
    ),
    "portfolio": (
        "total_return",
        "excess_return_vs_equal_weight",
        "sharpe",
        "sharpe_ci",
        "max_drawdown",
        "average_positions",
        "average_gross_exposure",
        "turnover",
        "costs_paid",
    ),
    "folds": (
        "variant",
        "index",
        "test_start",
        "test_end",
        "n_test",
        "epochs_run",
        "best_val_loss",
        "calibration_slope",
        "seconds",
        "resumed",
    ),
    "per_fold": _PERIOD,
    "per_year": _PERIOD,
    "stress": (
        "dates",
        "accuracy",
        "total_return",
        "excess_return_vs_buy_and_hold",
        "sharpe",
        "max_drawdown",
        "whole_window_total_return",
    ),
    "shocks": (
        "accuracy",
        "accuracy_change",
        "total_return",
        "total_return_change",
        "sharpe",
        "sharpe_change",
        "max_drawdown",
    ),
    "matched_null": _NULL,
    "portfolio_matched_null": _NULL,
    "portfolio_stress": (
        "dates",
        "total_return",
        "excess_return_vs_equal_weight",
        "sharpe",
        "max_drawdown",
        "whole_window_total_return",
    ),
    "portfolio_shocks": ("total_return", "total_return_change", "sharpe", "sharpe_change", "max_drawdown"),
}
#: Figures a headline table of a section without its own list prefers, in this order.
_PREFERRED = (
    "accuracy",
    "total_return",
    "sharpe",
    "max_drawdown",
    "n_trades",
    "n_predictions",
    "value",
    "mean",
    "std",
    "p05",
    "p95",
    "bps",
    "status",
)
_INTERVALS = {
    "accuracy_ci": ("accuracy_ci_low", "accuracy_ci_high", "{:.1%}"),
    "sharpe_ci": ("sharpe_ci_low", "sharpe_ci_high", "{:.2f}"),
    "dates": ("first_date", "last_date", "{}"),
}


@dataclass(frozen=True)
class PageSection:
    """A section of the page: its headline table, every figure (transposed), a note."""

    key: str
    title: str
    headline: Table
    full: list[Table] = field(default_factory=list)
    note: str = ""


def stub_days(walkforward: WalkForwardConfig, fold_lengths: Sequence[int]) -> float:
    """Folds with fewer test days than this are stubs: a quarter of ``test_days`` (or of the median fold).

    With ``retrain_frequency`` the folds are calendar periods, so the median
    fold's length stands in for ``test_days``.
    """
    if walkforward.retrain_frequency is None:
        return walkforward.test_days / 4
    lengths = sorted(fold_lengths)
    return lengths[len(lengths) // 2] / 4 if lengths else 0.0


def fold_table(folds: pd.DataFrame, min_days: float) -> Table:
    """Accuracy per fold with its interval; a stub fold says so (it is left out of the plot)."""
    rows = []
    for r in folds.itertuples():
        note = f"stub: {r.n} days, under a quarter of a fold; not plotted" if r.n < min_days else ""
        rows.append(
            [
                r.variant,
                r.ticker,
                str(r.fold),
                f"{r.test_start:%Y-%m-%d}..{r.test_end:%Y-%m-%d}",
                str(r.n),
                f"{r.accuracy:.1%}",
                f"{r.ci_low:.1%}..{r.ci_high:.1%}",
                note,
            ]
        )
    columns = ["variant", "ticker", "fold", "test_dates", "n", "accuracy", "accuracy_ci", "note"]
    return Table("fold_accuracy", "Out-of-sample accuracy per fold (Wilson 95% interval)", columns, rows)


def page_sections(
    metrics: Mapping[str, Any], predictions: pd.DataFrame, threshold: float, min_days: float
) -> list[PageSection]:
    """Every section of the page in order: strategies, portfolio, accuracy per fold, then the rest."""
    keys = [k for k in _FIRST if k in metrics]
    keys += [k for k in metrics if k not in _NOT_TABLES and k not in keys]
    sections = []
    for key in keys:
        section = section_page(key, metrics[key])
        if section is not None:
            sections.append(section)
        if key == "metrics" or (key == "portfolio" and "metrics" not in metrics):
            folds = fold_accuracy(predictions, threshold, min_days)
            if not folds.empty:
                sections.append(
                    PageSection("fold_accuracy", "Accuracy per fold", fold_table(folds, min_days))
                )
    return sections


def section_page(key: str, section: Any) -> PageSection | None:
    """One ``metrics.json`` section as a headline table and, when it has more, its figures transposed."""
    frame = section_frame(key, section)
    if frame.empty:
        return None
    names = list(frame.attrs.get("keys", []))
    figures = [c for c in frame.columns if c not in names]
    title = _TITLES.get(key, key.replace("_", " ").capitalize())
    chosen = _headline_columns(key, names, figures)
    headline = Table(key, title, names + chosen, [_row(record, names, chosen) for record in _records(frame)])
    if set(figures) <= set(_covered(chosen)):
        return PageSection(key, title, headline)
    return PageSection(key, title, headline, transposed(key, frame, names, figures))


def transposed(key: str, frame: pd.DataFrame, names: list[str], figures: list[str]) -> list[Table]:
    """Every figure of a section, one row each, at most :data:`RECORDS_ACROSS` records across per table."""
    records = _records(frame)
    labels = [
        " ".join(str(record[n]) for n in names if _present(record.get(n))) or str(i)
        for i, record in enumerate(records)
    ]
    tables = []
    for start in range(0, len(records), RECORDS_ACROSS):
        part = records[start : start + RECORDS_ACROSS]
        rows = [[name] + [format_cell(name, record.get(name)) for record in part] for name in figures]
        tables.append(
            Table(
                f"{key}-all-{start // RECORDS_ACROSS}",
                "",
                ["figure", *labels[start : start + len(part)]],
                rows,
            )
        )
    return tables


def _headline_columns(key: str, names: list[str], figures: list[str]) -> list[str]:
    room = MAX_COLUMNS - len(names)
    wanted = _HEADLINE.get(key)
    if wanted is None:
        if len(figures) <= room:
            return figures
        wanted = tuple(c for c in _PREFERRED if c in figures) or tuple(figures)
    available = [c for c in wanted if all(part in figures for part in _covered([c]))]
    return available[:room]


def _covered(columns: Sequence[str]) -> list[str]:
    """The figures a list of (possibly virtual) columns shows."""
    out = []
    for column in columns:
        out.extend(_INTERVALS[column][:2] if column in _INTERVALS else [column])
    return out


def _row(record: Mapping[str, Any], names: list[str], columns: list[str]) -> list[str]:
    cells = [str(record[n]) if _present(record.get(n)) else "" for n in names]
    for column in columns:
        if column in _INTERVALS:
            low, high, fmt = _INTERVALS[column]
            ends = record.get(low), record.get(high)
            cells.append(
                "-" if not all(_present(v) for v in ends) else f"{fmt.format(ends[0])}..{fmt.format(ends[1])}"
            )
        else:
            cells.append(format_cell(column, record.get(column)))
    return cells


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _present(value: Any) -> bool:
    return not _missing(value) and not (isinstance(value, float) and not math.isfinite(value))
