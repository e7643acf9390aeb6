import numpy as np
import pandas as pd
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.features import forward_return, label_horizon

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


def test_next_open_label_is_the_open_to_open_return_after_the_signal():
    fwd = forward_return(BARS, "next_open")
    # decided at close t, filled at open t+1, closed at open t+2
    expected = [101 / 102 - 1, 105 / 101 - 1, 104 / 105 - 1, np.nan, np.nan]
    np.testing.assert_allclose(fwd.to_numpy(), expected)


def test_next_close_label_is_the_close_to_close_return_after_the_fill():
    fwd = forward_return(BARS, "next_close")
    expected = [105 / 101 - 1, 106 / 105 - 1, 102 / 106 - 1, np.nan, np.nan]
    np.testing.assert_allclose(fwd.to_numpy(), expected)


def test_horizon_and_unknown_execution():
    assert label_horizon("next_open") == 2
    with pytest.raises(ConfigError, match="unknown execution 'close'"):
        label_horizon("close")
