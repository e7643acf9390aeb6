"""The README's walkthrough, as written: import a CSV, compute its features, run a scenario, open the report.

The commands are read from the README's block (so the test and the document
cannot drift apart) and run offline in an empty home, in a fresh working
folder holding the real SPY.csv. ``EPOCHS=1``, the original project's
variable, keeps training short without changing a command (and shows that
such a variable is said, and recorded, when it changes a setting).
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.exceptions import StressWarning
from alphacheck.tracking.mlflow_recorder import recent_runs

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = "<!-- walkthrough: tests/cli/test_readme_walkthrough.py runs these commands as written -->"

_spec = importlib.util.spec_from_file_location(
    "walk_browser", Path(__file__).parents[1] / "report" / "browser.py"
)
browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(browser)


def walkthrough_commands() -> list[list[str]]:
    """The ``alphacheck`` command lines of the README's walkthrough block, comments removed."""
    text = README.read_text(encoding="utf-8")
    block = re.search(re.escape(MARK) + r"\s*```bash\n(.*?)```", text, flags=re.DOTALL)
    assert block, "the README lost its walkthrough block"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("alphacheck ")]


def test_the_walkthrough_block_is_the_four_steps():
    steps = [" ".join(command[:2]) for command in walkthrough_commands()]
    assert steps == ["data import", "data list", "features compute", "run default"]
    for command in walkthrough_commands():  # no flag a user would have to know about
        assert not {"--source", "--start", "--end"} & set(command), command


@pytest.mark.slow
def test_the_readme_walkthrough_runs_offline_as_written(shared_yahoo_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(shared_yahoo_dir / "SPY.csv", tmp_path / "SPY.csv")
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    monkeypatch.setenv("EPOCHS", "1")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    runner = CliRunner()
    outputs = []
    for command in walkthrough_commands():
        if command[0] == "run":  # default's stress windows (2000-2018) lie before SPY.csv's predictions
            with pytest.warns(StressWarning):
                result = runner.invoke(cli, command)
        else:
            result = runner.invoke(cli, command)
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.output)
    assert re.search(r"SPY\s+import:SPY.csv\s+2018-01-02\s+2023-12-29\s+1509", outputs[1])
    features = pd.read_parquet(tmp_path / "SPY-features.parquet")
    assert features.index[-1] == pd.Timestamp("2023-12-29")  # every date the file holds
    folder = Path(re.search(r"run folder: (\S+)", outputs[3]).group(1))
    assert folder.parent == Path("runs") and folder.name.startswith("default-")
    # EPOCHS changed a setting: said once, first, and recorded in config.yaml and MLflow
    notice = "environment: EPOCHS=1 overrides training.epochs=20"
    assert outputs[3].splitlines()[0] == notice and outputs[3].count(notice) == 1
    run_output = outputs[3]
    steps = ["prices: SPY 2018-01-02..2023-12-29, 1509 bars (sample); building features and labels",
             "opening the MLflow store", "training baseline walk-forward", "backtesting", "backtest kernels",
             "writing the report", "logging the run to MLflow", "run folder:"]  # fmt: skip
    positions = [run_output.index(step) for step in steps]
    assert positions == sorted(positions), dict(zip(steps, positions))
    config = (tmp_path / folder / "config.yaml").read_text()
    assert config.startswith("# environment: EPOCHS=1 overrides training.epochs=20\n")
    assert yaml.safe_load(config)["training"]["epochs"] == 1
    (logged,) = recent_runs(f"sqlite:///{tmp_path / 'mlflow.db'}", 1)
    assert logged.params["environment.EPOCHS"] == "EPOCHS=1 overrides training.epochs=20"
    report = browser.render(tmp_path / folder / "index.html")
    assert report["errors"] == [] and report["broken"] == [] and report["images"] >= 3
