"""Terminal tables of the stress sections: windows, shocks and the cost sweep."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_cost_sweep_table", "format_shocks_table", "format_stress_table"]

_WINDOW_COLUMNS = (
    ("window", "window", "{}"),
    ("ticker", "ticker", "{}"),
    ("strategy", "strategy", "{}"),
    ("basis", "models", "{}"),
    ("days", "days scored", "{}"),
    ("accuracy", "acc", "{:.1%}"),
    ("accuracy_ci", "acc_95ci", "ci"),
    ("total_return", "return", "{:+.1%}"),
    ("excess_return_vs_buy_and_hold", "vs_b&h", "{:+.1%}"),
    ("sharpe", "sharpe", "{:.2f}"),
    ("max_drawdown", "max_dd", "{:.1%}"),
    ("n_trades", "trades", "{:d}"),
    ("costs_paid", "costs", "{:.2%}"),
)
_WHOLE_WINDOW = "whole_window_"
#: How a stress record's two scores are labelled, and the prefix of their keys.
_BASES = (("trained before", ""), ("walk-forward", _WHOLE_WINDOW))
_SHOCK_COLUMNS = (
    ("shock", "shock", "{}"),
    ("ticker", "ticker", "{}"),
    ("strategy", "strategy", "{}"),
    ("accuracy", "acc", "{:.1%}"),
    ("accuracy_change", "d_acc", "{:+.1%}"),
    ("total_return", "return", "{:+.1%}"),
    ("total_return_change", "d_return", "{:+.1%}"),
    ("sharpe", "sharpe", "{:.2f}"),
    ("sharpe_change", "d_sharpe", "{:+.2f}"),
    ("max_drawdown", "max_dd", "{:.1%}"),
    ("n_trades", "trades", "{:d}"),
)


def format_stress_table(stress: dict[str, dict[str, dict[str, dict[str, Any]]]]) -> str:
    """Render ``stress[window][ticker][strategy]`` as an aligned table, two rows per strategy.

    ``models`` says which predictions a row scores: ``trained before``, those
    of models trained before the window began (the record's plain keys), or
    ``walk-forward``, every walk-forward prediction inside the window (its
    ``whole_window_*`` keys). ``days scored`` is the span each covers; a way
    with no prediction shows its note below the table instead.
    """
    rows, notes = [], []
    for window, tickers in stress.items():
        for ticker, strategies in tickers.items():
            for strategy, record in strategies.items():
                for basis, prefix in _BASES:
                    values = {k[len(prefix) :]: v for k, v in record.items() if k.startswith(prefix)}
                    if prefix == "":
                        values = {k: v for k, v in record.items() if not k.startswith(_WHOLE_WINDOW)}
                    if values.get("note"):
                        if strategy == "buy_and_hold":
                            notes.append(f"{window} ({ticker}, {basis}): {values['note']}")
                        continue
                    if not values:
                        continue  # a run folder written before the whole-window score existed
                    rows.append(
                        {
                            "window": window,
                            "ticker": ticker,
                            "strategy": strategy,
                            "basis": basis,
                            "days": f"{values.get('first_date')}..{values.get('last_date')}",
                            "accuracy_ci": (values.get("accuracy_ci_low"), values.get("accuracy_ci_high")),
                            **values,
                        }
                    )
    return _render(_WINDOW_COLUMNS, rows) + "".join(f"\n{note}" for note in notes)


def format_shocks_table(shocks: dict[str, dict[str, dict[str, dict[str, Any]]]]) -> str:
    """Render ``shocks[shock][ticker][strategy]``: shocked figures and their change (``d_*``)."""
    rows = [
        {"shock": shock, "ticker": ticker, "strategy": strategy, **record}
        for shock, tickers in shocks.items()
        for ticker, strategies in tickers.items()
        for strategy, record in strategies.items()
    ]
    return _render(_SHOCK_COLUMNS, rows)


def format_cost_sweep_table(
    cost_sweep: dict[str, dict[str, dict[str, list[float]]]], significance: dict[str, dict[str, Any]]
) -> str:
    """Total return per cost level (bps per side), and the break-even cost where Sharpe reaches 0.

    ``break-even`` is interpolated between sweep levels: ``none`` when the
    strategy's Sharpe is not positive even at zero cost, ``>X`` when it is still
    positive at the highest level X.
    """
    levels = sorted(
        {
            level
            for variants in cost_sweep.values()
            for sweep in variants.values()
            for level in sweep["cost_bps_per_side"]
        }
    )
    columns = [("ticker", "ticker", "{}"), ("strategy", "strategy", "{}")]
    columns += [(f"at_{level:g}", f"{level:g}bps", "{:+.1%}") for level in levels]
    columns.append(("break_even", "break-even", "{}"))
    rows = []
    for ticker, variants in cost_sweep.items():
        for variant, sweep in variants.items():
            row = {"ticker": ticker, "strategy": variant}
            row.update({f"at_{lv:g}": r for lv, r in zip(sweep["cost_bps_per_side"], sweep["total_return"])})
            even = significance.get(ticker, {}).get("break_even_cost", {}).get(variant, {}).get("zero_sharpe")
            row["break_even"] = _break_even(even)
            rows.append(row)
    return _render(tuple(columns), rows)


def _render(columns: tuple[tuple[str, str, str], ...], records: list[dict[str, Any]]) -> str:
    rows = [[title for _, title, _ in columns]]
    rows += [[_cell(record.get(key), fmt) for key, _, fmt in columns] for record in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    keys = next((i for i, (_, _, fmt) in enumerate(columns) if fmt != "{}"), len(columns))
    lines = [
        "  ".join(c.ljust(w) if i < keys else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _break_even(even: dict[str, Any] | None) -> str:
    """``12.5bps``; ``none`` when Sharpe is <= 0 even without costs; ``>190bps`` past the sweep."""
    if not even:
        return "-"
    if even["status"] == "below_at_zero_cost":
        return "none"
    return f">{even['bps']:g}bps" if even["status"] == "above_sweep" else f"{even['bps']:.1f}bps"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any, fmt: str) -> str:
    if fmt == "ci":
        low, high = value if isinstance(value, tuple) else (None, None)
        return "-" if _missing(low) or _missing(high) else f"{low:.0%}-{high:.0%}"
    if _missing(value):
        return "-"
    if fmt == "{:d}":
        return fmt.format(int(value))
    return fmt.format(value)
