"""A real interruption: kill a walk-forward subprocess after some folds, rerun, compare."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

CHILD = r"""
import json, sys
import numpy as np, pandas as pd, torch
torch.set_num_threads(1)
from alphacheck.features import build_dataset
from alphacheck.models import seed_everything
from alphacheck.scenarios import validate_scenario
from alphacheck.walkforward import run_walkforward

rng = np.random.default_rng(11)
n = 1000
dates = pd.bdate_range("2015-01-01", periods=n, name="date")
close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n)))
open_ = close * np.exp(rng.normal(0, 0.003, n))
prices = pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.002,
                       "low": np.minimum(open_, close) * 0.998, "close": close,
                       "volume": rng.integers(1_000_000, 5_000_000, n).astype("float64")}, index=dates)
scenario = validate_scenario({
    "name": "killme", "seed": 3,
    "walkforward": {"train_days": 300, "test_days": 40, "purge_days": 2, "validation_days": 60,
                    "sequence_length": 10},
    "training": {"epochs": 6, "batch_size": 32, "patience": 6, **json.loads(sys.argv[3])["training"]},
    "compute": json.loads(sys.argv[3]).get("compute", {}),
    "variants": ["baseline"],
})
seed_everything(scenario.seed)
result = run_walkforward({"SYN": build_dataset(prices, "basic", "next_open")}, scenario, "cpu")
result.predictions.to_parquet(sys.argv[1], index=False)
with open(sys.argv[2], "w") as fh:
    json.dump(result.folds, fh)
"""


WARM_START = {"training": {"warm_start": True}}
# Stacks of three folds; baseline's dropout (0.1) is on, so the per-fold dropout streams must replay too.
BATCHED = {
    "training": {"warm_start": False},
    "compute": {"fold_concurrency": "batched", "fold_group_size": 3},
}


def _child(
    tmp_path: Path, home: Path, name: str, settings: dict = WARM_START
) -> tuple[list[str], dict[str, str]]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "ALPHACHECK_HOME": str(home), "OMP_NUM_THREADS": "1"}
    return [
        sys.executable,
        str(script),
        str(tmp_path / f"{name}.parquet"),
        str(tmp_path / f"{name}.json"),
        json.dumps(settings),
    ], env


def _checkpoints(home: Path) -> list[Path]:
    return sorted(home.glob("folds/*/fold-*.pt"))


def _kill_after_checkpoints(command: list[str], env: dict[str, str], home: Path, at_least: int) -> int:
    """Start the child, SIGKILL it once ``at_least`` fold checkpoints exist; the checkpoints it left."""
    child = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 600
    while len(_checkpoints(home)) < at_least and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    return len(_checkpoints(home))


@pytest.mark.slow
def test_killed_run_resumes_and_matches_an_uninterrupted_run(tmp_path):
    command, env = _child(tmp_path, tmp_path / "home-a", "whole")
    subprocess.run(command, env=env, check=True, timeout=600)
    whole = pd.read_parquet(tmp_path / "whole.parquet")
    n_folds = len(json.loads((tmp_path / "whole.json").read_text()))
    assert n_folds >= 10

    home = tmp_path / "home-b"
    command, env = _child(tmp_path, home, "resumed")
    done = _kill_after_checkpoints(command, env, home, 3)
    assert 3 <= done < n_folds, "the child was not interrupted mid-run"
    assert not (tmp_path / "resumed.parquet").exists()

    subprocess.run(command, env=env, check=True, timeout=600)
    records = json.loads((tmp_path / "resumed.json").read_text())
    resumed = [r["resumed"] for r in records]
    assert resumed[:done] == [True] * done and not any(resumed[done:])
    pd.testing.assert_frame_equal(whole, pd.read_parquet(tmp_path / "resumed.parquet"), check_exact=True)


@pytest.mark.slow
def test_killed_batched_run_retrains_unfinished_stacks_and_matches_an_uninterrupted_run(tmp_path):
    command, env = _child(tmp_path, tmp_path / "home-a", "whole", BATCHED)
    subprocess.run(command, env=env, check=True, timeout=600)
    whole = pd.read_parquet(tmp_path / "whole.parquet")
    stacks = [r["fold_stack"] for r in json.loads((tmp_path / "whole.json").read_text())]
    assert len(stacks) >= 10 and max(stacks) == 3

    home = tmp_path / "home-b"
    command, env = _child(tmp_path, home, "resumed", BATCHED)
    done = _kill_after_checkpoints(command, env, home, 3)
    assert 3 <= done < len(stacks), "the child was not interrupted mid-run"

    subprocess.run(command, env=env, check=True, timeout=600)
    resumed = [r["resumed"] for r in json.loads((tmp_path / "resumed.json").read_text())]
    # Only whole stacks resume; a stack the kill caught half-saved trains again in full.
    finished = 0  # folds in the stacks wholly checkpointed before the kill
    while finished < len(stacks) and finished + stacks[finished] <= done:
        finished += stacks[finished]
    assert resumed == [True] * finished + [False] * (len(stacks) - finished)
    pd.testing.assert_frame_equal(whole, pd.read_parquet(tmp_path / "resumed.parquet"), check_exact=True)
