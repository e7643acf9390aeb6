"""The portfolio block of the scenario schema: defaults, and the errors users see."""

from __future__ import annotations

import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios import validate_scenario
from alphacheck.scenarios.portfolio import PortfolioConfig

FIVE = {"source": "sample", "tickers": ["A", "B", "C", "D", "E"]}


def test_without_the_block_there_is_no_portfolio():
    assert validate_scenario({"name": "plain"}).portfolio is None


def test_defaults_and_costs_fall_back_to_the_backtest_block():
    scenario = validate_scenario({"name": "p", "data": FIVE, "portfolio": {}})
    assert scenario.portfolio == PortfolioConfig()
    assert (scenario.portfolio.allocation, scenario.portfolio.selection) == ("equal", "threshold")
    assert (scenario.portfolio.max_weight, scenario.portfolio.gross_exposure) == (1.0, 1.0)
    assert scenario.portfolio.rebalance == "daily" and scenario.portfolio.fees_bps is None


@pytest.mark.parametrize(
    ("data", "portfolio", "backtest", "message"),
    [
        (
            FIVE,
            {"allocaton": "equal"},
            {},
            r"unknown key 'portfolio.allocaton' \(did you mean 'allocation'\?\)",
        ),
        (FIVE, {"allocation": "equals"}, {}, r"portfolio.allocation = 'equals': Input should be 'equal'"),
        (FIVE, {"selection": "top_k"}, {}, r"selection 'top_k' needs k"),
        (FIVE, {"k": 2}, {}, r"k = 2 is read only with selection 'top_k'"),
        (FIVE, {"gross_exposure": 1.5}, {}, r"gross_exposure = 1.5: above 1 the book would borrow"),
        (FIVE, {"max_weight": 0}, {}, r"portfolio.max_weight = 0: Input should be greater than 0"),
        (
            FIVE,
            {"selection": "top_k", "k": 6},
            {},
            r"portfolio.k = 6 with policy 'long_only' needs k <= the 5 tickers of the universe; set k <= 5",
        ),
        (
            FIVE,
            {"selection": "top_k", "k": 3},
            {"policy": "long_short"},
            r"portfolio.k = 3 with policy 'long_short' needs 2 \* k <= the 5 tickers .*; set k <= 2",
        ),
        (
            FIVE,
            {"selection": "top_k", "k": 3, "max_weight": 0.3},
            {},
            r"portfolio.max_weight \(0.3\) x 3 positions = 0.9 cannot reach gross_exposure \(1.0\); "
            r"raise max_weight to >= 0.333333 or lower gross_exposure",
        ),
        (
            FIVE,
            {"max_weight": 0.1},
            {},
            r"portfolio.max_weight \(0.1\) x 5 positions = 0.5 cannot reach gross_exposure",
        ),
        (
            {"source": "sample", "tickers": ["SP500"]},
            {},
            {},
            r"portfolio needs at least two tickers, data.tickers has 1 \(SP500\)",
        ),
    ],
)
def test_impossible_portfolios_are_refused(data, portfolio, backtest, message):
    raw = {"name": "p", "data": data, "portfolio": portfolio, "backtest": backtest}
    with pytest.raises(ConfigError, match=message):
        validate_scenario(raw)


def test_long_short_top_k_counts_both_sides_for_the_cap():
    # 2 long + 2 short at 0.25 each reach a gross exposure of 1.
    scenario = validate_scenario(
        {
            "name": "p",
            "data": FIVE,
            "backtest": {"policy": "long_short"},
            "portfolio": {"selection": "top_k", "k": 2, "max_weight": 0.25},
        }
    )
    assert scenario.portfolio.k == 2
