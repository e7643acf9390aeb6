"""quantstats HTML tearsheets: the only module that imports quantstats.

quantstats draws with pyplot and styles matplotlib globally when imported
(seaborn's theme, the font set to Arial). A tearsheet must leave the caller's
matplotlib as it found it (in a notebook: the inline backend, the open
figures, the style), so each one is drawn inside :func:`_pyplot_untouched`:
no backend switch, quantstats' style applied only for the drawing, and only
the figures it opened closed afterwards. The command line selects the
headless ``Agg`` backend for its own process (``alphacheck.cli.main``).

Worker processes (:mod:`alphacheck.report.tearsheet_pool`) draw with the
caller's style, :func:`drawing_style`, so their files are the ones the caller
would have written. ``pyplot.savefig`` redraws the figure on the screen canvas
after writing it (for interactive windows); quantstats saves each chart as SVG
and closes it at once, so that raster redraw (about a sixth of a tearsheet's
time) is skipped while a tearsheet is drawn: the files are the same.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from alphacheck.backtest.metrics import PERIODS_PER_YEAR

__all__ = ["GLYPHS", "drawing_style", "write_tearsheet"]

# matplotlib logs a "findfont" line per text element on machines without Arial.
_FONT_LOGGER = "matplotlib.font_manager"
# The rcParams quantstats sets when it is imported; applied around each tearsheet only.
_quantstats_style: dict[str, Any] | None = None


def write_tearsheet(
    strategy: pd.Series,
    benchmark: pd.Series,
    path: Path,
    title: str,
    strategy_name: str,
    benchmark_name: str,
    style: dict[str, Any] | None = None,
) -> Path:
    """Write a quantstats HTML tearsheet of ``strategy`` against ``benchmark``.

    Both are per-period simple returns on the same dates. The caller's
    matplotlib backend, figures and rcParams are unchanged afterwards.
    ``style`` (another process's :func:`drawing_style`) replaces this
    process's rcParams for the drawing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    returns = _naive_daily(strategy).rename(strategy_name)
    bench = _naive_daily(benchmark).rename(benchmark_name)
    with _pyplot_untouched(style) as qs, warnings.catch_warnings():
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
    _replace_missing_glyphs(path)
    return path


#: Characters quantstats writes that common fonts lack (a box in the browser), and their plain forms.
#: U+FE6A SMALL PERCENT SIGN labels "CAGR﹪": no font of a stock Debian, or of Chromium's fallback, has it.
GLYPHS = {"\ufe6a": "%"}


def _replace_missing_glyphs(path: Path) -> None:
    """Rewrite the characters of :data:`GLYPHS` in a written tearsheet as their plain forms."""
    text = path.read_text(encoding="utf-8")
    fixed = text
    for glyph, plain in GLYPHS.items():
        fixed = fixed.replace(glyph, plain)
    if fixed != text:
        path.write_text(fixed, encoding="utf-8")


def drawing_style() -> dict[str, Any]:
    """The rcParams a tearsheet drawn in this process would use (the backend left out)."""
    import matplotlib

    with matplotlib.rc_context():
        _import_quantstats()
        return {k: v for k, v in {**matplotlib.rcParams, **(_quantstats_style or {})}.items() if k != "backend"}


@contextmanager
def _pyplot_untouched(style: dict[str, Any] | None = None) -> Iterator[Any]:
    """Yield quantstats, with its style applied and pyplot's state restored on exit.

    Restored: rcParams (quantstats' import-time style included), interactive
    mode, the font logger's level and the current figure; closed: only the
    figures opened inside (quantstats reads ``gcf()``, which opens one when
    none is open). The backend is never switched: switching closes every figure.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    font_logger = logging.getLogger(_FONT_LOGGER)
    level = font_logger.level
    font_logger.setLevel(logging.ERROR)
    before = set(plt.get_fignums())
    current = plt.gcf().number if before else None
    try:
        with matplotlib.rc_context(), plt.ioff(), _savefig_without_redraw(plt):
            qs = _import_quantstats()
            matplotlib.rcParams.update(_quantstats_style or {})
            matplotlib.rcParams.update(style or {})
            yield qs
    finally:
        for number in set(plt.get_fignums()) - before:
            plt.close(number)
        if current is not None and current in plt.get_fignums():
            plt.figure(current)
        font_logger.setLevel(level)


@contextmanager
def _savefig_without_redraw(plt: Any) -> Iterator[None]:
    """``pyplot.savefig`` without its redraw of the figure on the screen canvas after writing the file."""
    original = plt.savefig

    def savefig(*args: Any, **kwargs: Any) -> None:
        plt.gcf().savefig(*args, **kwargs)

    plt.savefig = savefig
    try:
        yield
    finally:
        plt.savefig = original


def _import_quantstats() -> Any:
    """Import quantstats, keeping the rcParams its import sets as this module's style (once)."""
    global _quantstats_style
    import matplotlib

    before = matplotlib.rcParams.copy()  # copy() reads the backend without resolving it
    import quantstats

    if _quantstats_style is None:
        after = matplotlib.rcParams.copy()
        _quantstats_style = {key: after[key] for key in after if key != "backend" and after[key] != before[key]}
    return quantstats


def _naive_daily(series: pd.Series) -> pd.Series:
    series = series.astype("float64").copy()
    series.index = pd.DatetimeIndex(series.index).tz_localize(None)
    return series
