"""A portfolio backtest against the per-ticker backtest of the same columns (not a test).

    .venv/bin/python bench/portfolio.py [--tickers 500] [--days 5000] [--strategies 3]

Synthetic random-walk prices for TICKERS tickers over DAYS business days and
random P(up) for STRATEGIES variants. Two simulations of the same
(ticker, strategy) columns, each in a fresh process so its peak memory is its
own:

- ``per_ticker``: ``simulate_weights``, one vectorbt call, every column on its
  own cash, weights from the backtest policy (long when P(up) > 0.5);
- ``portfolio``: ``simulate_portfolio``, one vectorbt call, each strategy one
  book of TICKERS columns with shared cash, ``top_k`` (k = TICKERS / 10),
  equal weights, rebalanced daily (every ticker gets an order every day).

Seconds are the simulation call after a warm-up call on small inputs in the
same process (numba compilation is not counted); weights are built before the
clock starts. ``cpu_seconds`` is the process's CPU time over the same call (on
a shared machine the wall time also counts the other processes).
``peak_rss_mib`` is the process's peak resident memory, ``sim_mib`` how much of
it came after the inputs were built. Prints one JSON
line per case; ``bench/run_all.py`` puts them in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def synthetic_universe(n_tickers: int, n_days: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Random-walk OHLCV frames (Prices convention) on one business-day calendar."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2000-01-03", periods=n_days, name="date")
    close = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.015, (n_days, n_tickers)), axis=0))
    open_ = close * np.exp(rng.normal(0, 0.004, (n_days, n_tickers)))
    high, low = np.maximum(open_, close) * 1.005, np.minimum(open_, close) * 0.995
    return {
        f"T{j:03d}": pd.DataFrame(
            {"open": open_[:, j], "high": high[:, j], "low": low[:, j], "close": close[:, j], "volume": 1e6},
            index=dates,
        )
        for j in range(n_tickers)
    }


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: str, n_tickers: int, n_days: int, n_strategies: int) -> dict:
    """Build the inputs, warm up, and time one simulation of every column."""
    from alphacheck.backtest.allocation import allocate, select
    from alphacheck.backtest.engine import simulate_portfolio, simulate_weights
    from alphacheck.backtest.positions import direction_from_proba, position_weights

    prices = synthetic_universe(n_tickers, n_days)
    decisions = next(iter(prices.values())).index[:-2]
    rng = np.random.default_rng(1)
    proba = {f"s{i}": rng.uniform(0.3, 0.7, (len(decisions), n_tickers)) for i in range(n_strategies)}
    tickers = list(prices)
    small = {t: prices[t].iloc[:40] for t in tickers[:3]}
    if case == "portfolio":
        k = max(n_tickers // 10, 1)
        books = {
            name: pd.DataFrame(allocate(select(p, selection="top_k", k=k)), index=decisions, columns=tickers)
            for name, p in proba.items()
        }
        warm = {name: book.iloc[:30, :3] * 3 for name, book in books.items()}
        simulate_portfolio(small, warm, "next_open", 5.0, 5.0)
        before, cpu = _rss_mib(), time.process_time()
        started = time.perf_counter()
        simulate_portfolio(prices, books, "next_open", 5.0, 5.0)
    else:
        columns = {
            (t, name): position_weights(direction_from_proba(p[:, j]))
            for name, p in proba.items()
            for j, t in enumerate(tickers)
        }
        weights = pd.DataFrame(columns, index=decisions)
        simulate_weights(
            small, weights[[(tickers[0], "s0"), (tickers[1], "s0")]].iloc[:30], "next_open", 5.0, 5.0
        )
        before, cpu = _rss_mib(), time.process_time()
        started = time.perf_counter()
        simulate_weights(prices, weights, "next_open", 5.0, 5.0)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "case": case,
        "tickers": n_tickers,
        "days": n_days,
        "strategies": n_strategies,
        "columns": n_tickers * n_strategies,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mib": round(_rss_mib()),
        "sim_mib": round(_rss_mib() - before),
    }


def compare(n_tickers: int = 500, n_days: int = 5000, n_strategies: int = 3) -> list[dict]:
    """Both cases, each in a fresh process; the portfolio row carries its time ratio."""
    rows = []
    for case in ("per_ticker", "portfolio"):
        argv = [
            sys.executable, str(Path(__file__).resolve()), "--case", case,
            "--tickers", str(n_tickers), "--days", str(n_days), "--strategies", str(n_strategies),
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=REPO)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for row in rows:
        row["time_vs_per_ticker"] = round(row["seconds"] / rows[0]["seconds"], 2)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--case", choices=["per_ticker", "portfolio"], default=None, help="one case only")
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--days", type=int, default=5000)
    parser.add_argument("--strategies", type=int, default=3)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.tickers, args.days, args.strategies)), flush=True)
        return
    for row in compare(args.tickers, args.days, args.strategies):
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
