"""``run --tickers A,B``: a comma list, and it wins over the TICKERS environment variable."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")


def test_run_help_shows_the_tickers_flag():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0
    assert "--ticker, --tickers" in result.output and "--variants" in result.output


@pytest.mark.slow  # the pipeline imports torch before it loads prices
def test_flags_beat_the_environment_which_beats_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERS", "AAPL")
    monkeypatch.setenv("INGESTION_START_DATE", "2019-01-01")
    args = ["run", "covid_crash_2020", "--tickers", "XBI,MSFT", "--end", "2021-12-31", "--no-tracking"]
    result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "run")])
    assert result.exit_code == 1
    # The file says SPY, AAPL, MSFT from 2018; TICKERS says AAPL; the flag says XBI and MSFT.
    # Offline with an empty cache, the first ticker asked for is the one refused,
    # with the start from INGESTION_START_DATE and the end from --end.
    # INGESTION_START_DATE changed a setting: said first, once; TICKERS did not (the flag beat it).
    notice, error = result.output.splitlines()[:2]
    assert notice == "environment: INGESTION_START_DATE=2019-01-01 overrides data.start=2018-01-01"
    assert error.startswith("Error: XBI: 2019-01-01 to 2021-12-31"), result.output
    assert "TICKERS" not in result.output
    assert "Traceback" not in result.output
