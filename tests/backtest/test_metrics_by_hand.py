import math
import statistics

import numpy as np
import pytest

from alphacheck.backtest import classification_metrics, max_drawdown, sharpe_ratio, total_return


def test_total_return_compounds():
    assert total_return(np.array([0.1, -0.1])) == pytest.approx(1.1 * 0.9 - 1)


def test_sharpe_is_mean_over_sample_std_times_sqrt_252():
    returns = [0.01, -0.02, 0.03, 0.005]
    expected = statistics.mean(returns) / statistics.stdev(returns) * math.sqrt(252)
    assert sharpe_ratio(np.array(returns)) == pytest.approx(expected, rel=1e-12)
    assert math.isnan(sharpe_ratio(np.zeros(10)))


def test_max_drawdown_by_hand():
    # equity 1 -> 1.1 -> 0.55 -> 0.66: worst fall 0.55 / 1.1 - 1
    assert max_drawdown(np.array([0.1, -0.5, 0.2])) == pytest.approx(-0.5)
    assert max_drawdown(np.array([-0.1, 0.05])) == pytest.approx(-0.1)
    assert max_drawdown(np.array([0.01, 0.02])) == 0.0


def test_never_predicting_up_leaves_precision_undefined():
    scores = classification_metrics(np.zeros(4), np.array([1, 0, 1, 0]))
    assert scores["accuracy"] == 0.5 and math.isnan(scores["precision"]) and scores["recall"] == 0.0
