"""The matched null: circular shifts of the model's own positions, traded through the same engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.engine import simulate_weights
from alphacheck.backtest.metrics import sharpe_ratio
from alphacheck.backtest.null import MIN_SHIFT_DAYS, circular_shifts, null_rank, null_rng, shift_offsets
from tests.conftest import synthetic_prices

N_DATES = 500
DRAWS = 100


def test_circular_shift_matches_a_hand_loop() -> None:
    weights = np.array([0.0, 1.0, 1.0, 0.5, 0.0, -1.0, -1.0])
    offsets = np.array([1, 3, 6])
    shifted = circular_shifts(weights, offsets)
    for row, k in zip(shifted, offsets, strict=True):
        expected = []
        for t in range(len(weights)):
            source = t - k
            while source < 0:
                source += len(weights)
            expected.append(weights[source])
        assert row.tolist() == expected
    # a shift keeps the weights themselves: exposure and sizes are the model's
    assert sorted(shifted[1]) == sorted(weights)


def test_offsets_stay_away_from_zero_are_distinct_and_seeded() -> None:
    offsets = shift_offsets(N_DATES, 200, null_rng(42, "SPY", "baseline"))
    assert offsets.min() >= MIN_SHIFT_DAYS and offsets.max() <= N_DATES - MIN_SHIFT_DAYS
    assert len(set(offsets.tolist())) == 200
    again = shift_offsets(N_DATES, 200, null_rng(42, "SPY", "baseline"))
    other = shift_offsets(N_DATES, 200, null_rng(42, "SPY", "enhanced"))
    assert offsets.tolist() == again.tolist() and offsets.tolist() != other.tolist()
    # more draws than admissible shifts: drawn with replacement, still inside the range
    few = shift_offsets(8, 50, np.random.default_rng(0))
    assert len(few) == 50 and set(few.tolist()) <= set(range(2, 7))


def test_offsets_refuse_what_cannot_be_shifted() -> None:
    with pytest.raises(ValueError, match="at least 2 decision dates, got 1"):
        shift_offsets(1, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 1 draw, got 0"):
        shift_offsets(100, 0, np.random.default_rng(0))


def test_null_rank_by_hand() -> None:
    draws = np.array([0.1, 0.2, 0.3, 0.4, np.nan, 0.5])
    rank = null_rank(0.3, draws, level=0.4)
    assert rank["percentile"] == pytest.approx(100 * 2 / 5)  # 0.1 and 0.2 below; the tie counts against
    assert rank["null_quantile"] == pytest.approx(0.26)  # 0.2 + 0.4 * (0.3 - 0.2), linear
    assert rank["beats_null"] == 1.0
    assert rank["p_value"] == pytest.approx((1 + 3) / 6)
    assert rank["mean"] == pytest.approx(0.3)
    assert rank["std"] == pytest.approx(np.std([0.1, 0.2, 0.3, 0.4, 0.5], ddof=1))
    assert null_rank(0.3, draws, level=0.5)["beats_null"] == 0.0
    assert null_rank(0.51, draws)["beats_null"] == 1.0 and null_rank(0.51, draws)["percentile"] == 100.0
    assert null_rank(float("nan"), draws)["beats_null"] == 0.0


def test_a_null_of_identical_draws_is_not_beaten() -> None:
    # always long: every shifted copy earns exactly what the strategy earns
    rank = null_rank(0.8, np.full(200, 0.8))
    assert (rank["percentile"], rank["beats_null"], rank["null_quantile"]) == (0.0, 0.0, 0.8)


def persistent_positions(rng: np.random.Generator, n: int, switch: float = 0.08) -> np.ndarray:
    """Long/flat positions that change on about ``switch`` of the dates, like a model's."""
    flips = rng.random(n) < switch
    return (np.cumsum(flips) % 2).astype("float64")


def simulate(
    prices: pd.DataFrame, dates: pd.DatetimeIndex, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sharpe ratio and annualised turnover of each row of weights, at 5 + 5 bps per side."""
    weights = pd.DataFrame(rows.T, index=dates, columns=[f"c{i}" for i in range(len(rows))])
    sim = simulate_weights(prices, weights, "next_open", 5.0, 5.0)
    sharpes = np.array([sharpe_ratio(sim.net_return[c].to_numpy()) for c in weights.columns])
    turnover = sim.traded.sum().to_numpy() / len(sim.traded) * 252
    return sharpes, turnover


@pytest.fixture(scope="module")
def market():
    prices = synthetic_prices(N_DATES + 40, seed=8)
    dates = prices.index[5 : 5 + N_DATES]
    fwd = prices["open"].shift(-2) / prices["open"].shift(-1) - 1  # what the position decided at t earns
    return prices, dates, (fwd.reindex(dates) > 0).to_numpy()


def null_of(weights: np.ndarray, seed: int) -> np.ndarray:
    return circular_shifts(weights, shift_offsets(len(weights), DRAWS, null_rng(seed, "X", "model")))


def test_the_null_trades_as_often_as_the_model(market) -> None:
    prices, dates, _ = market
    model = persistent_positions(np.random.default_rng(1), N_DATES)
    sharpes, turnover = simulate(prices, dates, np.vstack([model, null_of(model, 3)]))
    assert abs(turnover[1:].mean() / turnover[0] - 1) < 0.20
    # and, unlike the uniform random predictor, it holds the model's exposure exactly
    assert np.all(null_of(model, 3).mean(axis=1) == model.mean())


def test_positions_from_the_true_labels_sit_at_the_top(market) -> None:
    prices, dates, label = market
    model = label.astype("float64")
    sharpes, _ = simulate(prices, dates, np.vstack([model, null_of(model, 4)]))
    rank = null_rank(sharpes[0], sharpes[1:])
    assert rank["percentile"] == 100.0 and rank["beats_null"] == 1.0
    assert rank["p_value"] == pytest.approx(1 / (DRAWS + 1))


def test_random_positions_sit_mid_distribution(market) -> None:
    prices, dates, _ = market
    rng = np.random.default_rng(7)
    models = [persistent_positions(rng, N_DATES) for _ in range(30)]
    rows = np.vstack([np.vstack([m, null_of(m, i)]) for i, m in enumerate(models)])
    sharpes, _ = simulate(prices, dates, rows)
    ranks = [null_rank(block[0], block[1:]) for block in sharpes.reshape(len(models), DRAWS + 1)]
    percentiles = np.array([r["percentile"] for r in ranks])
    # one model's percentile is uniform on 0..100 under the null: 30 of them average 50 +- 5.3
    assert 35 < percentiles.mean() < 65
    assert sum(r["beats_null"] for r in ranks) <= 6
