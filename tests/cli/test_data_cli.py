"""``alphacheck data``: --help for every subcommand and real runs through click's CliRunner."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.data import yahoo
from alphacheck.data.cache import PriceCache

CSV = """Date,Open,High,Low,Close,Adj Close,Volume
2021-03-01,10.0,10.5,9.8,10.2,5.1,100
2021-03-02,10.2,10.6,10.0,10.1,5.05,0
2021-03-03,10.1,10.5,9.9,10.4,5.2,90
"""


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ALPHACHECK_OFFLINE", raising=False)
    monkeypatch.setattr(yahoo, "_sleep", lambda seconds: None)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize(
    "args", [["data"], ["data", "fetch"], ["data", "import"], ["data", "list"], ["data", "show"]]
)
def test_help(runner, args):
    result = runner.invoke(cli, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage: cli " + " ".join(args) in result.output


def test_data_is_listed_by_the_top_level_help(runner):
    lines = runner.invoke(cli, ["--help"]).output.splitlines()
    assert ["data", "Fetch, import, list and inspect cached prices."] in [
        line.split(None, 1) for line in lines
    ]


def test_import_list_show(runner, tmp_path):
    path = tmp_path / "xyz.csv"
    path.write_text(CSV)
    result = runner.invoke(cli, ["data", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"XYZ: 3 rows 2021-03-01 to 2021-03-03 from {path}" in result.output
    assert "warning: zero volume on 2021-03-02" in result.output

    listing = runner.invoke(cli, ["data", "list"]).output.splitlines()
    assert listing[0].split() == ["ticker", "source", "first", "last", "rows", "fetched_at"]
    assert listing[1].split()[:5] == ["XYZ", "import:xyz.csv", "2021-03-01", "2021-03-03", "3"]

    shown = runner.invoke(cli, ["data", "show", "xyz", "--rows", "1"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].startswith("XYZ: 3 rows 2021-03-01 to 2021-03-03, source import:xyz.csv")
    date, open_ = lines[3].split()[:2]
    assert (date, float(open_)) == ("2021-03-01", pytest.approx(10.0 * 5.1 / 10.2, rel=1e-12))
    assert lines[-1] == "warning: zero volume on 2021-03-02"


def test_import_under_another_name_replaces_and_says_so(runner, tmp_path):
    path = tmp_path / "xyz.csv"
    path.write_text(CSV)
    runner.invoke(cli, ["data", "import", str(path), "--ticker", "abc"])
    again = runner.invoke(cli, ["data", "import", str(path), "--ticker", "ABC"])
    assert again.exit_code == 0
    assert "(replaced import:xyz.csv, 2021-03-01 to 2021-03-03)" in again.output
    assert PriceCache().tickers() == ["ABC"]


def test_import_refuses_broken_files_in_one_line(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(CSV.replace("2021-03-03,10.1,10.5", "2021-03-03,10.1,9.0"))
    result = runner.invoke(cli, ["data", "import", str(path)])
    assert result.exit_code == 1
    assert result.output == "Error: BAD: high below open/close or low above them on 2021-03-03\n"
    assert PriceCache().tickers() == []


def test_fetch_downloads_through_the_seam(runner, monkeypatch):
    from tests.data.conftest import FakeYahoo, yahoo_frame

    fake = FakeYahoo({"SPY": yahoo_frame()})
    monkeypatch.setattr(yahoo, "download", fake)
    result = runner.invoke(cli, ["data", "fetch", "SPY", "--start", "2020-01-02", "--end", "2020-01-31"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split() == ["SPY", "yahoo", "2020-01-02", "2020-01-31", "21", "21"]
    again = runner.invoke(cli, ["data", "fetch", "SPY", "--start", "2020-01-02", "--end", "2020-01-31"])
    assert again.output.splitlines()[1].split()[-1] == "0"
    assert fake.calls == [("SPY", dt.date(2020, 1, 2), dt.date(2020, 1, 31))]


def test_fetch_offline_fails_in_one_line(runner, monkeypatch):
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    result = runner.invoke(cli, ["data", "fetch", "SPY", "--start", "2020-01-02", "--end", "2020-01-10"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: SPY: 2020-01-02 to 2020-01-10 (7 trading days) not in the cache")


def test_show_unknown_and_sample(runner):
    result = runner.invoke(cli, ["data", "show", "SP5000"])
    assert result.exit_code == 1
    assert "SP5000 is not in the cache" in result.output and "(did you mean 'SP500'?)" in result.output


def test_list_of_an_empty_cache(runner):
    result = runner.invoke(cli, ["data", "list"])
    assert result.exit_code == 0
    assert result.output.startswith("no cached prices in ")


def test_fetch_reports_validation_warnings(runner, monkeypatch):
    from tests.data.conftest import FakeYahoo, yahoo_frame

    frame = yahoo_frame()
    frame.loc[frame.index[frame.index.strftime("%Y-%m-%d") == "2020-01-08"], "Volume"] = 0.0
    monkeypatch.setattr(yahoo, "download", FakeYahoo({"SPY": frame}))
    result = runner.invoke(cli, ["data", "fetch", "SPY", "--start", "2020-01-02", "--end", "2020-01-31"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "  warning: SPY: zero volume on 2020-01-08"


def test_fetch_a_universe_file_in_batches_with_a_summary(runner, tmp_path, monkeypatch):
    import pandas as pd

    days = pd.bdate_range("2021-03-01", "2021-03-12", tz="America/New_York")
    frame = pd.DataFrame(
        {"Open": 10.0, "High": 11.0, "Low": 9.0, "Close": 10.5, "Adj Close": 10.0, "Volume": 1e5}, index=days
    )
    calls = []

    def batch(tickers, start, end):
        calls.append(list(tickers))
        return {t: frame if t != "GONE" else "GONE: possibly delisted; no price data found" for t in tickers}

    monkeypatch.setattr(yahoo, "download_many", batch)
    universe = tmp_path / "universe.txt"
    universe.write_text("# three names\nAAA\nbbb  # lower case is fine\n\nGONE\n")
    args = ["data", "fetch", "--tickers-file", str(universe), "--start", "2021-03-01", "--end", "2021-03-12"]
    result = runner.invoke(cli, [*args, "--batch-size", "2"])
    assert result.exit_code == 1, result.output
    assert calls == [["AAA", "BBB"], ["GONE"]]
    assert "batch 1/2: 2 tickers; so far 2 downloaded, 0 failed" in result.output
    assert f"3 tickers from {universe}: 0 already cached, 2 downloaded (20 rows), 1 failed" in result.output
    assert "  failed: GONE: GONE: possibly delisted; no price data found" in result.output
    # Rerun: the cached ones are skipped, only the failure is asked again.
    again = runner.invoke(cli, args)
    assert calls[-1] == ["GONE"] and "2 already cached, 0 downloaded (0 rows), 1 failed" in again.output


@pytest.mark.parametrize("extra", [[], ["SPY", "--tickers-file", "u.txt"]])
def test_fetch_needs_tickers_or_a_tickers_file(runner, extra):
    result = runner.invoke(cli, ["data", "fetch", "--start", "2021-01-04", *extra])
    assert result.exit_code == 2
    assert "give TICKERS or --tickers-file FILE (one of them)" in result.output


def test_fetch_names_a_bad_universe_file_line(runner, tmp_path):
    universe = tmp_path / "u.txt"
    universe.write_text("AAA\nBRK B\n")
    result = runner.invoke(cli, ["data", "fetch", "--tickers-file", str(universe), "--start", "2021-01-04"])
    assert result.exit_code == 1
    assert f"{universe}:2: 'BRK B' is not one ticker symbol" in result.output


def test_source_means_the_data_source_everywhere():
    # `--source` is data.source (sample, yahoo, csv) on every command that takes it; `data show` reads
    # one of two places, named by --from.
    from alphacheck.cli.main import cli as group

    for path in (["run"], ["features", "compute"]):
        command = group
        for name in path:
            command = command.get_command(None, name) if hasattr(command, "get_command") else command
        option = next(p for p in command.params if p.name == "source")
        assert option.opts == ["--source"] and list(option.type.choices) == ["sample", "yahoo", "csv"], path
    show = group.get_command(None, "data").get_command(None, "show")
    assert [p.opts for p in show.params if p.name == "source"] == [["--from"]]


def test_data_show_reads_the_sample_with_from():
    result = CliRunner().invoke(cli, ["data", "show", "NASDAQ", "--from", "sample", "--rows", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith("rows, embedded sample")
