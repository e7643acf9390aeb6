"""Terminal tables of the stress sections, from hand-written records."""

from __future__ import annotations

from alphacheck.report.stress_tables import format_cost_sweep_table, format_shocks_table, format_stress_table

RECORD = {
    "window_start": "2020-02-20",
    "window_end": "2020-04-30",
    "first_date": "2020-02-20",
    "last_date": "2020-04-30",
    "accuracy": 0.55,
    "accuracy_ci_low": 0.43,
    "accuracy_ci_high": 0.66,
    "total_return": -0.125,
    "sharpe": -1.234,
    "max_drawdown": -0.2,
    "n_trades": 7,
    "costs_paid": 0.0123,
    "n_predictions": 49,
    "excess_return_vs_buy_and_hold": 0.05,
    "folds": "0",
}


def _whole(record, **changes):
    """The record with a whole-window walk-forward score beside it."""
    return {**record, **{f"whole_window_{k}": v for k, v in {**record, **changes}.items()
                         if not k.startswith("window_")}}


def test_stress_table_rows_and_notes():
    hold = {
        **RECORD,
        "accuracy": float("nan"),
        "accuracy_ci_low": None,
        "accuracy_ci_high": None,
        "total_return": -0.175,
        "n_trades": 1,
        "costs_paid": 0.0,
    }
    hold.pop("excess_return_vs_buy_and_hold")
    uncovered = {
        "window_start": "1999-01-01",
        "window_end": "1999-02-01",
        "n_predictions": 0,
        "note": "no model",
    }
    late = {"first_date": "2020-03-05", "last_date": "2020-04-30", "total_return": -0.3, "folds": "0,1"}
    text = format_stress_table(
        {
            "covid": {"SPY": {"baseline": _whole(RECORD, **late), "buy_and_hold": _whole(hold, **late)}},
            "early": {"SPY": {"baseline": uncovered, "buy_and_hold": uncovered}},
        }
    )
    lines = text.splitlines()
    assert lines[0].split() == [
        "window", "ticker", "strategy", "models", "days", "scored", "acc", "acc_95ci", "return", "vs_b&h",
        "sharpe", "max_dd", "trades", "costs",
    ]
    assert lines[2].split() == [
        "covid", "SPY", "baseline", "trained", "before", "2020-02-20..2020-04-30", "55.0%", "43%-66%",
        "-12.5%", "+5.0%", "-1.23", "-20.0%", "7", "1.23%",
    ]
    assert lines[3].split() == [
        "covid", "SPY", "baseline", "walk-forward", "2020-03-05..2020-04-30", "55.0%", "43%-66%", "-30.0%",
        "+5.0%", "-1.23", "-20.0%", "7", "1.23%",
    ]
    assert lines[4].split() == [
        "covid", "SPY", "buy_and_hold", "trained", "before", "2020-02-20..2020-04-30", "-", "-",
        "-17.5%", "-", "-1.23", "-20.0%", "1", "0.00%",
    ]
    assert lines[5].split()[3:5] == ["walk-forward", "2020-03-05..2020-04-30"]
    # a run folder written before the whole-window score: one row, as before
    assert lines[6] == "early (SPY, trained before): no model"
    assert len(lines) == 7


def test_a_record_without_the_whole_window_score_keeps_one_row():
    lines = format_stress_table({"covid": {"SPY": {"baseline": RECORD}}}).splitlines()
    assert len(lines) == 3 and lines[2].split()[3:5] == ["trained", "before"]


def test_shocks_table_shows_the_changes():
    record = {
        "accuracy": 0.5,
        "accuracy_change": -0.02,
        "total_return": 0.1,
        "total_return_change": -0.3,
        "sharpe": 0.4,
        "sharpe_change": -0.55,
        "max_drawdown": -0.3,
        "n_trades": 12,
    }
    lines = format_shocks_table({"crash": {"SPY": {"baseline": record}}}).splitlines()
    assert lines[2].split() == [
        "crash",
        "SPY",
        "baseline",
        "50.0%",
        "-2.0%",
        "+10.0%",
        "-30.0%",
        "0.40",
        "-0.55",
        "-30.0%",
        "12",
    ]


def test_cost_sweep_table_and_break_even_states():
    sweep = {
        "SPY": {
            "a": {"cost_bps_per_side": [0.0, 10.0], "sharpe": [1.0, -1.0], "total_return": [0.2, -0.1]},
            "b": {"cost_bps_per_side": [0.0, 10.0], "sharpe": [2.0, 1.0], "total_return": [0.5, 0.3]},
            "c": {"cost_bps_per_side": [0.0, 10.0], "sharpe": [-1.0, -2.0], "total_return": [-0.1, -0.2]},
        }
    }
    significance = {
        "SPY": {
            "break_even_cost": {
                "a": {"zero_sharpe": {"bps": 5.0, "status": "crossed"}},
                "b": {"zero_sharpe": {"bps": 10.0, "status": "above_sweep"}},
                "c": {"zero_sharpe": {"bps": 0.0, "status": "below_at_zero_cost"}},
            }
        }
    }
    lines = format_cost_sweep_table(sweep, significance).splitlines()
    assert lines[0].split() == ["ticker", "strategy", "0bps", "10bps", "break-even"]
    assert lines[2].split() == ["SPY", "a", "+20.0%", "-10.0%", "5.0bps"]
    assert lines[3].split() == ["SPY", "b", "+50.0%", "+30.0%", ">10bps"]
    assert lines[4].split() == ["SPY", "c", "-10.0%", "-20.0%", "none"]
