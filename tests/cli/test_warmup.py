"""``alphacheck warm-up`` compiles what a run needs, so the first run compiles nothing and says nothing of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from tests.conftest import REPO


def test_warm_up_help_says_what_it_does() -> None:
    result = CliRunner().invoke(cli, ["warm-up", "--help"])
    assert result.exit_code == 0
    assert "Compile vectorbt's numba kernels into the cache" in result.output
    assert "warm-up" in CliRunner().invoke(cli, ["--help"]).output


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_after_the_warm_up_a_first_run_compiles_nothing(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
           "ALPHACHECK_HOME": str(tmp_path / "home"), "FORCE_CPU": "1"}  # fmt: skip

    def alphacheck(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "alphacheck", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    warm = alphacheck("warm-up")
    assert f"numba cache: {tmp_path / 'numba'} (compiling" in warm.stderr
    compiled = _files(tmp_path / "numba")
    assert any("simulate_from_orders_nb" in name for name in compiled)
    assert not (tmp_path / "home").exists()  # nothing but kernels left behind
    run = alphacheck("run", "quick", "--no-tracking", "-o", str(tmp_path / "run"), "--epochs", "1",
                     "--param", "report.tearsheets=none", "--param", "training.checkpoint=false")  # fmt: skip
    assert "backtesting" in run.stderr and "compiling" not in run.stderr
    assert _files(tmp_path / "numba") == compiled  # every kernel the run needed was there
