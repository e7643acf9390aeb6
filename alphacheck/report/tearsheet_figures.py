"""Where alphacheck's figures and the quantstats tearsheet's differ, side by side.

A tearsheet linked from the report shows "Time in Market", "Longest DD Days"
and "Profit Factor", which read like alphacheck's ``exposure``,
``max_drawdown_bars`` and ``profit_factor`` but are defined otherwise (see
:data:`alphacheck.report.glossary.TEARSHEET_DIFFERENCES`). The report puts
both next to the links, computed as quantstats computes them (numpy here, so
the page needs no quantstats; tests hold them equal to quantstats' own).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from alphacheck.report.summary import Table, format_cell

__all__ = ["daily_profit_factor", "tearsheet_table", "time_in_market"]


def time_in_market(returns: pd.Series) -> float:
    """quantstats' ``exposure``: share of non-missing bars with a non-zero return, rounded up to a percent."""
    values = returns.to_numpy(dtype="float64")
    observed = values[~np.isnan(values)]
    if not len(observed):
        return 0.0
    return math.ceil(np.count_nonzero(observed) / len(observed) * 100) / 100


def daily_profit_factor(returns: pd.Series) -> float:
    """quantstats' ``profit_factor``: sum of the returns >= 0 over the size of the sum of those < 0."""
    values = returns.to_numpy(dtype="float64")
    losses = abs(values[values < 0].sum())
    return float(values[values >= 0].sum() / losses) if losses else float("nan")


def tearsheet_table(
    returns: Mapping[tuple[str, str], pd.Series], metrics: Mapping[str, Any], linked: list[tuple[str, str]]
) -> Table | None:
    """alphacheck's figure and the tearsheet's, per (ticker, variant) with a tearsheet; ``None`` without one.

    ``max_drawdown_calendar_days`` counts as quantstats' "Longest DD Days" does.
    """
    rows = []
    for ticker, variant in linked:
        record = metrics.get(ticker, {}).get(variant, {})
        series = returns.get((ticker, variant))
        if series is None:
            continue
        rows.append(
            [
                f"{variant} on {ticker}",
                format_cell("exposure", record.get("exposure")),
                format_cell("exposure", time_in_market(series)),
                format_cell(
                    "max_drawdown_bars", record.get("max_drawdown_bars", record.get("max_drawdown_days"))
                ),
                format_cell("max_drawdown_calendar_days", record.get("max_drawdown_calendar_days")),
                format_cell("profit_factor", record.get("profit_factor")),
                format_cell("profit_factor", daily_profit_factor(series)),
            ]
        )
    if not rows:
        return None
    columns = [
        "strategy",
        "exposure",
        "time_in_market",
        "max_drawdown_bars",
        "max_drawdown_calendar_days",
        "profit_factor",
        "daily_profit_factor",
    ]
    return Table("tearsheet_figures", "alphacheck's figures beside the tearsheets' namesakes", columns, rows)
