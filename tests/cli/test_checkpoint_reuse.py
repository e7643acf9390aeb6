"""No silent reuse: a run that reads fold checkpoints says how many and from where; --fresh trains again."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.exceptions import ConfigError


@pytest.mark.slow
def test_a_rerun_says_how_many_folds_it_read_and_from_where(quick_run, tmp_path, monkeypatch):
    run_dir, _ = quick_run
    home = run_dir.parent / "home"  # where the session's quick run left its checkpoints
    monkeypatch.setenv("ALPHACHECK_HOME", str(home))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    again = tmp_path / "again"
    args = ["run", "quick", "--no-tracking", "--no-report", "--device", "cpu", "-o", str(again)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (folder,) = (home / "folds").iterdir()
    assert (
        f"baseline: 4 of 4 folds read from the fold checkpoints in {folder} (same data, settings, seed and "
        "code); --fresh trains them again" in result.output
    )
    # stderr is not a terminal here: one plain line per fold, no bar redrawn with escape codes
    assert "  baseline fold 4/4: test 2018-12-19..2018-12-27, read from its checkpoint" in result.output
    assert "\x1b" not in result.output and "\r" not in result.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(again / "predictions.parquet"), pd.read_parquet(run_dir / "predictions.parquet")
    )


def test_fresh_reaches_the_pipeline(monkeypatch, tmp_path):
    from alphacheck import pipeline

    seen = {}

    def stop(*args, **kwargs):
        seen.update(kwargs)
        raise ConfigError("stopped before training")

    monkeypatch.setattr(pipeline, "run", stop)
    for flags, fresh in (([], False), (["--fresh"], True)):
        result = CliRunner().invoke(cli, ["run", "quick", "--no-tracking", *flags, "-o", str(tmp_path / "r")])
        assert result.exit_code == 1 and "stopped before training" in result.output
        assert seen["fresh"] is fresh
