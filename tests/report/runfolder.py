"""A run folder written by hand (no training, no vectorbt): the files a report is built from.

Loaded by tests/report/conftest.py and tests/tracking/conftest.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from alphacheck.scenarios.schema import Scenario

TICKERS = ["SP500", "NASDAQ"]
VARIANT = "baseline"
COSTS_BPS = [0.0, 10.0, 20.0]
#: Net total return of the variant on SP500 at each cost level: crosses zero at 10 + 10 * 0.04 / 0.06 bps.
SP500_SWEEP = [0.10, 0.04, -0.02]
BREAK_EVEN_SP500 = 10 + 10 * 0.04 / 0.06


def scenario() -> Scenario:
    return Scenario.model_validate(
        {"name": "fabricated", "description": "hand-made run folder", "seed": 7,
         "data": {"source": "sample", "tickers": TICKERS, "start": "2017-01-02", "end": "2018-12-31"},
         "walkforward": {"train_days": 200, "test_days": 80, "validation_days": 40, "sequence_length": 5},
         "variants": [VARIANT]}
    )


def write_run_folder(path: Path, seed: int = 0) -> Path:
    """Write config.yaml, predictions.parquet, returns.parquet and metrics.json into ``path``."""
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True, exist_ok=True)
    config = scenario().model_dump(mode="json")
    (path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    dates = pd.bdate_range("2018-01-02", periods=240, name="date")
    predictions, returns, metrics = [], [], {}
    for t, ticker in enumerate(TICKERS):
        proba = rng.uniform(0.3, 0.7, len(dates))
        label = rng.integers(0, 2, len(dates))
        predictions.append(pd.DataFrame({
            "date": dates, "ticker": ticker, "variant": VARIANT, "fold": np.repeat([0, 1, 2], 80),
            "proba": proba, "label": label, "fwd_return": rng.normal(0, 0.01, len(dates)),
        }))
        market = rng.normal(0.0004, 0.01, len(dates))
        long = (proba > 0.5).astype(float)
        costs = {VARIANT: 0.0, "buy_and_hold": 0.0, "always_long": 1e-5}
        positions = {VARIANT: long, "buy_and_hold": np.ones(len(dates)), "always_long": np.ones(len(dates))}
        for name, position in positions.items():
            gross = position * market
            series = gross - costs[name]
            # the pipeline's layout (backtest.evaluate): one row per date, ticker and strategy
            returns.append(pd.DataFrame({
                "date": dates, "ticker": ticker, "variant": name, "position": position, "gross_return": gross,
                "cost": costs[name], "net_return": series, "benchmark_return": market,
            }))
            metrics.setdefault(ticker, {})[name] = {
                "accuracy": None if name == "buy_and_hold" else float(np.mean((proba > 0.5) == label)),
                "total_return": float(np.prod(1 + series) - 1), "sharpe": 1.0 + t, "n_trades": 12,
            }
    body = {
        "scenario": "fabricated", "seed": 7, "device": "cpu", "periods_per_year": 252, "costs_bps_per_side": 10.0,
        "metrics": metrics,
        "folds": [{"variant": VARIANT, "index": i, "test_start": "2018-01-02", "epochs_run": 3 + i,
                   "best_val_loss": 0.69 - 0.01 * i, "seconds": 1.5} for i in range(3)],
        "stress": {window: {ticker: {strategy: {"total_return": value, "max_drawdown": -abs(value)}
                                     for strategy, value in ((VARIANT, -0.05 + i * 0.01), ("buy_and_hold", -0.1))}
                            for ticker in TICKERS}
                   for i, window in enumerate(["covid-2020", "gfc-2008"])},
        "cost_sweep": {ticker: {VARIANT: {f"{c:g}": {"total_return": r, "sharpe": r * 10}
                                          for c, r in zip(COSTS_BPS, SP500_SWEEP)}} for ticker in TICKERS},
    }
    (path / "metrics.json").write_text(json.dumps(body, indent=2))
    pd.concat(predictions, ignore_index=True).to_parquet(path / "predictions.parquet", index=False)
    pd.concat(returns, ignore_index=True).to_parquet(path / "returns.parquet", index=False)
    return path
