"""A capital split between two variants (the offline twin of a 70/30 A/B test) and its metrics."""

from __future__ import annotations

import numpy as np

from alphacheck.backtest.metrics import PERIODS_PER_YEAR, trading_metrics

__all__ = ["blend_returns", "blended_metrics", "parse_split"]


def parse_split(text: str) -> tuple[float, float]:
    """``"70/30"`` -> ``(0.7, 0.3)``.

    Raises
    ------
    ValueError
        When the text is not two non-negative numbers separated by ``/`` with a positive sum.
    """
    parts = text.split("/")
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"--split {text!r}: write two shares as A/B, e.g. 70/30") from None
    if a < 0 or b < 0 or a + b <= 0:
        raise ValueError(f"--split {text!r}: the shares must be >= 0 and not both 0, e.g. 70/30")
    return a / (a + b), b / (a + b)


def blend_returns(returns_a: np.ndarray, returns_b: np.ndarray, weight_a: float) -> np.ndarray:
    """Per-period returns of capital split once between two sleeves that are never rebalanced.

    Each sleeve compounds its own returns; the blend's equity is
    ``w prod(1 + r_a) + (1 - w) prod(1 + r_b)``, as when a share of the
    capital follows each variant for the whole test.
    """
    a = np.cumprod(1 + np.asarray(returns_a, dtype="float64"))
    b = np.cumprod(1 + np.asarray(returns_b, dtype="float64"))
    equity = np.concatenate([[1.0], weight_a * a + (1 - weight_a) * b])
    return equity[1:] / equity[:-1] - 1


def blended_metrics(
    returns_a: np.ndarray, returns_b: np.ndarray, weight_a: float, periods_per_year: int = PERIODS_PER_YEAR
) -> dict[str, float]:
    """Trading metrics (compounded, annualised with 252 periods) of the split."""
    return trading_metrics(blend_returns(returns_a, returns_b, weight_a), periods_per_year)
