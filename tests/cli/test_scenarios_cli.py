"""``alphacheck scenarios list | show | validate`` through click's runner."""

from __future__ import annotations

from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.scenarios import shipped_scenarios

SHIPPED = (
    "biotech_winter_2022", "covid_crash_2020", "default", "original_claims", "portfolio_demo", "quick",
    "transaction_costs",
)


def test_help_of_the_group_and_each_subcommand():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert "scenarios" in top.output and "List, show and validate scenario files." in top.output
    for args in (["scenarios"], ["scenarios", "list"], ["scenarios", "show"], ["scenarios", "validate"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage: cli " + " ".join(args) in result.output


def test_list_names_every_shipped_scenario_with_its_data_and_stress():
    result = CliRunner().invoke(cli, ["scenarios", "list"])
    assert result.exit_code == 0, result.output
    assert sorted(shipped_scenarios()) == list(SHIPPED)
    lines = result.output.splitlines()
    for name in SHIPPED:
        assert any(line.startswith(name + " ") for line in lines), name
    assert "yahoo:SPY,AAPL,MSFT 2018-01-01..2023-12-31; 2 windows, 2 shocks" in result.output
    assert "sample:SP500,NASDAQ first..last; 6 windows, 4 shocks" in result.output
    assert "original_claims      yahoo:AAPL,MSFT 2018-01-01..2023-12-31; 0 windows, 0 shocks" in result.output
    assert "INVALID" not in result.output


def test_show_prints_the_file_with_its_comments():
    result = CliRunner().invoke(cli, ["scenarios", "show", "covid_crash_2020"])
    assert result.exit_code == 0, result.output
    assert result.output == shipped_scenarios()["covid_crash_2020"].read_text()
    assert result.output.startswith("# The COVID crash")


def test_show_resolved_fills_in_the_defaults(monkeypatch):
    for variable in ("TICKERS", "EPOCHS", "MODEL_VARIANT", "INGESTION_START_DATE"):
        monkeypatch.delenv(variable, raising=False)
    result = CliRunner().invoke(cli, ["scenarios", "show", "quick", "--resolved"])
    assert result.exit_code == 0, result.output
    assert "cost_levels_bps:" in result.output  # a default the file does not set
    assert "name: february_2018" in result.output
    assert "#" not in result.output


def test_show_an_unknown_name_suggests_the_closest():
    result = CliRunner().invoke(cli, ["scenarios", "show", "covid_crash"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: scenario file 'covid_crash' not found (did you mean 'covid_crash_2020'?)"
    )
    assert "Traceback" not in result.output


def test_validate_accepts_every_shipped_file():
    files = [str(path) for path in shipped_scenarios().values()]
    result = CliRunner().invoke(cli, ["scenarios", "validate", *files])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok: ") == len(SHIPPED)
    assert "transaction_costs: variants baseline; 0 stress windows, 1 shocks, 10 cost levels" in result.output


def test_validate_names_the_file_the_key_path_and_the_fix(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\n"
        "stress:\n"
        "  windows:\n"
        "    - {name: w, start: 2020-03-01, end: 2020-02-01}\n"
        "  shocks:\n"
        "    - {kind: crash, name: c, drop_pct: 20, dayz: 3}\n"
        "    - {kind: volatilty, name: v, scale: 2}\n"
    )
    good = tmp_path / "good.yaml"
    good.write_text("name: good\n")
    result = CliRunner().invoke(cli, ["scenarios", "validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"ok: {good}" in result.output
    assert f"invalid: {bad}: " in result.output
    assert "window 'w': start 2020-03-01 must be before end 2020-02-01" in result.output
    assert "unknown key 'stress.shocks.0.crash.dayz' (did you mean 'days'?)" in result.output
    assert "stress.shocks.1.kind = 'volatilty' is unknown (did you mean 'volatility'?)" in result.output
    assert result.output.rstrip().endswith("Error: 1 of 2 scenario file(s) invalid")
    assert "Traceback" not in result.output


def test_validate_a_missing_file_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["scenarios", "validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert "none.yaml' not found" in result.output


def test_show_resolved_applies_the_environment_variables(monkeypatch):
    monkeypatch.setenv("TICKERS", "spy,msft")
    monkeypatch.setenv("EPOCHS", "3")
    result = CliRunner().invoke(cli, ["scenarios", "show", "quick", "--resolved"])
    assert result.exit_code == 0, result.output
    assert "  tickers:\n  - SPY\n  - MSFT\n" in result.output
    assert "  epochs: 3\n" in result.output
