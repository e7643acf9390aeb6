"""Stress and shock records become MLflow metrics named by window or shock, never by their dates."""

from __future__ import annotations

from alphacheck.tracking.record import _record_section


class _Steps:
    def __init__(self):
        self.logged = {}

    def log_metric_steps(self, name, values):
        self.logged[name] = list(values)


RECORD = {
    "window_start": "2018-01-26",
    "window_end": "2018-04-06",
    "first_date": "2018-01-26",
    "last_date": "2018-04-06",
    "accuracy": 0.55,
    "sharpe": -1.5,
    "n_trades": 9,
    "folds": "1",
}


def test_window_records_are_named_by_window_and_measure():
    recorder = _Steps()
    section = {"february_2018": {"SP500": {"baseline": RECORD, "buy_and_hold": {**RECORD, "sharpe": -2.0}}}}
    _record_section(recorder, "stress", section, "baseline", "SP500")
    assert recorder.logged == {
        "stress.february_2018.accuracy": [(0, 0.55)],
        "stress.february_2018.sharpe": [(0, -1.5)],
        "stress.february_2018.n_trades": [(0, 9.0)],
    }


def test_uncovered_windows_log_nothing_but_their_count():
    recorder = _Steps()
    note = {
        "window_start": "1999-01-01",
        "window_end": "1999-02-01",
        "n_predictions": 0,
        "note": "no model was trained",
    }
    _record_section(recorder, "stress", {"early": {"SP500": {"baseline": note}}}, "baseline", "SP500")
    assert recorder.logged == {"stress.early.n_predictions": [(0, 0.0)]}


def test_shock_records_are_named_by_shock():
    recorder = _Steps()
    record = {"first_date": "2017-06-23", "last_date": "2018-12-27", "sharpe": 0.1, "sharpe_change": -0.4}
    _record_section(recorder, "shocks", {"crash": {"SP500": {"baseline": record}}}, "baseline", "SP500")
    assert recorder.logged == {"shocks.crash.sharpe": [(0, 0.1)], "shocks.crash.sharpe_change": [(0, -0.4)]}


def test_reliability_bins_are_steps_of_one_metric_per_measure():
    recorder = _Steps()
    bins = {"bin": [1, 2], "mean_proba": [0.5, 0.6], "up_rate": [0.48, 0.63], "n": [10, 10]}
    section = {"baseline": {"proba": bins, "proba_raw": bins}, "other": {"proba": bins}}
    _record_section(recorder, "reliability", section, "baseline", "SP500")
    assert recorder.logged["reliability.proba.up_rate"] == [(1, 0.48), (2, 0.63)]
    assert recorder.logged["reliability.proba_raw.mean_proba"] == [(1, 0.5), (2, 0.6)]
    assert len(recorder.logged) == 6  # two probabilities x three measures, nothing of "other"


def test_whole_window_figures_are_named_by_window_too():
    recorder = _Steps()
    whole = {"whole_window_first_date": "2018-01-26", "whole_window_last_date": "2018-04-06",
             "whole_window_folds": "1,2", "whole_window_sharpe": -1.0}
    section = {"february_2018": {"SP500": {"baseline": {**RECORD, **whole}}}}
    _record_section(recorder, "stress", section, "baseline", "SP500")
    assert recorder.logged["stress.february_2018.whole_window_sharpe"] == [(0, -1.0)]
    assert not [name for name in recorder.logged if "2018-" in name or "folds" in name]
