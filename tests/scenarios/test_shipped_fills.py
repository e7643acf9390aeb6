"""No shipped scenario fills at stale opens: an open that copies the previous close is the signal's own price."""

from __future__ import annotations

import pandas as pd
import pytest

from alphacheck.data import load_sample, normalise_ohlcv
from alphacheck.data.validation import stale_open_years
from alphacheck.scenarios import load_scenario
from alphacheck.scenarios.loader import shipped_scenarios


def _prices(scenario, ticker: str, yahoo_dir) -> pd.DataFrame:
    if scenario.data.source == "sample":
        frame = load_sample(ticker)
    else:  # the shipped Yahoo scenarios' tickers, read from the real CSVs instead of the network
        raw = pd.read_csv(yahoo_dir / f"{ticker}.csv", index_col="Date", parse_dates=True)
        frame = normalise_ohlcv(raw, ticker)
    start, end = (pd.Timestamp(d) if d else None for d in (scenario.data.start, scenario.data.end))
    return frame.loc[start:end]


@pytest.mark.slow  # importing arch's data costs seconds
@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_shipped_scenarios_never_fill_at_stale_opens(name, shared_yahoo_dir):
    scenario = load_scenario(name)
    stale = {
        ticker: stale_open_years(_prices(scenario, ticker, shared_yahoo_dir)) for ticker in scenario.data.tickers
    }
    if scenario.backtest.execution == "next_open":
        assert stale == dict.fromkeys(scenario.data.tickers, {})
    elif name == "default":  # it trades at the next close because SP500's early opens are stale
        assert list(stale["SP500"]) == list(range(1999, 2007)) and stale["NASDAQ"] == {}
