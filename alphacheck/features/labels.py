"""Labels: the only module that looks forward.

The label at date t is the direction of the return that a position taken on the
signal at t actually earns under the execution in use:

- ``next_open``: filled at the open of t+1, held to the open of t+2;
- ``next_close``: filled at the close of t+1, held to the close of t+2.

So classification metrics and trading metrics measure the same thing.
"""

from __future__ import annotations

import pandas as pd

from alphacheck.exceptions import ConfigError

__all__ = ["EXECUTIONS", "forward_return", "label_horizon"]

EXECUTIONS = {"next_open": "open", "next_close": "close"}


def label_horizon(execution: str) -> int:
    """Bars after t up to which the label at t looks (2 for both executions)."""
    if execution not in EXECUTIONS:
        raise ConfigError(f"unknown execution {execution!r}; choose one of {', '.join(EXECUTIONS)}")
    return 2


def forward_return(prices: pd.DataFrame, execution: str) -> pd.Series:
    """Return earned by a position decided at the close of each date.

    NaN for the last ``label_horizon`` dates, whose return is not yet known.
    """
    horizon = label_horizon(execution)
    fill = prices[EXECUTIONS[execution]]
    entry = fill.shift(-1)
    exit_ = fill.shift(-horizon)
    return (exit_ / entry - 1.0).rename("fwd_return")
