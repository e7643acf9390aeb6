"""What record_run sends to a recorder, checked with a recorder that keeps every call."""

from __future__ import annotations

from alphacheck.tracking.record import _record_section


class KeepingRecorder:
    """Keeps the metric steps it is given."""

    def __init__(self) -> None:
        self.steps: dict[str, list[tuple[int, float]]] = {}

    def log_metric_steps(self, name, values) -> None:
        self.steps.setdefault(name, []).extend(values)


def test_per_fold_keys_become_steps_and_other_strategies_are_left_out():
    section = {"SPY": {"v": {"0": {"sharpe": 0.5, "n_trades": 3, "warning": "only 40 predictions (< 100): read"},
                             "1": {"sharpe": -0.25, "n_trades": 4}},
                       "buy_and_hold": {"0": {"sharpe": 9.0}}},
               "QQQ": {"v": {"0": {"sharpe": 7.0}}}}
    recorder = KeepingRecorder()
    _record_section(recorder, "per_fold", section, "v", "SPY")
    assert recorder.steps == {"per_fold.sharpe": [(0, 0.5), (1, -0.25)], "per_fold.n_trades": [(0, 3.0), (1, 4.0)]}


def test_cost_columns_and_years_name_their_metrics():
    recorder = KeepingRecorder()
    _record_section(recorder, "cost_sweep", {"SPY": {"v": {"cost_bps_per_side": [0.0, 5.0], "sharpe": [0.9, 0.4]}}},
                    "v", "SPY")
    _record_section(recorder, "per_year", {"SPY": {"v": {"2019": {"sharpe": 1.5}}}}, "v", "SPY")
    assert recorder.steps == {"cost_sweep.0.sharpe": [(0, 0.9)], "cost_sweep.5.sharpe": [(0, 0.4)],
                              "per_year.2019.sharpe": [(0, 1.5)]}
