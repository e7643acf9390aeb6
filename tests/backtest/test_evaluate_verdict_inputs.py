"""evaluate() deflates by every (variant, ticker) strategy and gives each variant its matched null."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from alphacheck.backtest import evaluate
from alphacheck.scenarios.schema import BacktestConfig
from tests.conftest import synthetic_prices

CONFIG = BacktestConfig(
    random_draws=20, bootstrap_reps=200, null_draws=100, cost_levels_bps=[0.0, 10.0, 50.0]
)


def predictions_for(prices: pd.DataFrame, ticker: str, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Three variants: ``informed`` (the true label, blurred), ``coin`` (random P(up) held a while), ``long``."""
    rng = np.random.default_rng(seed)
    dates = prices.index[30 : 30 + n]
    fwd = prices["open"].shift(-2) / prices["open"].shift(-1) - 1  # what the position decided at t earns
    label = (fwd.reindex(dates) > 0).astype(int).to_numpy()
    coin = np.repeat(rng.uniform(0, 1, n // 10 + 1), 10)[:n]
    proba = {
        "informed": np.clip(0.5 + 0.3 * (label - 0.5) + rng.normal(0, 0.1, n), 0.01, 0.99),
        "coin": coin,
        "long": np.full(n, 0.9),
    }
    return pd.concat(
        [
            pd.DataFrame(
                {"date": dates, "ticker": ticker, "variant": v, "fold": 0, "proba": p, "label": label}
            )
            for v, p in proba.items()
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def two_tickers():
    prices = {"X": synthetic_prices(460, seed=1), "Y": synthetic_prices(460, seed=2)}
    predictions = pd.concat([predictions_for(prices[t], t, seed=i) for i, t in enumerate(prices)])
    return prices, predictions, evaluate(predictions, prices, CONFIG, seed=7)


def hand_psr(returns: np.ndarray) -> float:
    n = len(returns)
    mean, sd = returns.mean(), returns.std(ddof=1)
    centred = returns - mean
    m2 = np.mean(centred**2)
    skew, kurt = np.mean(centred**3) / m2**1.5, np.mean(centred**4) / m2**2
    sr = mean / sd
    return float(norm.cdf(sr * math.sqrt(n - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2)))


def test_one_variant_on_two_tickers_is_two_trials_and_deflated(two_tickers) -> None:
    prices, predictions, _ = two_tickers
    only = predictions[predictions["variant"] == "coin"]
    result = evaluate(only, prices, CONFIG, seed=7)
    assert (result.trials.in_run, result.trials.counted, result.trials.kind) == (2, 2, "dsr")
    for ticker in ("X", "Y"):
        scores = result.metrics[ticker]["coin"]
        assert 0 < scores["dsr"] < scores["psr"] < 1


def test_one_strategy_is_a_psr_without_dsr(two_tickers) -> None:
    prices, predictions, _ = two_tickers
    only = predictions[(predictions["variant"] == "informed") & (predictions["ticker"] == "X")]
    result = evaluate(only, {"X": prices["X"]}, CONFIG, seed=7)
    scores = result.metrics["X"]["informed"]
    assert result.trials.kind == "psr" and "dsr" not in scores
    assert scores["psr"] == pytest.approx(hand_psr(result.returns[("X", "informed")].to_numpy()), rel=1e-10)


def test_every_reported_strategy_counts_and_baselines_get_no_figure(two_tickers) -> None:
    _, _, result = two_tickers
    assert (result.trials.in_run, result.trials.counted) == (6, 6)
    for ticker in ("X", "Y"):
        for variant in ("informed", "coin", "long"):
            assert {"psr", "dsr"} <= set(result.metrics[ticker][variant])
        for baseline in ("buy_and_hold", "always_long", "random"):
            assert not {"psr", "dsr"} & set(result.metrics[ticker][baseline])
        for baseline in ("buy_and_hold", "always_long"):
            for breakdown in (result.per_fold, result.per_year):
                assert all("psr" not in window for window in breakdown[ticker][baseline].values())


def test_the_matched_null_trades_like_the_model(two_tickers) -> None:
    _, _, result = two_tickers
    for ticker in ("X", "Y"):
        for variant in ("informed", "coin"):
            null = result.matched_null[ticker][variant]
            assert (null["draws"], null["seed"]) == (100, 7)
            assert abs(null["null_turnover_mean"] / null["turnover"] - 1) < 0.20
            assert null["null_exposure_mean"] == pytest.approx(
                result.metrics[ticker][variant]["exposure"], abs=0.02
            )
        # the uniform random predictor, by contrast, trades far more than the model
        assert result.metrics[ticker]["random"]["turnover"] > 2 * result.metrics[ticker]["coin"]["turnover"]


def test_positions_from_the_labels_sit_at_the_top_and_a_coin_does_not(two_tickers) -> None:
    _, _, result = two_tickers
    for ticker in ("X", "Y"):
        informed, coin = result.matched_null[ticker]["informed"], result.matched_null[ticker]["coin"]
        assert informed["percentile"] == 100.0 and informed["beats_null"] == 1.0
        assert 5.0 < coin["percentile"] < 95.0 and coin["beats_null"] == 0.0
        # always long: every shift is the same position, the null cannot tell it apart
        assert result.matched_null[ticker]["long"]["beats_null"] == 0.0


def test_records_carry_what_the_verdict_needs(two_tickers) -> None:
    _, _, result = two_tickers
    record = result.records[("X", "informed")]
    np.testing.assert_array_equal(record.returns, result.returns[("X", "informed")].to_numpy())
    np.testing.assert_array_equal(record.benchmark_returns, result.returns[("X", "buy_and_hold")].to_numpy())
    assert len(record.null_sharpes) == 100 and record.n_predictions == 400
    assert record.cost_sweep == ([0.0, 10.0, 50.0], result.cost_sweep["X"]["informed"]["sharpe"])
    assert record.classification["accuracy"] == result.metrics["X"]["informed"]["accuracy"]
    assert record.stale_opens == ()  # the synthetic opens are real prices


def test_stale_opens_are_named_when_the_fills_are_at_the_open() -> None:
    prices = synthetic_prices(460, seed=3)
    prices["open"] = prices["close"].shift(1).fillna(prices["open"])  # every open copies the last close
    prices["high"] = prices[["high", "open", "close"]].max(axis=1)
    prices["low"] = prices[["low", "open", "close"]].min(axis=1)
    predictions = predictions_for(prices, "X")
    predictions = predictions[predictions["variant"] == "coin"]
    at_open = evaluate(predictions, {"X": prices}, CONFIG, seed=1).records[("X", "coin")]
    assert [year for year, _ in at_open.stale_opens] == [2020, 2021] and all(
        s > 0.99 for _, s in at_open.stale_opens
    )
    at_close = CONFIG.model_copy(update={"execution": "next_close"})
    assert evaluate(predictions, {"X": prices}, at_close, seed=1).records[("X", "coin")].stale_opens == ()


def test_the_null_summary_recomputes_from_the_draws(two_tickers) -> None:
    _, _, result = two_tickers
    record, summary = result.records[("Y", "coin")], result.matched_null["Y"]["coin"]
    sharpe = result.metrics["Y"]["coin"]["sharpe"]
    assert summary["sharpe"] == sharpe
    assert summary["percentile"] == pytest.approx(100 * np.mean(record.null_sharpes < sharpe))
    assert summary["null_sharpe_p95"] == pytest.approx(np.quantile(record.null_sharpes, 0.95))
    assert summary["p_value"] == pytest.approx((1 + np.sum(record.null_sharpes >= sharpe)) / 101)
    assert 21 <= summary["min_shift_days"] <= summary["max_shift_days"] <= 400 - 21
