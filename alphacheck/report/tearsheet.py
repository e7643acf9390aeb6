"""quantstats HTML tearsheets: the only module that imports quantstats.

quantstats sets the font to Arial when imported; on machines without it
matplotlib logs a "findfont" line per text element, so that logger is quietened
first.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pandas as pd

from alphacheck.backtest.metrics import PERIODS_PER_YEAR

__all__ = ["write_tearsheet"]


def write_tearsheet(
    strategy: pd.Series, benchmark: pd.Series, path: Path, title: str, strategy_name: str, benchmark_name: str
) -> Path:
    """Write a quantstats HTML tearsheet of ``strategy`` against ``benchmark``.

    Both are per-period simple returns on the same dates.
    """
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import matplotlib

    matplotlib.use("Agg")
    import quantstats as qs

    path.parent.mkdir(parents=True, exist_ok=True)
    returns = _naive_daily(strategy).rename(strategy_name)
    bench = _naive_daily(benchmark).rename(benchmark_name)
    with warnings.catch_warnings():
        # quantstats and its plotting stack emit pandas/matplotlib deprecation noise.
        warnings.simplefilter("ignore")
        qs.reports.html(
            returns,
            benchmark=bench,
            title=title,
            output=str(path),
            periods_per_year=PERIODS_PER_YEAR,
            compounded=True,
            match_dates=False,
            strategy_title=strategy_name,
            benchmark_title=benchmark_name,
        )
    import matplotlib.pyplot as plt

    plt.close("all")
    return path


def _naive_daily(series: pd.Series) -> pd.Series:
    series = series.astype("float64").copy()
    series.index = pd.DatetimeIndex(series.index).tz_localize(None)
    return series
