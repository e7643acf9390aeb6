"""How many hypotheses a run tests, and the Sharpe ratio deflated by them.

A reader of a run looks at every strategy it reports (each variant on each
ticker, a portfolio when there is one) and will keep the best: each is a trial.
Searches done before the run (settings, feature sets, models tried and thrown
away) are trials too; the scenario declares them as ``backtest.trials``.

The deflated Sharpe ratio (Bailey and Lopez de Prado, 2014) is the
probabilistic Sharpe ratio of a strategy against the Sharpe ratio the best of
``N`` luckless trials would show,
``SR0 = sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e)))``, where
``V`` is the variance of the trials' per-period Sharpe ratios, estimated
across the strategies of the run (ddof 1).

``V`` is never taken below the sampling variance of the strategy's own Sharpe
estimator, ``(1 - skew SR + (kurtosis - 1) / 4 SR^2) / (T - 1)``: the spread
that independent trials of its length and return moments show from sampling
noise alone. A smaller spread across
the run's strategies comes from correlated strategies (two near-identical
variants, two indices that move together) and would make the deflation vanish
for the search declared before the run, whose spread is not known; erring
towards more deflation is the safe side for a figure that gates an ``edge``
verdict. The same floor is what a single strategy (or a run whose other
strategies never trade) is deflated with.

With one trial there is nothing to deflate: the figure is the probabilistic
Sharpe ratio against 0 and is named ``psr``, never ``dsr``. Baselines are not
trials (nobody searched for buy-and-hold) and get neither figure.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from alphacheck.backtest.metrics import sharpe_ratio
from alphacheck.backtest.significance import deflated_sharpe_ratio, probabilistic_sharpe_ratio

__all__ = ["Trials", "count_trials", "deflated_sharpe"]


@dataclass(frozen=True)
class Trials:
    """The trials a run's Sharpe ratios are deflated by.

    Attributes
    ----------
    in_run
        Strategies the run reports (variants x tickers, a portfolio).
    declared
        Trials done before the run (``backtest.trials``).
    sharpe_variance
        Variance (ddof 1) of the per-period Sharpe ratios across the run's
        strategies; ``None`` when fewer than two are defined.
    """

    in_run: int
    declared: int = 0
    sharpe_variance: float | None = None

    @property
    def counted(self) -> int:
        """Every hypothesis tested: the run's strategies plus the declared search."""
        return self.in_run + self.declared

    @property
    def kind(self) -> str:
        """``dsr`` when more than one trial is counted, else ``psr``: the name of the figure."""
        return "dsr" if self.counted > 1 else "psr"

    def as_dict(self) -> dict[str, object]:
        """The record written to ``metrics.json`` (``trials`` section)."""
        return {
            "counted": self.counted,
            "in_run": self.in_run,
            "declared": self.declared,
            "figure": self.kind,
            "sharpe_variance_per_period": self.sharpe_variance,
        }


def count_trials(strategy_returns: Mapping[Hashable, np.ndarray], declared: int = 0) -> Trials:
    """Count the trials of a run and estimate the spread of their Sharpe ratios.

    Parameters
    ----------
    strategy_returns
        Per-period net returns of every strategy the run reports, baselines
        excluded: one entry per (ticker, variant), and the portfolio if any.
    declared
        Trials done before the run (``backtest.trials``), at least 0.

    Returns
    -------
    Trials

    Raises
    ------
    ValueError
        When no strategy is given or ``declared`` is negative.
    """
    if not strategy_returns:
        raise ValueError("count_trials needs at least one strategy's returns")
    if declared < 0:
        raise ValueError(f"declared trials must be >= 0, got {declared}")
    sharpes = np.array([sharpe_ratio(r, periods_per_year=1) for r in strategy_returns.values()])
    defined = sharpes[np.isfinite(sharpes)]
    variance = float(np.var(defined, ddof=1)) if len(defined) >= 2 else None
    return Trials(in_run=len(strategy_returns), declared=int(declared), sharpe_variance=variance)


def deflated_sharpe(returns: np.ndarray, trials: Trials) -> dict[str, float]:
    """The probabilistic Sharpe ratio, and the deflated one when more than one trial is counted.

    Parameters
    ----------
    returns
        Per-period net returns of one of the run's strategies.
    trials
        From :func:`count_trials` over all of the run's strategies.

    Returns
    -------
    dict
        ``{"psr": P(SR > 0)}`` with one trial; ``{"psr": ..., "dsr": P(SR > SR0)}``
        with more. ``nan`` where the returns do not vary or are too few.
    """
    returns = np.asarray(returns, dtype="float64")
    sharpe = sharpe_ratio(returns, periods_per_year=1)
    undefined = {"psr": float("nan")} if trials.counted <= 1 else {"psr": float("nan"), "dsr": float("nan")}
    if len(returns) < 3 or not np.isfinite(sharpe):
        return undefined
    skew, kurtosis = float(stats.skew(returns)), float(stats.kurtosis(returns, fisher=False))
    figures = {"psr": probabilistic_sharpe_ratio(sharpe, len(returns), skew, kurtosis)}
    if trials.counted > 1:
        own = (1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2) / (len(returns) - 1)
        variance = max(trials.sharpe_variance or 0.0, own)
        figures["dsr"] = deflated_sharpe_ratio(returns, trials.counted, variance)
    return figures
