"""The ``backtest`` block of a scenario: how predictions become trades, their costs and their tests."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from alphacheck.scenarios.frozen import FrozenModel

__all__ = ["BacktestConfig"]


class BacktestConfig(FrozenModel):
    """How predictions become trades.

    ``execution`` fixes both the fill price and the label: with ``next_open``
    the signal at close t is filled at the open of t+1 and the position earns
    open t+1 -> open t+2; with ``next_close`` it is filled at the close of t+1
    and earns close t+1 -> close t+2.

    Costs are charged per side: ``fees_bps`` and ``slippage_bps`` of the traded
    value plus ``fixed_fee`` (cash) per order; ``cost_levels_bps`` is the sweep
    of total cost per side behind the break-even cost.

    The deflated Sharpe ratio counts every strategy the run reports (each
    variant on each ticker) as a trial; ``trials`` adds the ones tried before
    this run (variants, settings, feature sets looked at and dropped).
    ``null_draws`` circular shifts of each variant's own positions make its
    matched null, seeded from the scenario's seed.
    """

    execution: Literal["next_open", "next_close"] = "next_open"
    threshold: float = Field(0.5, gt=0, lt=1)
    fees_bps: float = Field(5.0, ge=0)
    slippage_bps: float = Field(5.0, ge=0)
    init_cash: float = Field(100_000.0, gt=0)
    # Position policy: P(up) above upper_threshold reads "up", below lower_threshold "down",
    # in between is the neutral band (flat, or hold the previous position).
    policy: Literal["long_only", "long_short", "short_only"] = "long_only"
    upper_threshold: float | None = Field(None, gt=0, lt=1)
    lower_threshold: float | None = Field(None, gt=0, lt=1)
    neutral: Literal["flat", "hold"] = "flat"
    min_holding_days: int = Field(1, ge=1)
    # Sizing, fixed at each entry: a fraction of equity, or the fraction that
    # targets an annualised volatility (trailing close-to-close, capped at
    # max_leverage). Both stay <= 1: the simulator has no margin account.
    sizing: Literal["fixed", "volatility"] = "fixed"
    fraction: float = Field(1.0, gt=0)
    target_volatility: float = Field(0.10, gt=0)
    volatility_days: int = Field(20, ge=2)
    max_leverage: float = Field(1.0, gt=0)
    fixed_fee: float = Field(0.0, ge=0)
    cost_levels_bps: list[float] = Field(default_factory=lambda: [0.0, 2.0, 5.0, 10.0, 20.0, 50.0])
    random_draws: int = Field(100, ge=2)
    bootstrap_reps: int = Field(1000, ge=100)
    trials: int = Field(0, ge=0)
    null_draws: int = Field(200, ge=20)

    @field_validator("trials", mode="before")
    @classmethod
    def _no_declared_search(cls, value: Any) -> Any:
        # Run folders written before trials meant "added to the run's strategies" hold `trials: null`.
        return 0 if value is None else value

    @field_validator("fraction", "max_leverage")
    @classmethod
    def _no_borrowing(cls, value: float, info: Any) -> float:
        # vectorbt caps a buy at the cash held: a long 1.5 would fill at 1.0 while a short 1.5 fills in full.
        if value > 1:
            raise ValueError(
                "the simulator cannot borrow cash, so a long above 1 would be filled at about 1 while a "
                f"short is filled in full; set {info.field_name} <= 1"
            )
        return value

    @model_validator(mode="after")
    def _band_is_ordered(self) -> BacktestConfig:
        if self.lower > self.upper:
            raise ValueError(
                f"lower_threshold ({self.lower}) is above upper_threshold ({self.upper}); "
                "set lower_threshold <= upper_threshold (equal means no neutral band)"
            )
        if any(level < 0 for level in self.cost_levels_bps):
            raise ValueError(f"cost_levels_bps must be >= 0, got {self.cost_levels_bps}")
        return self

    @property
    def upper(self) -> float:
        """P(up) above which the model says "up" (``threshold`` when unset)."""
        return self.threshold if self.upper_threshold is None else self.upper_threshold

    @property
    def lower(self) -> float:
        """P(up) below which the model says "down" (``threshold`` when unset)."""
        return self.threshold if self.lower_threshold is None else self.lower_threshold
