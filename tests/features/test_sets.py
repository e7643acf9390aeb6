"""Feature sets, selection by config (set, add, drop, windows) and the dataset builder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.features import FEATURE_SETS, FEATURES, build_dataset, compute_features, resolve_features
from alphacheck.scenarios.schema import FeatureConfig

BASIC_NAMES = [
    "ret_1", "ret_lag_1", "ret_lag_2", "ret_lag_3", "ret_lag_4", "ret_lag_5",
    "close_sma_5", "close_sma_10", "close_sma_20", "rsi_14",
    "log_volume_change", "log_volume_change_lag_1", "log_volume_change_lag_2", "log_volume_change_lag_3",
]  # fmt: skip


def test_basic_set_is_the_issue_list(prices):
    features = compute_features(prices, "basic")
    assert list(features.columns) == BASIC_NAMES
    close, volume = prices["close"].to_numpy(), prices["volume"].to_numpy()
    t = 40
    assert features["ret_lag_3"].iloc[t] == pytest.approx(close[t - 3] / close[t - 4] - 1, rel=1e-12)
    assert features["close_sma_5"].iloc[t] == pytest.approx(
        close[t] / close[t - 4 : t + 1].mean() - 1, rel=1e-12
    )
    expected = np.log1p(volume[t - 2]) - np.log1p(volume[t - 3])
    assert features["log_volume_change_lag_2"].iloc[t] == pytest.approx(expected, rel=1e-12)


def test_advanced_set_has_33_documented_features(prices):
    names = FEATURE_SETS["advanced"]
    assert len(names) == 33 and len(set(names)) == 33
    assert all(FEATURES[name].formula and FEATURES[name].builtin for name in names)
    features = compute_features(prices, "advanced")
    assert list(features.columns) == list(names)
    # After the longest warm-up (vol_20 over 50 days: 20 + 50 bars) every value is finite.
    assert np.isfinite(features.iloc[70:].to_numpy()).all()
    assert features.iloc[:69].isna().any(axis=1).all()


def test_simple_advanced_features_by_hand(prices):
    f = compute_features(prices, "advanced")
    o, h, l, c, v = (prices[k].to_numpy() for k in ("open", "high", "low", "close", "volume"))
    t = 120
    returns = c[1:] / c[:-1] - 1  # returns[i] is the return of bar i + 1
    assert f["mom_10"].iloc[t] == pytest.approx(c[t] / c[t - 10] - 1, rel=1e-12)
    assert f["vol_10"].iloc[t] == pytest.approx(np.std(returns[t - 10 : t], ddof=1), rel=1e-10)
    vol_5 = [np.std(returns[s - 5 : s], ddof=1) for s in range(t - 49, t + 1)]
    assert f["vol_5_vs_50"].iloc[t] == pytest.approx(vol_5[-1] / np.mean(vol_5) - 1, rel=1e-9)
    assert f["volume_vs_20"].iloc[t] == pytest.approx(v[t] / v[t - 19 : t + 1].mean() - 1, rel=1e-12)
    flow = c * v
    assert f["money_flow_vs_20"].iloc[t] == pytest.approx(
        flow[t] / flow[t - 19 : t + 1].mean() - 1, rel=1e-10
    )
    assert f["hl_range"].iloc[t] == pytest.approx((h[t] - l[t]) / c[t], rel=1e-12)
    assert f["close_vs_high"].iloc[t] == pytest.approx(c[t] / h[t] - 1, rel=1e-12)
    assert f["close_vs_low"].iloc[t] == pytest.approx(c[t] / l[t] - 1, rel=1e-12)
    assert f["gap"].iloc[t] == pytest.approx(o[t] / c[t - 1] - 1, rel=1e-12)
    assert f["intraday"].iloc[t] == pytest.approx(c[t] / o[t] - 1, rel=1e-12)
    assert f["close_sma_50"].iloc[t] == pytest.approx(c[t] / c[t - 49 : t + 1].mean() - 1, rel=1e-12)


def test_add_drop_and_window_override(prices):
    config = FeatureConfig(set="basic", add=["atr_14", "macd"], drop=["ret_lag_5"], windows={"rsi_14": 9})
    features = compute_features(prices, config)
    assert list(features.columns) == [n for n in BASIC_NAMES if n != "ret_lag_5"] + ["atr_14", "macd"]
    rsi_9 = compute_features(prices, "advanced")["rsi_9"]
    pd.testing.assert_series_equal(features["rsi_14"], rsi_9, check_names=False)
    macd_fast = compute_features(prices, FeatureConfig(add=["macd"], windows={"macd": {"fast": 5}}))["macd"]
    close = prices["close"]
    expected = (close.ewm(span=5, adjust=False).mean() - close.ewm(span=26, adjust=False).mean()) / close
    np.testing.assert_allclose(macd_fast.iloc[25:], expected.iloc[25:], rtol=1e-12)


def test_add_drop_as_comma_string():
    config = FeatureConfig(add="atr_14, macd", drop="ret_1")
    assert config.add == ["atr_14", "macd"] and config.drop == ["ret_1"]


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"add": ["atr14"]}, r"unknown feature 'atr14' \(did you mean 'atr_14'\?\)"),
        ({"drop": ["macd"]}, r"features.drop: 'macd' is not in set 'basic'"),
        ({"add": ["rsi_14"]}, r"features.add: 'rsi_14' is already in set 'basic'"),
        ({"windows": {"rsi_41": 5}}, r"features.windows: 'rsi_41' is not a selected feature \(did you mean"),
        ({"add": ["macd"], "windows": {"macd": 5}}, r"features.windows.macd: 5 is ambiguous"),
        (
            {"add": ["macd"], "windows": {"macd": {"fats": 5}}},
            r"unknown window 'fats' \(did you mean 'fast'\?\)",
        ),
        ({"windows": {"ret_1": 3}}, r"features.windows.ret_1: 3 is ambiguous; 'ret_1' has windows none"),
    ],
)
def test_bad_selection_is_named(config, match):
    with pytest.raises(ConfigError, match=match):
        resolve_features(FeatureConfig(**config))


def test_schema_refuses_overlap_and_bad_windows():
    with pytest.raises(ValueError, match=r"\['atr_14'\] are both added and dropped"):
        FeatureConfig(add=["atr_14"], drop=["atr_14"])
    with pytest.raises(ValueError, match="greater than 0"):
        FeatureConfig(windows={"rsi_14": 0})
    with pytest.raises(ValueError, match="Input should be 'basic' or 'advanced'"):
        FeatureConfig(set="advnced")
    # Only an added feature can be a known leak: a built-in (or unlisted) name is refused.
    with pytest.raises(ValueError, match=r"allow_lookahead names \['rsi_14'\], which features.add does not list"):
        FeatureConfig(add=["atr_14"], allow_lookahead="rsi_14")
    assert FeatureConfig(add=["a", "b"], allow_lookahead="a, b").allow_lookahead == ["a", "b"]


def test_unknown_set_name_is_named(prices):
    with pytest.raises(ConfigError, match=r"unknown feature set 'advnced' \(did you mean 'advanced'\?\)"):
        compute_features(prices, "advnced")


def test_build_dataset_drops_and_counts_warm_up(prices, caplog):
    caplog.set_level("INFO", logger="alphacheck.features.sets")
    data = build_dataset(prices, FeatureConfig(set="advanced"), "next_open")
    # vol_20_vs_50 is the last to warm up: its first value needs 20 returns (21 bars) then 50 of them.
    assert data.index[0] == prices.index[69]
    assert data.index[-1] == prices.index[-3]
    assert "dropped 69 warm-up rows and 2 unlabelled rows" in caplog.text
    assert np.isfinite(data.drop(columns="label").to_numpy()).all()


def test_build_dataset_names_a_gap_after_warm_up(prices):
    broken = prices.copy()
    broken.iloc[200, broken.columns.get_loc("volume")] = np.nan
    with pytest.raises(ConfigError, match=rf"first on {prices.index[200].date()} in \['log_volume_change'"):
        build_dataset(broken, "basic", "next_open")


def test_wilder_mean_is_the_recursion_and_stops_at_a_gap():
    from alphacheck.features.indicators import wilder_mean

    values = np.array([np.nan, 1.0, 2.0, 3.0, 4.0, 0.0, 6.0, np.nan, 1.0])
    expected = [np.nan, np.nan, np.nan, 2.0, 2 + (4 - 2) / 3, 8 / 3 - 8 / 9, np.nan, np.nan, np.nan]
    expected[6] = expected[5] + (6 - expected[5]) / 3
    np.testing.assert_allclose(wilder_mean(values, 3), expected, rtol=1e-14, equal_nan=True)
