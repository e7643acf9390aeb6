"""evaluate(): variants beside baselines, breakdowns, returns table, significance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest import evaluate
from alphacheck.backtest.metrics import max_drawdown, sharpe_ratio
from alphacheck.exceptions import SmallSampleWarning
from alphacheck.scenarios.schema import BacktestConfig
from tests.conftest import synthetic_prices

CONFIG = BacktestConfig(random_draws=20, bootstrap_reps=200, cost_levels_bps=[0.0, 5.0, 20.0, 100.0])


def make_predictions(prices: pd.DataFrame, n: int = 240, start: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    dates = prices.index[start : start + n]
    fwd = prices["open"].shift(-2) / prices["open"].shift(-1) - 1
    label = (fwd.reindex(dates) > 0).astype(int).to_numpy()
    folds = np.repeat([0, 1], [n // 2, n - n // 2])
    informed = np.clip(0.5 + 0.3 * (label - 0.5) + rng.normal(0, 0.2, n), 0.01, 0.99)
    frames = [
        pd.DataFrame(
            {"date": dates, "ticker": "X", "variant": name, "fold": folds, "proba": proba, "label": label}
        )
        for name, proba in (("informed", informed), ("constant", np.full(n, 0.9)))
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def setup():
    prices = synthetic_prices(320, seed=4)
    predictions = make_predictions(prices)
    return prices, predictions, evaluate(predictions, {"X": prices}, CONFIG, seed=11)


def test_metrics_keep_the_skeleton_nesting_and_add_baselines(setup) -> None:
    _, _, result = setup
    assert set(result.metrics) == {"X"}
    assert set(result.metrics["X"]) == {"informed", "constant", "always_long", "buy_and_hold", "random"}
    for key in (
        "accuracy",
        "precision",
        "recall",
        "f1",
        "total_return",
        "sharpe",
        "max_drawdown",
        "win_rate",
        "n_trades",
        "n_predictions",
        "balanced_accuracy",
        "roc_auc",
        "log_loss",
        "share_up",
        "cagr",
        "sortino",
        "calmar",
        "max_drawdown_bars",
        "max_drawdown_calendar_days",
        "hit_rate",
        "profit_factor",
        "turnover",
        "exposure",
        "costs_paid",
        "accuracy_ci_low",
        "binomial_p_value",
        "sharpe_ci_low",
        "psr",
        "dsr",  # two variants: two trials
    ):
        assert key in result.metrics["X"]["informed"], key


def test_constant_predictor_is_plain_and_trades_like_always_long(setup) -> None:
    _, _, result = setup
    constant, always = result.metrics["X"]["constant"], result.metrics["X"]["always_long"]
    assert constant["share_up"] == 1.0 and constant["balanced_accuracy"] == 0.5
    for key in ("total_return", "sharpe", "max_drawdown", "n_trades", "accuracy"):
        assert constant[key] == pytest.approx(always[key], rel=1e-12)


def test_returns_table_recomputes_the_metrics(setup) -> None:
    prices, _, result = setup
    frame = result.frame
    assert list(frame.columns) == [
        "date",
        "ticker",
        "variant",
        "position",
        "gross_return",
        "cost",
        "net_return",
        "benchmark_return",
    ]
    for variant, rows in frame.groupby("variant"):
        values = result.metrics["X"][variant]
        net = rows["net_return"].to_numpy()
        assert values["total_return"] == pytest.approx(np.prod(1 + net) - 1, rel=1e-12)
        assert values["sharpe"] == pytest.approx(sharpe_ratio(net), rel=1e-12)
        assert values["max_drawdown"] == pytest.approx(max_drawdown(net), rel=1e-12)
        np.testing.assert_allclose(rows["gross_return"] - rows["cost"], net, atol=1e-15)
    # buy-and-hold by hand: bought at the open after the first decision, sold at the open 2 bars after the last
    bh = frame[frame["variant"] == "buy_and_hold"]
    bars = prices.loc[bh["date"]]
    close, open_ = bars["close"].to_numpy(), bars["open"].to_numpy()
    equity = np.concatenate([[1.0, close[1] / open_[1]], close[2:-1] / open_[1], [open_[-1] / open_[1]]])
    np.testing.assert_allclose(np.cumprod(1 + bh["net_return"].to_numpy()), equity, rtol=1e-12)
    np.testing.assert_allclose(frame["benchmark_return"].to_numpy(), np.tile(bh["net_return"].to_numpy(), 4))


def test_accuracy_agrees_with_scikit_learn(setup) -> None:
    from sklearn.metrics import accuracy_score

    _, predictions, result = setup
    rows = predictions[predictions["variant"] == "informed"]
    up = rows["proba"] > 0.5
    assert result.metrics["X"]["informed"]["accuracy"] == pytest.approx(
        accuracy_score(rows["label"], up), abs=1e-12
    )
    fold1 = rows[rows["fold"] == 1]
    per_fold = result.per_fold["X"]["informed"]["1"]
    assert per_fold["accuracy"] == pytest.approx(
        accuracy_score(fold1["label"], fold1["proba"] > 0.5), abs=1e-12
    )
    assert per_fold["n_predictions"] == len(fold1)


def test_per_year_returns_compound_that_years_bars(setup) -> None:
    _, _, result = setup
    rows = result.frame[result.frame["variant"] == "informed"]
    for year, values in result.per_year["X"]["informed"].items():
        net = rows.loc[rows["date"].dt.year == int(year), "net_return"].to_numpy()
        assert values["total_return"] == pytest.approx(np.prod(1 + net) - 1, rel=1e-12)
        assert values["n_bars"] == len(net)
    fold_bars = sum(v["n_bars"] for v in result.per_fold["X"]["informed"].values())
    assert fold_bars == len(rows)


def test_random_baseline_spread_and_significance(setup) -> None:
    _, _, result = setup
    random = result.baselines["X"]["random"]
    assert random["draws"] == 20
    assert random["sharpe"]["p05"] <= random["sharpe"]["mean"] <= random["sharpe"]["p95"]
    assert 0.4 < random["share_up"]["mean"] < 0.6
    significance = result.significance["X"]
    assert result.trials.counted == 2  # two variants on one ticker
    assert 0 <= significance["spa_vs_buy_and_hold"]["spa_p_consistent"] <= 1
    sweep = result.cost_sweep["X"]["informed"]
    assert sweep["cost_bps_per_side"] == [0.0, 5.0, 20.0, 100.0]
    assert sweep["sharpe"] == sorted(sweep["sharpe"], reverse=True)  # costs only ever hurt
    assert significance["break_even_cost"]["informed"]["zero_sharpe"]["status"] == "crossed"


def test_fewer_than_100_predictions_warn_and_carry_intervals(prices) -> None:
    predictions = make_predictions(prices, n=60)
    with pytest.warns(SmallSampleWarning, match="only 60 predictions"):
        result = evaluate(predictions, {"X": prices}, CONFIG, seed=1)
    values = result.metrics["X"]["informed"]
    assert "read accuracy_ci_low..accuracy_ci_high" in values["warning"]
    assert values["accuracy_ci_low"] < values["accuracy"] < values["accuracy_ci_high"]


def test_tickers_in_one_call_match_tickers_apart() -> None:
    prices = {"X": synthetic_prices(200, seed=1), "Y": synthetic_prices(200, seed=2)}
    both = pd.concat([make_predictions(prices[t], n=120).assign(ticker=t) for t in ("X", "Y")])
    together = evaluate(both, prices, CONFIG, seed=3)
    for ticker in ("X", "Y"):
        alone = evaluate(both[both["ticker"] == ticker], {ticker: prices[ticker]}, CONFIG, seed=3)
        for name in ("informed", "always_long", "buy_and_hold"):
            for key in ("total_return", "sharpe", "n_trades", "costs_paid", "accuracy"):
                assert together.metrics[ticker][name][key] == pytest.approx(
                    alone.metrics[ticker][name][key], rel=1e-12, nan_ok=True
                )


def test_tickers_with_different_bars_are_simulated_apart() -> None:
    x = synthetic_prices(200, seed=1)
    y = synthetic_prices(200, seed=2).drop(index=x.index[100])  # a holiday on one exchange only
    predictions = pd.concat(
        [make_predictions(x, n=120).assign(ticker="X"), make_predictions(y, n=120).assign(ticker="Y")]
    )
    result = evaluate(predictions, {"X": x, "Y": y}, CONFIG, seed=3)
    assert result.metrics["Y"]["buy_and_hold"]["n_bars"] == 122


def test_more_trials_deflate_the_sharpe_ratio(prices) -> None:
    predictions = make_predictions(prices, n=150)
    few = evaluate(predictions, {"X": prices}, CONFIG, seed=1)
    many = evaluate(predictions, {"X": prices}, CONFIG.model_copy(update={"trials": 200}), seed=1)
    assert (few.trials.counted, many.trials.counted) == (2, 202)  # the declared search adds to the variants
    assert many.metrics["X"]["informed"]["dsr"] < few.metrics["X"]["informed"]["dsr"]


def test_align_none_keeps_positions_through_days_another_ticker_missed() -> None:
    # align: none keeps each ticker's days; the walk-forward decides on the days both traded.
    x = synthetic_prices(200, seed=1)
    missed = x.index[[60, 75, 90, 105, 120]]
    y = synthetic_prices(200, seed=2).drop(index=missed)
    common = x.index.intersection(y.index)
    predictions = pd.concat(
        [make_predictions(p.loc[common], n=120).assign(ticker=t) for t, p in (("X", x), ("Y", y))]
    )
    result = evaluate(predictions, {"X": x, "Y": y}, CONFIG, seed=3)
    # X's own bars: the decision days, the days Y missed among them, two more to close the last position
    bars = x.loc[common[30] :].index[: 120 + 5 + 2]
    assert result.metrics["X"]["buy_and_hold"]["n_bars"] == len(bars)
    assert result.metrics["X"]["buy_and_hold"]["n_trades"] == 1
    assert result.metrics["X"]["constant"]["n_trades"] == 1  # always long: one trade, held through the gaps
    # bought at the first open, sold at the last
    expected = x["open"].loc[bars[-1]] / x["open"].loc[bars[1]] - 1
    assert result.metrics["X"]["buy_and_hold"]["total_return"] == pytest.approx(expected, rel=1e-12)


def test_returns_table_position_is_the_exposure_held(prices) -> None:
    # Half the equity in, no costs: the held exposure drifts with the close, where the target stays 0.5.
    config = CONFIG.model_copy(update={"fraction": 0.5, "fees_bps": 0.0, "slippage_bps": 0.0})
    predictions = make_predictions(prices, n=120)
    frame = evaluate(predictions, {"X": prices}, config, seed=1).frame
    rows = frame[frame["variant"] == "always_long"].set_index("date")
    bars = rows.index
    shares = 0.5 * config.init_cash / prices["open"].loc[bars[1]]  # bought at the open after the first decision
    cash = 0.5 * config.init_cash
    held = shares * prices["close"].loc[bars[1:-1]] / (cash + shares * prices["close"].loc[bars[1:-1]])
    np.testing.assert_allclose(rows["position"].loc[bars[1:-1]].to_numpy(), held.to_numpy(), rtol=1e-12)
    assert rows["position"].iloc[0] == rows["position"].iloc[-1] == 0.0  # before the fill, after the close-out
    assert rows["position"].loc[bars[1:-1]].std() > 0.01
