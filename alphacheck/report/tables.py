"""Plain-text tables for the terminal."""

from __future__ import annotations

import math

__all__ = ["format_metrics_table"]

_COLUMNS = (
    ("ticker", "ticker", "{}"),
    ("strategy", "strategy", "{}"),
    ("accuracy", "acc", "{:.1%}"),
    ("f1", "f1", "{:.3f}"),
    ("total_return", "return", "{:+.1%}"),
    ("sharpe", "sharpe", "{:.2f}"),
    ("max_drawdown", "max_dd", "{:.1%}"),
    ("win_rate", "win_rate", "{:.1%}"),
    ("n_trades", "trades", "{:d}"),
    ("n_predictions", "n_pred", "{:d}"),
)


def format_metrics_table(metrics: dict[str, dict[str, dict[str, float]]]) -> str:
    """Render ``metrics[ticker][strategy]`` as an aligned text table ("-" for undefined)."""
    rows = [[title for _, title, _ in _COLUMNS]]
    for ticker, strategies in metrics.items():
        for strategy, values in strategies.items():
            record = {"ticker": ticker, "strategy": strategy, **values}
            rows.append([_cell(record.get(key), fmt) for key, _, fmt in _COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if fmt == "{:d}":
        return fmt.format(int(value))
    return fmt.format(value)
