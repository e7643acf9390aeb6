"""The terminal table shows a constant predictor and the gap to buy-and-hold at once."""

from __future__ import annotations

from alphacheck.report.tables import format_metrics_table


def test_table_shows_share_up_interval_and_excess_over_buy_and_hold() -> None:
    metrics = {
        "SPY": {
            "baseline": {
                "accuracy": 0.527,
                "accuracy_ci_low": 0.49,
                "accuracy_ci_high": 0.56,
                "share_up": 1.0,
                "total_return": 0.10,
                "excess_return_vs_buy_and_hold": -0.05,
                "sharpe": 0.5,
                "max_drawdown": -0.2,
                "win_rate": 1.0,
                "n_trades": 1,
                "n_predictions": 750,
            },
            "buy_and_hold": {
                "accuracy": float("nan"),
                "total_return": 0.15,
                "excess_return_vs_buy_and_hold": 0.0,
                "sharpe": 0.7,
                "max_drawdown": -0.25,
                "win_rate": 1.0,
                "n_trades": 1,
                "n_predictions": 0,
            },
        }
    }
    lines = format_metrics_table(metrics).splitlines()
    assert lines[0].split() == [
        "ticker",
        "strategy",
        "acc",
        "acc_95ci",
        "up%",
        "return",
        "vs_b&h",
        "sharpe",
        "max_dd",
        "trades",
        "n_pred",
    ]
    assert lines[2].split() == [
        "SPY",
        "baseline",
        "52.7%",
        "49%-56%",
        "100%",
        "+10.0%",
        "-5.0%",
        "0.50",
        "-20.0%",
        "1",
        "750",
    ]
    assert lines[3].split()[2:5] == ["-", "-", "-"]
    assert max(len(line) for line in lines) <= 95
