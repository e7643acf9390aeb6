"""``alphacheck run --executor``: the flags, a bad value, and a real run in worker processes."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli


def test_run_help_lists_the_executor_flags():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0
    for flag in ("--executor", "--workers", "--ray-address"):
        assert flag in result.output


def test_unknown_executor_is_refused_with_the_choices(tmp_path):
    result = CliRunner().invoke(cli, ["run", "quick", "--no-tracking", "--executor", "threads"])
    assert result.exit_code == 2
    assert "'threads' is not one of 'local', 'processes', 'ray'" in result.output


@pytest.mark.slow
def test_processes_executor_run_equals_the_local_run(tmp_path):
    env = {"ALPHACHECK_HOME": str(tmp_path / "home")}
    common = ["run", "quick", "--no-tracking", "-q", "--epochs", "2", "--variants", "baseline,lightweight"]
    local = CliRunner().invoke(cli, [*common, "-o", str(tmp_path / "local")], env=env)
    assert local.exit_code == 0, local.output
    env["ALPHACHECK_HOME"] = str(tmp_path / "other-home")  # no checkpoints to reuse: the workers train
    spread = CliRunner().invoke(
        cli, [*common, "--executor", "processes", "--workers", "2", "-o", str(tmp_path / "spread")], env=env
    )
    assert spread.exit_code == 0, spread.output
    expected = pd.read_parquet(tmp_path / "local" / "predictions.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "spread" / "predictions.parquet"), expected)
    assert spread.output == local.output  # the same metrics table


def test_fold_concurrency_flag_is_listed_and_checked():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "--fold-concurrency" in result.output
    refused = CliRunner().invoke(cli, ["run", "quick", "--no-tracking", "--fold-concurrency", "parallel"])
    assert refused.exit_code == 2
    assert "'parallel' is not one of 'sequential', 'batched'" in refused.output


@pytest.mark.slow
def test_batched_run_through_the_cli_records_its_stacks(tmp_path):
    import json

    env = {"ALPHACHECK_HOME": str(tmp_path / "home")}
    args = ["run", "quick", "--no-tracking", "-q", "--epochs", "2", "--fold-concurrency", "batched"]
    result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "run")], env=env)
    assert result.exit_code == 0, result.output
    folds = json.loads((tmp_path / "run" / "metrics.json").read_text())["folds"]
    assert [r["fold_stack"] for r in folds] == [len(folds)] * len(folds)
    env["ALPHACHECK_FOLD_CONCURRENCY"] = "batched"  # the environment variable sets it too
    again = CliRunner().invoke(cli, [*args[:-2], "-o", str(tmp_path / "again")], env=env)
    assert again.exit_code == 0, again.output
    assert all(r["resumed"] for r in json.loads((tmp_path / "again" / "metrics.json").read_text())["folds"])
