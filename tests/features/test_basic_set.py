import numpy as np
import pandas as pd
import pytest

from alphacheck.features import build_dataset, compute_features


def test_basic_features_by_hand_on_the_last_bar(prices):
    features = compute_features(prices, "basic")
    close = prices["close"].to_numpy()
    assert features["ret_1"].iloc[-1] == pytest.approx(close[-1] / close[-2] - 1)
    assert features["ret_lag_3"].iloc[-1] == pytest.approx(close[-4] / close[-5] - 1)
    assert features["close_sma_10"].iloc[-1] == pytest.approx(close[-1] / close[-10:].mean() - 1)
    volume = prices["volume"].to_numpy()
    assert features["log_volume_change"].iloc[-1] == pytest.approx(np.log1p(volume[-1]) - np.log1p(volume[-2]))


@pytest.mark.parametrize("cut", [40, 41, 77, 150, 299])
def test_basic_features_are_causal(prices, cut):
    full = compute_features(prices, "basic")
    truncated = compute_features(prices.iloc[:cut], "basic")
    pd.testing.assert_frame_equal(truncated, full.iloc[:cut])


def test_dataset_drops_warm_up_and_unlabelled_rows_without_filling(prices):
    data = build_dataset(prices, "basic", "next_open")
    assert not data.isna().any().any()
    # SMA 20 needs 20 closes; the close/SMA ratio starts on bar 19, the 5th return lag on bar 6
    assert data.index[0] == prices.index[19]
    # the last two bars have no realised forward return
    assert data.index[-1] == prices.index[-3]
    assert set(data["label"].unique()) <= {0, 1}
    assert ((data["fwd_return"] > 0).astype("int8") == data["label"]).all()
