import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.engine import simulate
from alphacheck.backtest.metrics import total_return

BARS = pd.DataFrame(
    {
        "open": [100.0, 102.0, 101.0, 105.0, 104.0],
        "high": [103.0, 104.0, 106.0, 107.0, 105.0],
        "low": [99.0, 100.0, 100.0, 104.0, 101.0],
        "close": [102.0, 101.0, 105.0, 106.0, 102.0],
        "volume": [1.0] * 5,
    },
    index=pd.bdate_range("2021-03-01", periods=5, name="date"),
)
SIGNAL = pd.Series([1.0, 1.0, 0.0], index=BARS.index[:3])


def test_next_open_five_bars_with_fees_and_slippage_by_hand():
    fees, slip = 0.001, 0.0005
    run = simulate(BARS, SIGNAL, "next_open", fees_bps=10, slippage_bps=5, init_cash=1000.0)
    # long decided at close of bar 0 -> bought at the open of bar 1 (102, paid up by slippage, plus fees);
    # flat decided at close of bar 2 -> sold at the open of bar 3 (105, less slippage, less fees)
    buy = 102 * (1 + slip)
    shares = 1000.0 / (buy * (1 + fees))
    values = np.array(
        [1000.0, shares * 101, shares * 105, shares * 105 * (1 - slip) * (1 - fees), shares * 105 * (1 - slip) * (1 - fees)]
    )
    expected = values / np.concatenate([[1000.0], values[:-1]]) - 1
    np.testing.assert_allclose(run.returns.to_numpy(), expected, rtol=1e-12)
    assert total_return(run.returns.to_numpy()) == pytest.approx(
        105 * (1 - slip) * (1 - fees) / (buy * (1 + fees)) - 1, rel=1e-12
    )
    assert run.position.tolist() == [0, 1, 1, 0, 0]
    assert run.n_trades == 1 and run.win_rate == 1.0


def test_next_close_fills_at_the_next_close():
    run = simulate(BARS, SIGNAL, "next_close", init_cash=1000.0)
    # bought at close of bar 1 (101), sold at close of bar 3 (106)
    assert total_return(run.returns.to_numpy()) == pytest.approx(106 / 101 - 1, rel=1e-12)
    assert run.returns.iloc[1] == 0.0


def test_flat_signal_earns_nothing_and_trades_nothing():
    run = simulate(BARS, SIGNAL * 0, "next_open", fees_bps=10)
    assert (run.returns == 0).all() and run.n_trades == 0 and np.isnan(run.win_rate)


def test_signal_too_close_to_the_end_of_prices_is_refused():
    with pytest.raises(ValueError, match="prices end before"):
        simulate(BARS, pd.Series([1.0, 1.0], index=BARS.index[3:5]))
