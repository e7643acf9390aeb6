"""One meaning per flag: tracking flags alike on every command that logs, -o always a folder."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.exceptions import ConfigError


def _command(*path: str) -> click.Command:
    command = cli
    for name in path:
        command = command.get_command(None, name)
    return command


def _options(command: click.Command) -> dict[str, click.Parameter]:
    return {p.name: p for p in command.params}


@pytest.mark.parametrize("path", [("run",), ("compare",)])
def test_every_command_that_logs_takes_the_same_tracking_flags(path):
    options = _options(_command(*path))
    assert options["tracking_uri"].envvar == "MLFLOW_TRACKING_URI"
    assert options["no_tracking"].is_flag
    assert list(options["tracking_mode"].type.choices) == ["strict", "fallback"]


def test_output_is_a_folder_and_a_single_file_is_output_file():
    for path in (("run",), ("reproduce",)):
        output = _options(_command(*path))["output"]
        assert "-o" in output.opts and not output.type.file_okay, path
    for path in (("features", "compute"), ("audit",)):
        options = _options(_command(*path))
        assert "output" not in options and not options["output_file"].type.dir_okay, path
        assert options["output_file"].opts == ["--output-file"]


@pytest.mark.parametrize("path", [("run", "quick"), ("compare", ".")])
def test_the_two_tracking_flags_on_one_command_line_are_refused(path):
    result = CliRunner().invoke(cli, [*path, "--tracking-uri", "sqlite:///x.db", "--no-tracking"])
    assert result.exit_code == 2 and "--tracking-uri and --no-tracking exclude each other" in result.output


def test_no_tracking_beats_the_environment_on_run(monkeypatch, tmp_path):
    from alphacheck import pipeline

    seen = {}

    def stop(scenario, output, recorder, **kwargs):
        seen["recorder"] = recorder
        raise ConfigError("stopped before training")

    monkeypatch.setattr(pipeline, "run", stop)
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    result = CliRunner().invoke(cli, ["run", "quick", "--no-tracking", "-o", str(tmp_path / "r")], env=env)
    assert result.exit_code == 1 and "stopped before training" in result.output
    assert seen["recorder"] is None  # no tracking, although the environment names a store
