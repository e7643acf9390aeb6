"""One vectorbt call for many columns against one call per column (not a test).

    .venv/bin/python bench/backtest_columns.py [CSV] [COLUMNS]

Simulates COLUMNS random long/short weight columns on the prices in CSV (a
yfinance-layout file; default: the shared SPY file) and prints the time of one
call with every column, of one call per column, and their ratio. Both run in
the same process after a warm-up call, so numba compilation is not counted.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alphacheck.backtest.engine import simulate_weights
from alphacheck.backtest.positions import direction_from_proba, position_weights
from alphacheck.data.prices import normalise_ohlcv

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "yahoo" / "SPY.csv"


def main(csv: Path = DEFAULT_CSV, n_columns: int = 64) -> None:
    prices = normalise_ohlcv(pd.read_csv(csv, index_col=0, parse_dates=True), csv.stem)
    decisions = prices.index[:-2]
    rng = np.random.default_rng(0)
    weights = pd.DataFrame(
        {
            f"c{i}": position_weights(direction_from_proba(rng.uniform(size=len(decisions)), "long_short"))
            for i in range(n_columns)
        },
        index=decisions,
    )
    fees = np.linspace(0, 20, n_columns)
    simulate_weights(prices, weights.iloc[:, :2], "next_open", fees[:2], 5.0)  # compile
    started = time.perf_counter()
    together = simulate_weights(prices, weights, "next_open", fees, 5.0)
    one_call = time.perf_counter() - started
    started = time.perf_counter()
    apart = [simulate_weights(prices, weights[[c]], "next_open", fees[i], 5.0) for i, c in enumerate(weights)]
    per_column = time.perf_counter() - started
    same = all(
        np.allclose(together.equity[c], s.equity[c], rtol=1e-12) for c, s in zip(weights, apart, strict=True)
    )
    print(f"{len(prices)} bars x {n_columns} columns; same equity: {same}")
    print(
        f"one call: {one_call:.3f}s; one call per column: {per_column:.3f}s; ratio {per_column / one_call:.1f}x"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else DEFAULT_CSV, int(args[1]) if len(args) > 1 else 64)
