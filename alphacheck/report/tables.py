"""The headline metrics: plain-text tables for the terminal, and a DataFrame for the Python API."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SUMMARY_COLUMNS", "format_metrics_table", "summary_frame"]

#: The headline metrics of :func:`summary_frame`: the terminal table's, plus the trade win rate.
SUMMARY_COLUMNS = (
    "accuracy", "accuracy_ci_low", "accuracy_ci_high", "share_up", "total_return",
    "excess_return_vs_buy_and_hold", "sharpe", "max_drawdown", "win_rate", "n_trades", "n_predictions",
)

_COLUMNS = (
    ("ticker", "ticker", "{}"),
    ("strategy", "strategy", "{}"),
    ("accuracy", "acc", "{:.1%}"),
    ("accuracy_ci", "acc_95ci", "ci"),
    ("share_up", "up%", "{:.0%}"),
    ("total_return", "return", "{:+.1%}"),
    ("excess_return_vs_buy_and_hold", "vs_b&h", "{:+.1%}"),
    ("sharpe", "sharpe", "{:.2f}"),
    ("max_drawdown", "max_dd", "{:.1%}"),
    ("n_trades", "trades", "{:d}"),
    ("n_predictions", "n_pred", "{:d}"),
)


def format_metrics_table(metrics: dict[str, dict[str, dict[str, float]]]) -> str:
    """Render ``metrics[ticker][strategy]`` as an aligned text table ("-" for undefined).

    ``up%`` is the share of "up" predictions (100% or 0% is a constant
    predictor); ``vs_b&h`` the total return minus buy-and-hold's on the same
    bars; ``acc_95ci`` the Wilson interval of the accuracy.
    """
    rows = [[title for _, title, _ in _COLUMNS]]
    for ticker, strategies in metrics.items():
        for strategy, values in strategies.items():
            record = {"ticker": ticker, "strategy": strategy, **values}
            record["accuracy_ci"] = (values.get("accuracy_ci_low"), values.get("accuracy_ci_high"))
            rows.append([_cell(record.get(key), fmt) for key, _, fmt in _COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object, fmt: str) -> str:
    if fmt == "ci":
        low, high = value
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (low, high)):
            return "-"
        return f"{low:.0%}-{high:.0%}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if fmt == "{:d}":
        return fmt.format(int(value))
    return fmt.format(value)


def summary_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """One row per (ticker, strategy) of a run's ``metrics.json``: the headline metrics and the verdict.

    Parameters
    ----------
    metrics
        The whole ``metrics.json`` mapping.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(ticker, strategy)``, columns :data:`SUMMARY_COLUMNS`
        (floats; ``NaN`` where a metric is undefined) and,
        when ``metrics["verdict"]`` exists, ``verdict``: the label of
        ``metrics["verdict"][ticker][strategy]`` (missing for the baselines).
    """
    import pandas as pd

    verdicts = metrics.get("verdict")
    rows = []
    for ticker, strategies in metrics["metrics"].items():
        for strategy, values in strategies.items():
            row = {"ticker": ticker, "strategy": strategy, **{key: values.get(key) for key in SUMMARY_COLUMNS}}
            if isinstance(verdicts, dict):
                row["verdict"] = ((verdicts.get(ticker) or {}).get(strategy) or {}).get("label")
            rows.append(row)
    columns = ["ticker", "strategy", *SUMMARY_COLUMNS, *(["verdict"] if isinstance(verdicts, dict) else [])]
    frame = pd.DataFrame(rows, columns=columns).set_index(["ticker", "strategy"])
    # floats throughout: counts of the `random` baseline are means over its draws
    frame[list(SUMMARY_COLUMNS)] = frame[list(SUMMARY_COLUMNS)].astype("float64")
    return frame
