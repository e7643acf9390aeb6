"""Books from predictions: benchmarks against closed forms, weights within limits, outputs that add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.portfolio import backtest_portfolio, proba_panel, strategy_weights
from alphacheck.backtest.portfolio_evaluate import evaluate_portfolio
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.schema import BacktestConfig

TICKERS = ["AAA", "BBB", "CCC", "DDD", "EEE"]


def predictions_for(prices, n_dates, variants=("m",), seed=0):
    rng = np.random.default_rng(seed)
    dates = prices[TICKERS[0]].index[:n_dates]
    rows = [
        pd.DataFrame(
            {"date": dates, "ticker": t, "variant": v, "fold": 0, "proba": rng.uniform(0.2, 0.8, n_dates)}
        )
        for v in variants
        for t in prices
    ]
    frame = pd.concat(rows, ignore_index=True)
    frame["label"] = 0
    return frame


@pytest.fixture
def universe(hand_prices):
    return {t: hand_prices(60, seed=30 + i) for i, t in enumerate(TICKERS)}


def free_costs(**changes):
    return BacktestConfig(fees_bps=0, slippage_bps=0, **changes)


@pytest.mark.parametrize("execution", ["next_open", "next_close"])
def test_equal_weight_against_an_independent_computation(universe, execution):
    predictions = predictions_for(universe, 50)
    books = backtest_portfolio(predictions, universe, free_costs(execution=execution), PortfolioConfig())
    fill = "open" if execution == "next_open" else "close"
    opens = np.column_stack([universe[t][fill].to_numpy() for t in TICKERS])
    closes = np.column_stack([universe[t]["close"].to_numpy() for t in TICKERS])
    # Rebalanced to 1/5 at every fill from bar 1 to bar 50, closed at bar 51's fill; nothing held on bar 0.
    value, shares, equity = 100_000.0, np.zeros(5), [100_000.0]
    for bar in range(1, 52):
        value = float(shares @ opens[bar]) if shares.any() else value
        shares = value / 5 / opens[bar] if bar <= 50 else np.zeros(5)
        value = float(shares @ closes[bar]) if shares.any() else value
        equity.append(value)
    expected = np.diff(equity) / np.array(equity[:-1])
    got = books.simulation.net_return["equal_weight"].to_numpy()
    np.testing.assert_allclose(got, np.concatenate([[0.0], expected]), rtol=0, atol=1e-12)
    # Held: 1/5 each bought on bar 1 and never traded again.
    shares = 100_000.0 / 5 / opens[1]
    held = [100_000.0] + [float(shares @ closes[bar]) for bar in range(1, 51)] + [float(shares @ opens[51])]
    np.testing.assert_allclose(books.simulation.equity["equal_weight_hold"].to_numpy(), held, rtol=1e-12)


def test_equal_weight_pays_the_same_costs_as_the_strategy(universe, reference_book):
    predictions = predictions_for(universe, 50)
    config = BacktestConfig(fees_bps=10, slippage_bps=5, fixed_fee=0.5, init_cash=10_000)
    books = backtest_portfolio(predictions, universe, config, PortfolioConfig(rebalance="weekly"))
    targets = books.simulation  # the equal-weight weights, rebalanced on the same weekly dates
    dates = proba_panel(predictions, "m").index
    weekly = dates.isin(books.rebalance_dates)
    equal = pd.DataFrame(
        np.where(weekly[:, None], np.full((len(dates), 5), 0.2), np.nan), index=dates, columns=TICKERS
    )
    equity, _ = reference_book(universe, equal, "next_open", 0.001, 0.0005, 0.5, 10_000.0)
    np.testing.assert_allclose(targets.equity["equal_weight"].to_numpy(), equity.to_numpy(), rtol=1e-10)
    assert books.simulation.costs_cash["equal_weight"].sum() > 0
    assert books.simulation.costs_cash["equal_weight_hold"].sum() == 0


@pytest.mark.parametrize(
    ("policy", "portfolio"),
    [
        ("long_only", {"selection": "top_k", "k": 2, "max_weight": 0.5, "allocation": "proba"}),
        ("long_short", {"selection": "top_k", "k": 2, "max_weight": 0.3, "gross_exposure": 0.9}),
        ("long_only", {"allocation": "inverse_volatility", "max_weight": 0.25, "rebalance": "monthly"}),
        ("short_only", {"max_weight": 0.4, "gross_exposure": 0.8}),
    ],
)
def test_targets_respect_max_weight_k_and_gross_exposure_on_every_bar(universe, policy, portfolio):
    predictions = predictions_for(universe, 50, seed=4)
    config = PortfolioConfig(**portfolio)
    books = backtest_portfolio(
        predictions, universe, BacktestConfig(policy=policy, volatility_days=5), config
    )
    target = books.simulation.target["m"].to_numpy()
    assert np.all(np.abs(target) <= config.max_weight + 1e-12)
    assert np.all(np.abs(target).sum(axis=1) <= config.gross_exposure + 1e-12)
    if config.k is not None:
        assert (target > 0).sum(axis=1).max() <= config.k and (target < 0).sum(axis=1).max() <= config.k
    if policy == "short_only":
        assert (target <= 0).all()
    if policy == "long_only":
        assert (target >= 0).all() and (books.simulation.cash.to_numpy() >= -1e-6).all()
    # Orders are sent only on the fills of rebalance dates, and the close-out at the end.
    traded = books.simulation.traded["m"].to_numpy() > 0
    index = books.simulation.net_return.index
    fills = {index[index > d][0] for d in books.rebalance_dates} | {index[-1]}
    assert set(index[traded]) <= fills


def test_portfolio_frames_add_up(universe):
    predictions = predictions_for(universe, 50, variants=("m", "n"), seed=2)
    config = BacktestConfig(bootstrap_reps=200, cost_levels_bps=[0.0, 10.0, 40.0])
    result = evaluate_portfolio(predictions, universe, config, PortfolioConfig(selection="top_k", k=2))
    frame = result.frame
    assert sorted(frame["strategy"].unique()) == ["equal_weight", "equal_weight_hold", "m", "n"]
    for strategy, rows in frame.groupby("strategy"):
        compounded = np.prod(1 + rows["net_return"].to_numpy()) - 1
        assert compounded == pytest.approx(result.metrics[strategy]["total_return"], abs=1e-12)
        np.testing.assert_allclose(rows["gross_return"] - rows["cost"], rows["net_return"], atol=1e-15)
    weights = result.weights
    assert list(weights.columns) == ["date", "strategy", "ticker", "weight"]
    by_date = weights[weights["strategy"] == "m"].groupby("date")
    exposure = frame[frame["strategy"] == "m"].set_index("date")
    np.testing.assert_allclose(
        by_date["weight"].apply(lambda w: np.abs(w).sum()),
        exposure.loc[list(by_date.groups), "gross_exposure"],
    )
    assert (by_date.size() <= 2).all()
    record = result.metrics["m"]
    assert record["average_positions"] == pytest.approx(exposure["n_positions"].mean())
    assert 0.5 - 1e-9 <= record["herfindahl"] <= 1.0 and record["max_weight"] <= 0.7
    assert record["sharpe_ci_low"] < record["sharpe"] < record["sharpe_ci_high"]
    assert 0 <= record["dsr"] <= 1 and "dsr" not in result.metrics["equal_weight"]
    spa = result.significance["spa_vs_equal_weight"]
    assert 0 <= spa["spa_p_consistent"] <= 1
    sweep = result.cost_sweep["m"]
    assert sweep["cost_bps_per_side"] == [0.0, 10.0, 40.0]
    assert sweep["total_return"][0] > sweep["total_return"][1] > sweep["total_return"][2]
    assert result.significance["break_even_cost"]["m"]["zero_sharpe"]["status"] in {
        "crossed",
        "below_at_zero_cost",
        "above_sweep",
    }


def test_cost_sweep_at_zero_cost_is_the_book_without_costs(universe):
    predictions = predictions_for(universe, 50, seed=5)
    config = BacktestConfig(bootstrap_reps=100, cost_levels_bps=[0.0, 5.0])
    result = evaluate_portfolio(predictions, universe, config, PortfolioConfig())
    free = backtest_portfolio(predictions, universe, free_costs(), PortfolioConfig())
    assert result.cost_sweep["m"]["total_return"][0] == pytest.approx(
        free.scores["m"]["total_return"], abs=1e-12
    )


def test_a_ticker_without_a_prediction_keeps_its_position(universe):
    predictions = predictions_for(universe, 50, seed=6)
    gap = predictions["date"].isin(predictions["date"].unique()[20:22]) & (predictions["ticker"] == "CCC")
    books = backtest_portfolio(predictions[~gap], universe, free_costs(), PortfolioConfig())
    full = backtest_portfolio(predictions, universe, free_costs(), PortfolioConfig())
    # CCC's P(up) of date 19 stands on dates 20 and 21: it stays long through the fills of those dates.
    panel = proba_panel(predictions, "m")
    assert panel.iat[19, TICKERS.index("CCC")] > 0.5
    target = books.simulation.target["m"]["CCC"]
    assert (target.loc[panel.index[20] : panel.index[22]] > 0).all()
    assert books.simulation.net_return.index.equals(full.simulation.net_return.index)


def test_inverse_volatility_reads_a_given_volatility_instead_of_the_prices(universe):
    predictions = predictions_for(universe, 50, seed=7)
    panel = proba_panel(predictions, "m")
    config = PortfolioConfig(allocation="inverse_volatility")
    given = {t: pd.Series(0.1 * (i + 1), index=universe[t].index) for i, t in enumerate(TICKERS)}
    weights = strategy_weights(panel, universe, BacktestConfig(), config, given)
    held = weights.to_numpy() > 0
    rows = held.any(axis=1)
    inverse = np.where(held, 1.0 / (0.1 * np.arange(1, 6)), 0.0)[rows]
    expected = inverse / inverse.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(weights.to_numpy()[rows], expected, rtol=1e-12)
    from_prices = strategy_weights(panel, universe, BacktestConfig(), config)
    assert not np.allclose(from_prices.to_numpy(), weights.to_numpy())


def test_the_matched_null_shifts_the_whole_book_in_time(universe, monkeypatch):
    from alphacheck.backtest import portfolio_null
    from alphacheck.backtest.portfolio_null import book_null

    predictions = predictions_for(universe, 50, seed=8)
    config = PortfolioConfig(selection="top_k", k=2, rebalance="weekly")
    books = backtest_portfolio(predictions, universe, BacktestConfig(), config)
    weights = books.weights["m"]
    null = book_null(weights, universe, "next_open", (5.0, 5.0, 0.0), 100_000.0, 30, 3, "m")
    assert len(null.sharpe) == 30 and np.isfinite(null.sharpe).all()
    assert ((null.offsets >= 12) & (null.offsets <= 38)).all()  # min(21, 50 // 4) = 12 dates either way
    # Each draw holds the book's own positions (two at a time, fully invested) on the same rebalance dates.
    np.testing.assert_allclose(null.exposure, books.scores["m"]["exposure"], atol=0.05)
    assert abs(np.mean(null.turnover) / books.scores["m"]["turnover"] - 1) < 0.2
    again = book_null(weights, universe, "next_open", (5.0, 5.0, 0.0), 100_000.0, 30, 3, "m")
    np.testing.assert_array_equal(again.sharpe, null.sharpe)
    # Simulated a few books per call, the draws earn the same.
    monkeypatch.setattr(portfolio_null, "MAX_CELLS_PER_CALL", 60 * 5 * 7)
    chunked = book_null(weights, universe, "next_open", (5.0, 5.0, 0.0), 100_000.0, 30, 3, "m")
    np.testing.assert_allclose(chunked.sharpe, null.sharpe, rtol=1e-12)


def test_each_book_carries_its_verdict_record_against_equal_weight(universe):
    predictions = predictions_for(universe, 50, variants=("m",), seed=9)
    config = BacktestConfig(bootstrap_reps=100, cost_levels_bps=[0.0, 10.0], null_draws=20)
    result = evaluate_portfolio(predictions, universe, config, PortfolioConfig())
    record = result.records["m"]
    assert record.benchmark_name == "equal weight" and record.classification is None
    np.testing.assert_array_equal(record.returns, result.returns["m"].to_numpy())
    np.testing.assert_array_equal(record.benchmark_returns, result.returns["equal_weight"].to_numpy())
    assert record.cost_sweep == ([0.0, 10.0], result.cost_sweep["m"]["sharpe"])
    assert record.n_predictions == 50 and len(record.null_sharpes) == 20
    assert result.matched_null["m"]["draws"] == 20 and 0 <= result.matched_null["m"]["percentile"] <= 100
    # One book, no declared search: one trial, so a PSR and no DSR; the benchmarks get neither.
    assert result.significance["trials"]["counted"] == 1
    assert "psr" in result.metrics["m"] and "dsr" not in result.metrics["m"]
    assert "psr" not in result.metrics["equal_weight"]
