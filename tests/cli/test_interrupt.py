"""Ctrl-C ends a run with exit status 130 and one line, keeping the finished folds (issue 14, finding 12).

Before, click printed "Aborted!" and exited 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from alphacheck.cli.errors import EXIT_INTERRUPTED, run_command
from alphacheck.cli.main import cli
from tests.conftest import REPO


def test_a_keyboard_interrupt_in_any_command_exits_130(monkeypatch):
    import alphacheck.cli.scenarios as module

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "_check_features", stopped)
    result = CliRunner().invoke(cli, ["scenarios", "validate", "quick"])
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.output.strip() == "Interrupted." and "Aborted" not in result.output


def test_run_command_maps_each_failure_to_its_status():
    def raises(exc):
        def main():
            raise exc

        return main

    assert run_command(raises(KeyboardInterrupt()), verbose=False) == 130
    assert run_command(raises(PermissionError(13, "Permission denied", "/x")), verbose=False) == 1
    assert run_command(lambda: 3, verbose=False) == 3
    assert run_command(lambda: None, verbose=False) == 0


def _checkpoints(home: Path) -> list[Path]:
    return sorted((home / "folds").glob("*/fold-*.pt"))


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "processes"])
def test_ctrl_c_during_training_exits_130_and_keeps_the_finished_folds(tmp_path, executor):
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(REPO), "ALPHACHECK_HOME": str(home), "FORCE_CPU": "1"}
    command = [sys.executable, "-m", "alphacheck", "run", "quick", "--no-tracking", "-q", "--epochs", "3",
               "--variants", "baseline,lightweight", "--executor", executor, "--workers", "2",
               "-o", str(tmp_path / "out")]  # fmt: skip
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    child = subprocess.Popen(command, env=env, cwd=tmp_path, **pipes)
    deadline = time.monotonic() + 540
    while not _checkpoints(home) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert child.poll() is None, "the run ended before a fold was checkpointed"
    kept = _checkpoints(home)
    child.send_signal(signal.SIGINT)  # to the run only: its workers must be stopped by the run
    stopped = time.monotonic()
    stdout, stderr = child.communicate(timeout=120)
    assert time.monotonic() - stopped < 60  # no waiting for the folds still in training
    assert child.returncode == EXIT_INTERRUPTED, stderr[-3000:]
    assert "Traceback" not in stderr and "Aborted" not in stderr
    expected = f"Interrupted: the run was stopped; the folds it finished are kept as checkpoints in {home / 'folds'}"
    assert expected in stderr
    assert set(kept) <= set(_checkpoints(home))
