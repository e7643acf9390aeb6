import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli

HEAVY = ("torch", "vectorbt", "quantstats", "mlflow", "numba", "matplotlib", "sklearn", "ray", "yfinance")

_PROBE = textwrap.dedent(
    """
    import sys, click
    from alphacheck.cli.main import cli

    def walk(group, path):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            yield path + [name]
            if isinstance(command, click.Group):
                yield from walk(command, path + [name])

    paths = [[]] + list(walk(cli, []))
    for path in paths:
        try:
            cli.main(path + ["--help"], prog_name="alphacheck", standalone_mode=False)
        except SystemExit:
            pass
    heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
    print("HEAVY=" + ",".join(heavy))
    print("COMMANDS=" + ";".join(" ".join(p) for p in paths))
    """
)


def test_every_help_answers_without_importing_heavy_libraries():
    out = subprocess.run([sys.executable, "-c", _PROBE, *HEAVY], capture_output=True, text=True, check=True).stdout
    lines = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and line.split("=")[0].isupper())
    assert lines["HEAVY"] == "", f"--help imported {lines['HEAVY']}"
    assert "run" in lines["COMMANDS"].split(";")


def test_run_help_lists_the_options():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--output", "--seed", "--device", "--tracking-uri", "--no-tracking"):
        assert option in result.output


def _one_line_error(result, code=1):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1
    return errors[0]


def test_missing_scenario_file_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.yaml"), "--no-tracking"])
    line = _one_line_error(result)
    assert "nope.yaml' not found" in line and "default, " in line and "quick, " in line


def test_misspelt_shipped_scenario_gets_a_hint():
    line = _one_line_error(CliRunner().invoke(cli, ["run", "quik", "--no-tracking"]))
    assert "did you mean 'quick'" in line


def test_unknown_sample_ticker_is_one_clear_line(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("name: bad\ndata: {source: sample, tickers: [APPL]}\n")
    line = _one_line_error(CliRunner().invoke(cli, ["run", str(scenario), "--no-tracking", "-o", str(tmp_path / "o")]))
    assert "unknown ticker 'APPL' for source 'sample'" in line and "SP500, NASDAQ" in line


def test_unknown_device_flag_is_refused_by_the_option():
    result = CliRunner().invoke(cli, ["run", "quick", "--device", "tpu", "--no-tracking"])
    assert result.exit_code == 2 and "Invalid value for '--device'" in result.output


def test_unknown_device_in_the_scenario_names_file_key_and_choices(tmp_path):
    scenario = tmp_path / "dev.yaml"
    scenario.write_text("name: dev\ndevice: gpu\n")
    line = _one_line_error(CliRunner().invoke(cli, ["run", str(scenario), "--no-tracking"]))
    assert "dev.yaml" in line and "device = 'gpu'" in line and "'cuda'" in line


def test_unknown_key_in_the_scenario_gets_a_hint(tmp_path):
    scenario = tmp_path / "typo.yaml"
    scenario.write_text("name: typo\nwalkforward: {train_dayz: 500}\n")
    line = _one_line_error(CliRunner().invoke(cli, ["run", str(scenario), "--no-tracking"]))
    assert "unknown key 'walkforward.train_dayz' (did you mean 'train_days'?)" in line


def test_cuda_on_a_machine_without_it_is_one_clear_line(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    line = _one_line_error(CliRunner().invoke(cli, ["run", "quick", "--device", "cuda", "--no-tracking", "-o", str(tmp_path)]))
    assert "device 'cuda' requested but torch sees no CUDA GPU" in line


def test_tracking_uri_and_no_tracking_exclude_each_other():
    result = CliRunner().invoke(cli, ["run", "quick", "--no-tracking", "--tracking-uri", "sqlite:///x.db"])
    assert result.exit_code == 2 and "exclude each other" in result.output


_WARNS = textwrap.dedent(
    """
    import warnings
    from alphacheck.cli.errors import one_line_warnings
    from alphacheck.exceptions import DataWarning

    with one_line_warnings():
        warnings.warn("SP500: the open equals the previous close on 3 days", DataWarning)
        warnings.warn("not ours", UserWarning)
    with warnings.catch_warnings(record=True) as log, one_line_warnings():
        warnings.warn("recorded", DataWarning)
    print(len(log), log[0].category.__name__, log[0].message)
    """
)


def test_the_cli_shows_its_warnings_as_one_line_and_recorders_still_receive_them():
    done = subprocess.run([sys.executable, "-c", _WARNS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "warning: SP500: the open equals the previous close on 3 days"
    assert "UserWarning: not ours" in lines[1]  # other libraries' warnings keep Python's format
    assert done.stdout.strip() == "1 DataWarning recorded"  # pytest.warns, notebooks: not swallowed
