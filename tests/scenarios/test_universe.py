"""Universe files: the format, data.tickers_file in a scenario, and how overrides treat it."""

from __future__ import annotations

import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios import apply_overrides, validate_scenario
from alphacheck.scenarios.universe import read_tickers_file


@pytest.fixture
def universe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "universe.txt"
    path.write_text("# tech\naapl\nMSFT   # after the symbol\n\n   \n^GSPC\nBRK-B\nEURUSD=X\n")
    return path


def test_symbols_in_file_order_upper_cased_comments_and_blanks_skipped(universe):
    assert read_tickers_file(universe) == ["AAPL", "MSFT", "^GSPC", "BRK-B", "EURUSD=X"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("AAPL\nMSFT GOOG\n", r"universe.txt:2: 'MSFT GOOG' is not one ticker symbol"),
        ("AAPL\nmsft\nAAPL\n", r"universe.txt:3: AAPL is listed twice \(first on line 1\)"),
        ("# nothing\n\n", r"tickers file '.*universe.txt' lists no symbol"),
    ],
)
def test_bad_files_name_the_line(tmp_path, text, message):
    path = tmp_path / "universe.txt"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_tickers_file(path)


def test_a_missing_file_says_where_relative_paths_start(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ConfigError, match=rf"tickers file 'nope.txt' not found \(relative paths start at {tmp_path}"
    ):
        read_tickers_file("nope.txt")


def test_a_scenario_reads_its_tickers_from_the_file(universe):
    scenario = validate_scenario({"name": "u", "data": {"tickers_file": "universe.txt"}})
    assert scenario.data.tickers == ["AAPL", "MSFT", "^GSPC", "BRK-B", "EURUSD=X"]
    # The resolved config (tickers and file) validates again, and a portfolio's k is checked against it.
    again = validate_scenario(scenario.model_dump(mode="json"))
    assert again.data == scenario.data
    with pytest.raises(
        ConfigError, match=r"portfolio.k = 6 with policy 'long_only' needs k <= the 5 tickers"
    ):
        validate_scenario(
            {
                "name": "u",
                "data": {"tickers_file": "universe.txt"},
                "portfolio": {"selection": "top_k", "k": 6},
            }
        )


def test_tickers_and_a_file_that_disagree_are_refused(universe):
    with pytest.raises(
        ConfigError, match=r"data.tickers \(SPY\) and data.tickers_file \(universe.txt: AAPL, "
    ):
        validate_scenario({"name": "u", "data": {"tickers": ["SPY"], "tickers_file": "universe.txt"}})


def test_a_resolved_config_whose_file_is_gone_keeps_its_tickers(universe):
    resolved = validate_scenario({"name": "u", "data": {"tickers_file": "universe.txt"}}).model_dump(
        mode="json"
    )
    universe.unlink()
    assert validate_scenario(resolved).data.tickers == ["AAPL", "MSFT", "^GSPC", "BRK-B", "EURUSD=X"]
    with pytest.raises(ConfigError, match=r"data: tickers file 'universe.txt' not found"):
        validate_scenario({"name": "u", "data": {"tickers_file": "universe.txt"}})


def test_overriding_the_tickers_replaces_the_file_and_the_other_way_round(universe):
    scenario = validate_scenario({"name": "u", "data": {"tickers_file": "universe.txt"}})
    listed = apply_overrides(scenario, {"data.tickers": ["SPY", "QQQ"]})
    assert listed.data.tickers == ["SPY", "QQQ"] and listed.data.tickers_file is None
    (universe.parent / "two.txt").write_text("XBI\nSPY\n")
    from_file = apply_overrides(listed, {"data.tickers_file": "two.txt"})
    assert from_file.data.tickers == ["XBI", "SPY"]
