"""The ``portfolio`` block of a scenario: one book across the tickers, with shared cash.

Without the block a run backtests each ticker on its own, as before. With it,
each variant's P(up) across the tickers also drives one portfolio:

- ``selection``: ``threshold`` holds every ticker whose P(up) clears the
  backtest policy's thresholds (above ``upper`` long; below ``lower`` short
  under ``long_short`` and ``short_only``); ``top_k`` ranks the tickers by
  P(up) and holds the ``k`` highest long (and, under ``long_short``, the ``k``
  lowest short; under ``short_only`` the ``k`` lowest short only);
- ``allocation``: ``equal`` weights, ``proba`` (weights proportional to how far
  P(up) is past the threshold on the held side) or ``inverse_volatility``
  (trailing close-to-close volatility over ``backtest.volatility_days``);
- ``max_weight`` caps each ticker's weight (the excess goes to the uncapped
  tickers); ``gross_exposure`` is the sum of absolute weights aimed at;
- ``rebalance``: the weights are recomputed on every decision date
  (``daily``) or on the first decision date of each week or month.

Fees, slippage and the fixed fee default to the ``backtest`` block's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from alphacheck.scenarios.frozen import FrozenModel

__all__ = ["PortfolioConfig", "check_universe"]


class _Frozen(FrozenModel):
    """Frozen, unknown keys refused, booleans never read as numbers."""


class PortfolioConfig(_Frozen):
    """How the variants' P(up) across tickers become one portfolio."""

    allocation: Literal["equal", "proba", "inverse_volatility"] = "equal"
    selection: Literal["threshold", "top_k"] = "threshold"
    k: int | None = Field(None, ge=1)
    max_weight: float = Field(1.0, gt=0, le=1)
    gross_exposure: float = Field(1.0, gt=0)
    rebalance: Literal["daily", "weekly", "monthly"] = "daily"
    # None: the backtest block's value.
    fees_bps: float | None = Field(None, ge=0)
    slippage_bps: float | None = Field(None, ge=0)
    fixed_fee: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> PortfolioConfig:
        if self.gross_exposure > 1:
            raise ValueError(
                f"gross_exposure = {self.gross_exposure}: above 1 the book would borrow, and the shared "
                "cash caps every buy at the cash held; set gross_exposure <= 1"
            )
        if self.selection == "top_k" and self.k is None:
            raise ValueError("selection 'top_k' needs k, the number of tickers held per side, e.g. k: 5")
        if self.selection == "threshold" and self.k is not None:
            raise ValueError(
                f"k = {self.k} is read only with selection 'top_k'; remove k or set selection: top_k"
            )
        return self

    def positions_per_side(self, n_tickers: int) -> int:
        """Most tickers one side can hold: ``k`` under ``top_k``, else the universe."""
        return self.k if self.k is not None else n_tickers


def check_universe(portfolio: PortfolioConfig, tickers: list[str], policy: str) -> None:
    """Refuse a portfolio its universe cannot hold.

    Parameters
    ----------
    portfolio
        The portfolio block.
    tickers
        The universe (``data.tickers``).
    policy
        ``backtest.policy``: under ``long_short`` the ``k`` highest and ``k``
        lowest tickers must be different tickers.

    Raises
    ------
    ValueError
        With the fields, their values and the fix (the loader turns it into a ConfigError).
    """
    n = len(tickers)
    if n < 2:
        raise ValueError(
            f"portfolio needs at least two tickers, data.tickers has {n} ({', '.join(tickers)}); "
            "add tickers or remove the portfolio block"
        )
    sides = 2 if policy == "long_short" else 1
    if portfolio.k is not None and portfolio.k * sides > n:
        need = "2 * k" if sides == 2 else "k"
        raise ValueError(
            f"portfolio.k = {portfolio.k} with policy {policy!r} needs {need} <= the {n} tickers of the "
            f"universe; set k <= {n // sides}"
        )
    held = portfolio.positions_per_side(n) * (sides if portfolio.k is not None else 1)
    if portfolio.max_weight * held < portfolio.gross_exposure - 1e-12:
        raise ValueError(
            f"portfolio.max_weight ({portfolio.max_weight}) x {held} positions = "
            f"{portfolio.max_weight * held:g} cannot reach gross_exposure ({portfolio.gross_exposure}); "
            f"raise max_weight to >= {portfolio.gross_exposure / held:g} or lower gross_exposure"
        )
