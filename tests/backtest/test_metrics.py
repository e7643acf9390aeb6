"""Trading metrics against quantstats, classification metrics against scikit-learn."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.metrics import (
    calmar_ratio,
    classification_metrics,
    confusion_metrics,
    hit_rate,
    max_drawdown_duration,
    probability_metrics,
    trade_metrics,
    trading_metrics,
)
from alphacheck.data.prices import normalise_ohlcv


@pytest.fixture
def spy_returns(shared_yahoo_dir) -> pd.Series:
    raw = pd.read_csv(shared_yahoo_dir / "SPY.csv", index_col="Date", parse_dates=True)
    return normalise_ohlcv(raw, "SPY")["close"].pct_change().iloc[1:]


@pytest.fixture(scope="module")
def qs():
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import quantstats

    return quantstats


@pytest.mark.parametrize("start", [0, 500])  # whole series; one starting with a loss
def test_trading_metrics_agree_with_quantstats(spy_returns, qs, start) -> None:
    returns = spy_returns.iloc[start:]
    if start:
        returns = returns[returns.index >= returns[returns < 0].index[0]]
    ours = trading_metrics(returns.to_numpy())
    assert ours["sharpe"] == pytest.approx(qs.stats.sharpe(returns, periods=252), rel=1e-9)
    assert ours["sortino"] == pytest.approx(qs.stats.sortino(returns, periods=252), rel=1e-9)
    assert ours["max_drawdown"] == pytest.approx(qs.stats.max_drawdown(returns), rel=1e-9)
    assert ours["cagr"] == pytest.approx(qs.stats.cagr(returns, periods=252), rel=1e-9)
    assert ours["volatility"] == pytest.approx(qs.stats.volatility(returns, periods=252), rel=1e-9)
    assert ours["total_return"] == pytest.approx(qs.stats.comp(returns), rel=1e-9)


def test_drawdown_duration_and_calmar_by_hand() -> None:
    returns = np.array([0.10, -0.10, 0.05, 0.06, -0.01, 0.02])
    # equity 1, 1.1, 0.99, 1.0395, 1.10187, 1.0908513, 1.112668326: under water at 0.99, 1.0395, 1.0908513
    assert max_drawdown_duration(returns) == 2
    equity_end = 1.1 * 0.9 * 1.05 * 1.06 * 0.99 * 1.02
    expected_cagr = equity_end ** (252 / 6) - 1
    assert calmar_ratio(returns) == pytest.approx(expected_cagr / 0.10, rel=1e-12)


def test_trade_metrics_by_hand() -> None:
    scores = trade_metrics(np.array([30.0, -10.0, 20.0, -20.0, 5.0]))
    assert scores == pytest.approx(
        {"win_rate": 0.6, "profit_factor": 55 / 30, "avg_win_loss": (55 / 3) / 15, "n_trades": 5}, rel=1e-12
    )
    assert np.isnan(trade_metrics(np.array([]))["win_rate"])


def test_hit_rate_counts_invested_days_only() -> None:
    assert hit_rate(np.array([0.01, -0.02, 0.03, 0.0]), np.array([1, 1, 0, -1])) == pytest.approx(1 / 3)


def test_classification_agrees_with_scikit_learn() -> None:
    from sklearn import metrics as skm

    rng = np.random.default_rng(3)
    label = rng.integers(0, 2, 400).astype(bool)
    proba = np.clip(0.5 + 0.2 * (label - 0.5) + rng.normal(0, 0.2, 400), 0.01, 0.99)
    proba[:40] = 0.5  # ties for the AUC
    up = proba > 0.5
    ours = {
        **classification_metrics(up, label),
        **confusion_metrics(up, label),
        **probability_metrics(proba, label),
    }
    assert ours["accuracy"] == pytest.approx(skm.accuracy_score(label, up), abs=1e-12)
    assert ours["precision"] == pytest.approx(skm.precision_score(label, up), abs=1e-12)
    assert ours["recall"] == pytest.approx(skm.recall_score(label, up), abs=1e-12)
    assert ours["f1"] == pytest.approx(skm.f1_score(label, up), abs=1e-12)
    assert ours["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(label, up), abs=1e-12)
    assert ours["roc_auc"] == pytest.approx(skm.roc_auc_score(label, proba), abs=1e-12)
    assert ours["log_loss"] == pytest.approx(skm.log_loss(label, proba), rel=1e-12)
    tn, fp, fn, tp = skm.confusion_matrix(label, up).ravel()
    assert (ours["tp"], ours["fp"], ours["fn"], ours["tn"]) == (tp, fp, fn, tn)
    assert ours["share_up"] == pytest.approx(up.mean())


def test_constant_predictor_stands_out() -> None:
    label = np.array([1, 0, 1, 1, 0], bool)
    scores = confusion_metrics(np.ones(5, bool), label)
    assert scores["share_up"] == 1.0
    assert scores["balanced_accuracy"] == 0.5
    assert np.isnan(probability_metrics(np.full(3, 0.6), np.ones(3, bool))["roc_auc"])
