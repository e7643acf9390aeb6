"""Each audit check on small hand-made inputs: what passes, what warns, what fails and what it names."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import alphacheck.features
from alphacheck.audit import (
    FAIL,
    PASS,
    WARN,
    AuditReport,
    Check,
    degenerate_predictor,
    drift,
    feature_causality,
    format_audit_table,
    population_stability_index,
    prediction_causality,
    scaler_leaks,
    shuffled_labels,
    split_hygiene,
    stump_accuracy,
    target_leakage,
    too_good_to_be_true,
)
from alphacheck.scenarios.schema import FeatureConfig, WalkForwardConfig
from alphacheck.walkforward import make_folds

WALK = WalkForwardConfig(train_days=200, test_days=100, purge_days=2, validation_days=40, sequence_length=5)


def _dataset(n: int = 600, seed: int = 0, leak: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=n, name="date")
    fwd = rng.normal(0.0003, 0.01, n)
    data = pd.DataFrame({"noise": rng.normal(size=n), "other": rng.normal(size=n)}, index=dates)
    if leak:
        data["leak"] = fwd + rng.normal(0, 0.003, n)
    return data.assign(fwd_return=fwd, label=(fwd > 0).astype("int8"))


def _predictions(proba, label, variant="m", start="2020-01-01") -> pd.DataFrame:
    dates = pd.bdate_range(start, periods=len(proba))
    return pd.DataFrame(
        {
            "date": dates,
            "ticker": "T",
            "variant": variant,
            "fold": 0,
            "proba": proba,
            "label": label,
            "fwd_return": np.where(np.asarray(label) > 0, 0.01, -0.01),
        }
    )


def test_feature_causality_names_centred_mean_and_next_day_return(clean_registry, prices):
    @alphacheck.features.register("centred_mean_5")
    def centred_mean_5(p):
        return p["close"].rolling(5, center=True).mean()

    @alphacheck.features.register("tomorrow_return")
    def tomorrow_return(p):
        return p["close"].pct_change().shift(-1)

    check = feature_causality({"T": prices}, FeatureConfig(add=["centred_mean_5", "tomorrow_return"]))
    assert check.verdict == FAIL and check.summary.endswith("centred_mean_5, tomorrow_return")
    first_cut = len(prices) // 2  # default_cuts starts at the middle
    # A centred 5-day mean at t needs t+2: cut at c, the value at c-1 is already missing.
    assert check.details["leaking"]["centred_mean_5"]["first_difference"] == str(
        prices.index[first_cut - 1].date()
    )
    assert check.details["leaking"]["tomorrow_return"]["first_difference"] == str(
        prices.index[first_cut].date()
    )


def test_feature_causality_passes_the_builtin_sets(prices):
    check = feature_causality({"A": prices, "B": prices * 1.1}, "basic", n_cuts=3)
    assert check.verdict == PASS and check.details["features_checked"] == 28


def test_stump_picks_threshold_and_direction():
    x = np.arange(1.0, 11.0)
    # The first perfect threshold among the 5%..95% quantiles of 1..10 is the 45% one, 5.05.
    assert stump_accuracy(x, x > 5, np.array([0.0, 5.03, 5.6, 100.0])).tolist() == [False, False, True, True]
    assert stump_accuracy(x, x <= 5, np.array([0.0, 5.03, 5.6, 100.0])).tolist() == [True, True, False, False]


def test_target_leakage_flags_a_feature_built_from_the_label_return():
    data = {"A": _dataset(leak=True), "B": _dataset(seed=1, leak=True)}
    folds = make_folds(data["A"].index, WALK)
    check = target_leakage(data, folds, ["noise", "other", "leak"])
    assert check.verdict == FAIL and check.summary.endswith(": leak")
    assert check.details["features"]["leak"]["accuracy"] > 0.8
    assert check.details["features"]["noise"]["accuracy"] < 0.6
    clean = {"A": _dataset()}
    assert target_leakage(clean, make_folds(clean["A"].index, WALK), ["noise", "other"]).verdict == PASS


def _hand_leakage(data: dict[str, pd.DataFrame], folds, column: str) -> tuple[float, float]:
    """Walk-forward accuracy of the best one-threshold rule and the majority rate, one row at a time.

    Per fold: the training rows (fit and validation, tickers pooled) try each 5%, 10%, ..., 95% quantile
    as the threshold, "up above" or "up below" (the first best in that order), then the test rows are
    counted right or wrong.
    """
    right = up = total = 0
    for fold in folds:
        train = [row for d in data.values() for row in d.loc[fold.fit_start : fold.val_end].itertuples()]
        test = [row for d in data.values() for row in d.loc[fold.test_start : fold.test_end].itertuples()]
        values = np.array([getattr(row, column) for row in train])
        best = None
        for percent in range(5, 100, 5):
            threshold = float(np.quantile(values, percent / 100))
            above = sum((getattr(row, column) > threshold) == bool(row.label) for row in train) / len(train)
            if best is None or max(above, 1 - above) > best[0]:
                best = (max(above, 1 - above), threshold, above >= 1 - above)
        _, threshold, up_above = best
        for row in test:
            says_up = (getattr(row, column) > threshold) == up_above
            right += says_up == bool(row.label)
            up += int(row.label)
            total += 1
    return right / total, max(up, total - up) / total


def test_target_leakage_scores_match_a_hand_count():
    data = {"A": _dataset(leak=True), "B": _dataset(seed=1, leak=True)}
    folds = make_folds(data["A"].index, WALK)
    check = target_leakage(data, folds, ["noise", "other", "leak"])
    for column in ("noise", "other", "leak"):
        accuracy, majority = _hand_leakage(data, folds, column)
        assert check.details["features"][column]["accuracy"] == pytest.approx(accuracy, abs=1e-12), column
        assert check.details["majority_rate"] == pytest.approx(majority, abs=1e-12)
    assert check.details["n_test_rows"] == sum(
        len(d.loc[f.test_start : f.test_end]) for f in folds for d in data.values()
    )


def _weak_leak(n: int, seed: int, noise: float) -> pd.DataFrame:
    """A feature that is the label's own return drowned in noise: it knows the label, weakly."""
    data = _dataset(n, seed)
    rng = np.random.default_rng(seed + 100)
    return data.assign(weak=data["fwd_return"] + rng.normal(0, noise, n))


@pytest.mark.parametrize(
    ("noise", "n", "verdict", "low", "high"),
    [(0.03, 600, FAIL, 0.05, 0.10), (0.08, 3000, WARN, 0.02, 0.05)],
)
def test_target_leakage_fails_at_five_points_and_warns_from_two(noise, n, verdict, low, high):
    data = {"A": _weak_leak(n, 0, noise), "B": _weak_leak(n, 1, noise)}
    check = target_leakage(data, make_folds(data["A"].index, WALK), ["noise", "weak"])
    scored = check.details["features"]["weak"]
    majority, rows = check.details["majority_rate"], check.details["n_test_rows"]
    assert low <= scored["accuracy"] - majority < high  # the margin this case is about
    hits = round(scored["accuracy"] * rows)
    assert scored["p_value"] == pytest.approx(
        stats.binomtest(hits, rows, majority, alternative="greater").pvalue, rel=1e-9
    )
    assert scored["p_value"] < 0.01
    assert check.verdict == verdict and check.summary.endswith(": weak")


def test_population_stability_index_by_hand():
    expected = np.arange(1000.0)
    assert population_stability_index(expected, expected) == pytest.approx(0.0, abs=1e-15)
    # Every actual value in the lowest decile: shares 1 and nine bins floored at 1e-4, against 0.1 each.
    actual = np.full(50, 3.0)
    by_hand = (1 - 0.1) * np.log(1 / 0.1) + 9 * (1e-4 - 0.1) * np.log(1e-4 / 0.1)
    assert population_stability_index(expected, actual) == pytest.approx(by_hand, rel=1e-12)


def test_drift_lists_the_shifted_feature():
    data = _dataset()
    folds = make_folds(data.index, WALK)
    assert drift({"A": data}, folds, ["noise", "other"]).verdict == PASS
    shifted = data.copy()
    shifted.loc[folds[0].test_start :, "other"] += 5.0
    check = drift({"A": shifted}, folds, ["noise", "other"])
    assert check.verdict == WARN and "other" in check.summary and "noise" not in check.summary
    assert check.evidence[0].startswith("fold 0: other PSI=")


def test_degenerate_predictor():
    label = np.array([1, 0] * 100)
    constant = degenerate_predictor(_predictions(np.full(200, 0.53), label))
    assert constant.verdict == FAIL and "a constant predictor" in constant.evidence[0]
    assert "it ignores its inputs" in constant.evidence[0]
    varied = degenerate_predictor(_predictions(np.where(label == 1, 0.6, 0.4), label))
    assert varied.verdict == PASS
    nearly = degenerate_predictor(_predictions(np.where(np.arange(200) < 184, 0.6, 0.4), label))
    assert nearly.verdict == WARN and "says up on 92.0% of days" in nearly.evidence[0]
    assert "nearly constant" in nearly.evidence[0]


def test_calls_all_one_way_from_a_moving_proba_warn_without_failing():
    # A calibrated model without skill: P(up) near the 56% up-day rate, always above 0.5, so it always
    # says up. Its accuracy is the up-day share (no evidence of skill), but the pipeline is not broken.
    proba = 0.56 + 0.03 * np.sin(np.arange(200))
    label = np.r_[np.ones(112), np.zeros(88)].astype(int)
    check = degenerate_predictor(_predictions(proba, label))
    assert check.verdict == WARN
    assert check.evidence[0].startswith("m: says up on 100.0% of days, P(up) std 0.021: P(up) 0.530..0.590")
    assert "trades as a constant predictor" in check.evidence[0]
    # A calibration that found no skill on the validation tail maps every score to the up rate: the
    # traded P(up) is constant, the model's own is not. No skill, nothing broken: a warning.
    flattened = _predictions(np.full(200, 0.56), label).assign(proba_raw=0.5 + 0.1 * np.sin(np.arange(200)))
    check = degenerate_predictor(flattened)
    assert check.verdict == WARN and "(the model's own 0.400..0.600)" in check.evidence[0]
    assert check.details["m"]["proba_std"] < 1e-12 and check.details["m"]["model_proba_std"] > 0.05
    # Its own output constant too: the model ignores its inputs.
    broken = flattened.assign(proba_raw=0.52)
    assert degenerate_predictor(broken).verdict == FAIL


def test_degenerate_predictor_ignores_an_accuracy_that_equals_the_up_share_by_coincidence():
    # Says up on 73% of 200 days (146); 80 of those are up days, and 27 of its 54 "down" days are
    # down: 107 correct, the same count as the 80 + 27 up days. A coincidence, not a constant predictor.
    proba = np.where(np.arange(200) < 146, 0.6, 0.4)
    label = np.r_[np.ones(80), np.zeros(66), np.ones(27), np.zeros(27)].astype(int)
    assert np.sum((proba > 0.5) == label) == label.sum() == 107
    check = degenerate_predictor(_predictions(proba, label))
    assert check.verdict == PASS, check.evidence
    assert check.details["m"]["share_up"] == 0.73


def test_too_good_to_be_true():
    label = np.array([1, 0] * 100)
    honest = _predictions(np.where(np.arange(200) % 4 == 0, 0.4, 0.6), label)
    assert too_good_to_be_true(honest, {"m on T": 0.8}).verdict == PASS
    perfect = _predictions(np.where(label == 1, 0.7, 0.3), label)
    check = too_good_to_be_true(perfect, {"m on T": 3.5})
    assert check.verdict == WARN
    assert check.evidence[0].startswith(
        "m on T: daily direction accuracy 100.0% vs majority 50.0% (+50.0 points"
    )
    assert "m on T: Sharpe 3.50 after costs > 3" in check.evidence
    assert any("fitted on all rows" in line for line in check.evidence)


def test_too_good_compares_accuracy_with_the_window_majority_rate():
    # 500 days, 302 up (60.4%): always-up scores 60.4% and knows nothing.
    label = np.r_[np.ones(302), np.zeros(198)].astype(int)
    np.random.default_rng(0).shuffle(label)
    constant = too_good_to_be_true(_predictions(np.full(500, 0.7), label), {})
    assert constant.verdict == PASS
    assert constant.details["m on T"]["accuracy"] == constant.details["m on T"]["majority_rate"] == 0.604
    # Right on 339 of 500 (67.8%): 7.4 points above the majority, binomial p < 0.001 (scipy below).
    knows = label.copy()
    knows[np.flatnonzero(label == 0)[:161]] = 1  # wrong on 161 down days only
    assert np.sum(knows == label) == 339
    check = too_good_to_be_true(_predictions(np.where(knows == 1, 0.7, 0.3), label), {})
    assert check.verdict == WARN and "67.8% vs majority 60.4% (+7.4 points" in check.evidence[0]
    assert check.details["m on T"]["p_value"] == pytest.approx(
        stats.binomtest(339, 500, 0.604, alternative="greater").pvalue, rel=1e-12
    )
    # The same margin on 50 days is not significant: not flagged.
    small = _predictions(np.where(knows[:50] == 1, 0.7, 0.3), label[:50])
    assert too_good_to_be_true(small, {}).details["m on T"]["p_value"] > 0.01


def test_shuffled_labels_fail_when_the_permuted_answer_is_found():
    rng = np.random.default_rng(0)
    label = rng.integers(0, 2, 300)
    random = _predictions(rng.uniform(size=300), label)
    assert shuffled_labels(random).verdict == PASS
    knows = np.where(rng.uniform(size=300) < 0.8, label, 1 - label)
    check = shuffled_labels(_predictions(np.where(knows == 1, 0.7, 0.3), label), real=random)
    assert check.verdict == FAIL and check.details["m"]["p_value"] < 1e-6


def test_prediction_causality():
    full = _predictions(np.linspace(0.4, 0.6, 10), np.ones(10))
    cut_date = full["date"].iloc[-1]
    assert prediction_causality(full, full.copy(), cut_date).verdict == PASS
    changed = full.copy()
    changed.loc[3, "proba"] += 0.01
    check = prediction_causality(full, changed, cut_date)
    assert check.verdict == FAIL and check.details["first_changed"] == str(full["date"][3].date())
    missing = prediction_causality(full, full.iloc[:-2], cut_date)
    assert missing.verdict == FAIL and missing.details["first_missing"] == str(full["date"][8].date())


def test_split_hygiene_on_folds_and_predictions():
    data = _dataset()
    calendar = data.index
    folds = make_folds(calendar, WALK)
    assert split_hygiene(calendar, folds, 2, 2).verdict == PASS
    touching = [dataclasses.replace(folds[0], test_start=calendar[calendar.get_loc(folds[0].val_end) + 1])]
    check = split_hygiene(calendar, touching, 2, 2)
    assert check.verdict == FAIL and "0 bars between training range and test window" in check.summary
    assert "purge_days=1 is shorter" in split_hygiene(calendar, folds, 1, 2).summary
    rows = pd.DataFrame(
        {"date": [folds[0].test_start, folds[0].val_end], "ticker": "A", "variant": "m", "fold": 0}
    )
    outside = split_hygiene(calendar, folds, 2, 2, rows)
    assert (
        outside.verdict == FAIL
        and f"{folds[0].val_end.date()} lies outside its test window" in outside.summary
    )
    twice = pd.concat([rows.iloc[:1], rows.iloc[:1]], ignore_index=True)
    assert "predicted twice" in split_hygiene(calendar, folds, 2, 2, twice).summary


def test_scaler_leaks_only_when_the_scaler_sees_later_rows(monkeypatch):
    from alphacheck.walkforward import folds as fold_steps

    data = {"A": _dataset(), "B": _dataset(seed=1)}
    calendar = data["A"].index
    fold = make_folds(calendar, WALK)[0]
    assert scaler_leaks(data, calendar, fold, 5) == []
    honest = fold_steps.fit_scaler

    def all_rows(datasets, fold):
        return honest(datasets, dataclasses.replace(fold, fit_start=calendar[0], fit_end=calendar[-1]))

    monkeypatch.setattr(fold_steps, "fit_scaler", all_rows)
    problems = scaler_leaks(data, calendar, fold, 5)
    assert problems and problems[0].startswith("fold 0: the fit inputs change")


def test_report_exit_code_and_table():
    report = AuditReport("s", [Check("a", PASS, "fine"), Check("b", WARN, "look", ("e1",))])
    assert report.exit_code == 0 and report.as_dict()["verdict"] == WARN
    report.checks.append(Check("c", FAIL, "broken", tuple(f"line {i}" for i in range(7))))
    assert report.exit_code == 1 and report.as_dict()["verdict"] == FAIL
    table = format_audit_table(report)
    assert "FAIL  c  broken" in table and "... 2 more in audit.json" in table
    assert table.endswith("s: 1 passed, 1 warned, 1 failed")
    with pytest.raises(ValueError, match="verdict must be one of"):
        Check("x", "ok", "")


def test_audit_training_uses_the_scenarios_cpu_threads(monkeypatch):
    """The audit trains with ``training.cpu_threads`` torch threads, as a run does (not one per core)."""
    import torch

    from alphacheck.audit import runner
    from alphacheck.scenarios import load_scenario
    from alphacheck.scenarios.overrides import apply_overrides

    seen = []

    class _Result:
        predictions = pd.DataFrame()

    def fake_walkforward(datasets, scenario, device):
        seen.append(torch.get_num_threads())
        return _Result()

    monkeypatch.setattr("alphacheck.walkforward.run_walkforward", fake_walkforward)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        scenario = apply_overrides(load_scenario("quick"), {"device": "cpu", "training.cpu_threads": 1})
        runner._walkforward({}, scenario)
    finally:
        torch.set_num_threads(before)
    assert seen == [1]
