"""Read a run folder back: config, predictions, metrics and strategy returns.

Everything a report shows is rebuilt from these files, so ``alphacheck report
RUN_DIR`` never retrains. ``returns.parquet`` (one row per date, ticker and
strategy with ``net_return``, see :mod:`alphacheck.backtest.evaluate`) is
written by the pipeline; for a folder without it the backtest is re-run from
the saved predictions and the configured prices.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.schema import Scenario

__all__ = ["PORTFOLIO_FILE", "PORTFOLIO_WEIGHTS_FILE", "RETURNS_FILE", "RunFolder", "read_run_folder"]

RETURNS_FILE = "returns.parquet"
#: The books of a run with a ``portfolio`` block: one row per (date, strategy), and the weights held.
PORTFOLIO_FILE = "portfolio.parquet"
PORTFOLIO_WEIGHTS_FILE = "portfolio_weights.parquet"
_REQUIRED = ("config.yaml", "predictions.parquet", "metrics.json")


@dataclass
class RunFolder:
    """The saved outputs of one run.

    ``returns`` maps ``(ticker, strategy)`` to per-bar simple returns; strategy
    is a variant name or a baseline (``buy_and_hold``, ``always_long``).
    ``portfolio`` and ``portfolio_weights`` are the books' frames (see
    :mod:`alphacheck.backtest.portfolio_evaluate`), ``None`` without a
    ``portfolio`` block.
    """

    path: Path
    scenario: Scenario
    predictions: pd.DataFrame
    metrics: dict[str, Any]
    returns: dict[tuple[str, str], pd.Series]
    portfolio: pd.DataFrame | None = None
    portfolio_weights: pd.DataFrame | None = None

    @property
    def variants(self) -> list[str]:
        """Variant names in the order the scenario lists them."""
        return [v.name for v in self.scenario.variants]

    @property
    def tickers(self) -> list[str]:
        """Tickers in the order the scenario lists them."""
        return list(self.scenario.data.tickers)

    @property
    def costs_bps(self) -> float:
        """Fees plus slippage per side, in basis points."""
        return self.scenario.backtest.fees_bps + self.scenario.backtest.slippage_bps


def read_run_folder(path: Path) -> RunFolder:
    """Load a run folder written by :func:`alphacheck.pipeline.run`.

    Parameters
    ----------
    path
        The run folder.

    Raises
    ------
    ConfigError
        When the folder or one of its required files is missing or unreadable.
    """
    from alphacheck.scenarios.loader import validate_scenario

    path = Path(path)
    missing = [name for name in _REQUIRED if not (path / name).is_file()]
    if missing:
        raise ConfigError(
            f"run folder {str(path)!r} lacks {', '.join(missing)}; "
            "give a folder written by `alphacheck run` (runs/<scenario>-<timestamp>/)"
        )
    config_path = path / "config.yaml"
    scenario = validate_scenario(yaml.safe_load(config_path.read_text()), source=str(config_path))
    predictions = pd.read_parquet(path / "predictions.parquet")
    try:
        metrics = json.loads((path / "metrics.json").read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path / 'metrics.json'}: not valid JSON ({exc}); re-run the scenario") from None
    if (path / RETURNS_FILE).is_file():
        returns = _frame_to_returns(pd.read_parquet(path / RETURNS_FILE))
    else:
        returns = _backtest_again(scenario, predictions)
    books = [path / name for name in (PORTFOLIO_FILE, PORTFOLIO_WEIGHTS_FILE)]
    frames = [pd.read_parquet(p) if p.is_file() else None for p in books]
    return RunFolder(path, scenario, predictions, metrics, returns, *frames)


def _frame_to_returns(frame: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    returns = {}
    for (ticker, strategy), rows in frame.groupby(["ticker", "variant"], sort=False):
        index = pd.DatetimeIndex(rows["date"], name="date")
        series = pd.Series(rows["net_return"].to_numpy(), index=index, name="return")
        returns[(str(ticker), str(strategy))] = series.sort_index()
    return returns


def _backtest_again(scenario: Scenario, predictions: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    from alphacheck.backtest import evaluate
    from alphacheck.data import load_prices

    return evaluate(predictions, load_prices(scenario.data), scenario.backtest, seed=scenario.seed).returns
