"""vectorbt's kernels are compiled by the first process and loaded from disk by the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

CHILD = r"""
import json, sys
import numpy as np, pandas as pd
from alphacheck.backtest.engine import simulate_weights
from alphacheck.backtest.numba_cache import enable_numba_cache, kernel_message

before = kernel_message()
dates = pd.bdate_range("2021-01-04", periods=8, name="date")
close = np.array([100.0, 101.0, 99.0, 102.0, 103.0, 101.0, 104.0, 105.0])
prices = pd.DataFrame({"open": close * 0.999, "high": close * 1.01, "low": close * 0.99, "close": close,
                       "volume": 1e6}, index=dates)
weights = pd.DataFrame({"model": [0, 1, 1, 0, 1, 1]}, index=dates[:6], dtype="float64")
sim = simulate_weights(prices, weights, "next_open", fees_bps=5.0, slippage_bps=5.0)
state = enable_numba_cache()
import vectorbt as vbt  # Portfolio.from_signals: vectorbt declares its kernel without cache=True
entries = pd.Series([False, True, False, False, True, False, False, False], index=dates)
exits = entries.shift(2, fill_value=False)
signals = vbt.Portfolio.from_signals(
    close=prices["close"], entries=entries, exits=exits, fees=0.0005, freq="1D"
)
kernels = state["kernels"]
used = {name: k for name, k in kernels.items() if k.signatures}
report = {
    "folder": str(state["folder"]),
    "rewrapped": state["rewrapped"],
    "used": sorted(used),
    "hits": sum(sum(k.stats.cache_hits.values()) for k in used.values()),
    "misses": sum(sum(k.stats.cache_misses.values()) for k in used.values()),
    "signals_hits": sum(kernels["vectorbt.portfolio.nb.simulate_from_signals_nb"].stats.cache_hits.values()),
    "equity": sim.equity["model"].round(6).tolist(),
    "signal_returns": signals.returns().round(9).tolist(),
    "message_before": before,
    "message_after": kernel_message(),
}
print(json.dumps(report))
"""


def _child(tmp_path: Path) -> dict:
    env = dict(os.environ)
    # A cache of its own: the environment's (the default) is filled by every run and by `make install`.
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba")
    env["ALPHACHECK_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_second_process_loads_the_compiled_kernels_from_the_alphacheck_cache(tmp_path):
    first = _child(tmp_path)
    assert first["folder"] == str(tmp_path / "numba")
    assert "vectorbt.portfolio.nb.simulate_from_orders_nb" in first["used"]
    # vectorbt 1.2 declares simulate_from_signals_nb without cache=True: re-wrapped here
    assert "vectorbt.portfolio.nb.simulate_from_signals_nb" in first["rewrapped"]
    assert "vectorbt.portfolio.nb.simulate_from_signals_nb" in first["used"]
    assert first["misses"] > 0 and first["hits"] == 0
    for kernel in ("simulate_from_orders_nb", "simulate_from_signals_nb"):
        assert list(Path(first["folder"]).rglob(f"*{kernel}*.nbi")), f"no cache index for {kernel}"

    # the progress line says which of the two the backtest is about to do
    assert first["message_before"].startswith("compiling the backtest kernels once (numba, about 30 s")
    assert first["message_after"] == f"loading the compiled backtest kernels from {first['folder']}"

    second = _child(tmp_path)
    assert second["message_before"] == first["message_after"]
    # callers load from disk with their callees linked in, so fewer kernels get dispatched at all
    assert set(second["used"]) < set(first["used"])
    assert "vectorbt.portfolio.nb.simulate_from_signals_nb" in second["used"]
    assert second["misses"] == 0 and second["hits"] >= 2
    assert second["signals_hits"] >= 1
    assert second["equity"] == first["equity"]  # same results from the cached code
    assert second["signal_returns"] == first["signal_returns"]


def test_the_cache_belongs_to_the_python_environment(tmp_path, monkeypatch):
    from alphacheck.backtest import numba_cache

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    assert numba_cache.numba_cache_dir() == tmp_path / "venv" / "var" / "alphacheck" / "numba"
    assert not (tmp_path / "home").exists()  # a user's home is not where compiled code goes
    assert not numba_cache.kernels_cached()
    python = f"py{sys.version_info[0]}{sys.version_info[1]}"
    folder = tmp_path / "venv" / "var" / "alphacheck" / "numba"
    index = folder / "portfolio_x" / f"nb.simulate_from_orders_nb-1.{python}.nbi"
    index.parent.mkdir()
    index.write_bytes(b"")
    assert numba_cache.kernels_cached()


def test_a_read_only_environment_falls_back_to_the_home_and_the_variable_wins(tmp_path, monkeypatch):
    from alphacheck.backtest import numba_cache

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    (tmp_path / "file").write_text("an environment no folder can be made in")
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "file"))
    assert numba_cache.numba_cache_dir() == tmp_path / "home" / "numba"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert numba_cache.numba_cache_dir() == tmp_path / "mine"


def test_the_kernel_line_tells_a_cold_cache_from_a_warm_one(tmp_path, monkeypatch):
    from alphacheck.backtest.numba_cache import kernel_message

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ALPHACHECK_NUMBA_CACHE", raising=False)
    assert kernel_message() == (
        f"compiling the backtest kernels once (numba, about 30 s; later runs load them from {tmp_path}; "
        "`alphacheck warm-up` does it ahead)"
    )
    python = f"py{sys.version_info[0]}{sys.version_info[1]}"
    index = tmp_path / "portfolio_0a1b" / f"nb.simulate_from_orders_nb-1352.{python}.nbi"
    index.parent.mkdir()
    index.touch()
    assert kernel_message() == f"loading the compiled backtest kernels from {tmp_path}"
    monkeypatch.setenv("ALPHACHECK_NUMBA_CACHE", "0")
    off = "compiling the backtest kernels (numba, about 30 s: ALPHACHECK_NUMBA_CACHE=0 keeps no copy)"
    assert kernel_message() == off
