"""Is it more than luck? Intervals and tests for accuracy, Sharpe ratios and variants.

- accuracy: Wilson interval, one-sided binomial test against the majority-class
  rate of the same dates (scipy);
- Sharpe: stationary-bootstrap interval (arch), alone or paired with another
  series, probabilistic Sharpe ratio and deflated Sharpe ratio (Bailey and
  Lopez de Prado, 2012 and 2014);
- variants against buy-and-hold: Hansen's SPA test (arch);
- break-even cost: where the Sharpe ratio of a cost sweep crosses a target.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from alphacheck.backtest.metrics import PERIODS_PER_YEAR, sharpe_ratio

__all__ = [
    "MIN_PREDICTIONS",
    "accuracy_test",
    "break_even_cost",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "percentile_interval",
    "probabilistic_sharpe_ratio",
    "sharpe_bootstrap_interval",
    "sharpe_difference_interval",
    "spa_test",
]

MIN_PREDICTIONS = 100
_EULER_GAMMA = 0.5772156649015329


def accuracy_test(correct: int, n: int, majority_rate: float, level: float = 0.95) -> dict[str, float]:
    """Wilson interval of the accuracy and a binomial test against the majority rate.

    Parameters
    ----------
    correct, n
        Correct predictions and predictions.
    majority_rate
        Share of the more frequent class on the same dates: what always
        predicting that class scores.
    level
        Confidence level of the interval.

    Returns
    -------
    dict
        ``accuracy_ci_low``, ``accuracy_ci_high`` and ``binomial_p_value`` (one
        sided: is the accuracy above the majority rate?).
    """
    if n == 0:
        return {
            "accuracy_ci_low": float("nan"),
            "accuracy_ci_high": float("nan"),
            "binomial_p_value": float("nan"),
        }
    result = stats.binomtest(int(correct), int(n), p=float(majority_rate), alternative="greater")
    two_sided = stats.binomtest(int(correct), int(n), p=float(majority_rate))
    low, high = two_sided.proportion_ci(confidence_level=level, method="wilson")
    return {
        "accuracy_ci_low": float(low),
        "accuracy_ci_high": float(high),
        "binomial_p_value": float(result.pvalue),
    }


def probabilistic_sharpe_ratio(
    sharpe: float, n: int, skew: float, kurtosis: float, benchmark_sharpe: float = 0.0
) -> float:
    """P(true Sharpe > benchmark) given the sample moments (per-period Sharpe ratios).

    ``Phi((SR - SR*) sqrt(n - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR^2))``,
    with ``kurtosis`` the plain (not excess) fourth standardised moment.
    """
    if n < 2 or not np.isfinite(sharpe):
        return float("nan")
    spread = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if spread <= 0:
        return float("nan")
    return float(stats.norm.cdf((sharpe - benchmark_sharpe) * np.sqrt(n - 1) / np.sqrt(spread)))


def expected_max_sharpe(sharpe_variance: float, trials: int) -> float:
    """Expected maximum of ``trials`` per-period Sharpe ratios with true Sharpe 0.

    ``sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e)))``, g the
    Euler-Mascheroni constant; 0 for a single trial.
    """
    if trials <= 1:
        return 0.0
    z = (1 - _EULER_GAMMA) * stats.norm.ppf(1 - 1 / trials) + _EULER_GAMMA * stats.norm.ppf(
        1 - 1 / (trials * np.e)
    )
    return float(np.sqrt(sharpe_variance) * z)


def deflated_sharpe_ratio(returns: np.ndarray, trials: int, sharpe_variance: float | None = None) -> float:
    """PSR against the Sharpe ratio the best of ``trials`` luckless tries would show.

    Parameters
    ----------
    returns
        Per-period returns of the strategy.
    trials
        Variants and settings tried (at least 1).
    sharpe_variance
        Variance of the per-period Sharpe ratios across the trials; ``None``
        takes the estimator's own variance under the returns' moments, which is
        the spread luckless trials would show.
    """
    returns = np.asarray(returns, dtype="float64")
    n = len(returns)
    sharpe = sharpe_ratio(returns, periods_per_year=1)
    if n < 3 or not np.isfinite(sharpe):
        return float("nan")
    skew = float(stats.skew(returns))
    kurtosis = float(stats.kurtosis(returns, fisher=False))
    if sharpe_variance is None:
        sharpe_variance = (1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2) / (n - 1)
    benchmark = expected_max_sharpe(sharpe_variance, trials)
    return probabilistic_sharpe_ratio(sharpe, n, skew, kurtosis, benchmark)


def sharpe_bootstrap_interval(
    returns: np.ndarray,
    reps: int = 1000,
    block_days: float = 10.0,
    level: float = 0.95,
    seed: int = 0,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> tuple[float, float]:
    """Percentile interval of the annualised Sharpe ratio from a stationary bootstrap."""
    from arch.bootstrap import StationaryBootstrap

    returns = np.asarray(returns, dtype="float64")
    if len(returns) < 3 or returns.std() == 0:
        return float("nan"), float("nan")
    bootstrap = StationaryBootstrap(block_days, returns, seed=np.random.default_rng(seed))
    draws = bootstrap.apply(lambda x: np.array([sharpe_ratio(x, periods_per_year)]), reps)[:, 0]
    return percentile_interval(draws, level)


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Central ``level`` percentile interval of bootstrap draws, undefined draws left out."""
    draws = np.asarray(draws, dtype="float64")
    draws = draws[np.isfinite(draws)]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def sharpe_difference_interval(
    returns_a: np.ndarray,
    returns_b: np.ndarray,
    reps: int = 1000,
    block_days: float = 10.0,
    level: float = 0.95,
    seed: int = 0,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> dict[str, float]:
    """Percentile interval of ``Sharpe(B) - Sharpe(A)`` (annualised) from a paired stationary bootstrap.

    Both series are resampled with the same blocks of dates, so their
    correlation is kept.
    """
    from arch.bootstrap import StationaryBootstrap

    a = np.asarray(returns_a, dtype="float64")
    b = np.asarray(returns_b, dtype="float64")
    observed = sharpe_ratio(b, periods_per_year) - sharpe_ratio(a, periods_per_year)
    if len(a) < 3 or not np.isfinite(observed):
        return {"difference": observed, "ci_low": float("nan"), "ci_high": float("nan")}
    bootstrap = StationaryBootstrap(block_days, a, b, seed=np.random.default_rng(seed))
    draws = bootstrap.apply(
        lambda x, y: np.array([sharpe_ratio(y, periods_per_year) - sharpe_ratio(x, periods_per_year)]), reps
    )[:, 0]
    low, high = percentile_interval(draws, level)
    return {"difference": float(observed), "ci_low": low, "ci_high": high}


def spa_test(
    benchmark_returns: np.ndarray,
    variant_returns: np.ndarray,
    reps: int = 1000,
    block_days: float = 10.0,
    seed: int = 0,
) -> dict[str, float]:
    """Hansen's SPA test: does any variant beat the benchmark, net of data snooping?

    ``variant_returns`` is (periods, variants). Losses are negative returns.
    Returns the lower, consistent and upper p-values (small: some variant beats it).
    """
    from arch.bootstrap import SPA

    spa = SPA(
        -np.asarray(benchmark_returns, dtype="float64"),
        -np.asarray(variant_returns, dtype="float64"),
        reps=reps,
        block_size=block_days,
        seed=np.random.default_rng(seed),
    )
    spa.compute()
    lower, consistent, upper = (float(v) for v in spa.pvalues)
    return {"spa_p_lower": lower, "spa_p_consistent": consistent, "spa_p_upper": upper}


def break_even_cost(
    cost_levels_bps: np.ndarray, sharpes: np.ndarray, target: float = 0.0
) -> dict[str, object]:
    """Cost per side at which the Sharpe ratio of a cost sweep falls to ``target``.

    Linear interpolation between the two sweep levels around the first
    crossing. ``status`` says ``crossed``, ``below_at_zero_cost`` (never above
    the target: 0 bps) or ``above_sweep`` (still above at the highest level:
    ``bps`` is that level, a lower bound).
    """
    order = np.argsort(cost_levels_bps)
    levels = np.asarray(cost_levels_bps, dtype="float64")[order]
    values = np.asarray(sharpes, dtype="float64")[order]
    if not np.isfinite(values[0]) or values[0] <= target:
        return {"bps": 0.0, "status": "below_at_zero_cost"}
    for i in range(1, len(levels)):
        if not np.isfinite(values[i]) or values[i] <= target:
            if not np.isfinite(values[i]):
                return {"bps": float(levels[i - 1]), "status": "crossed"}
            share = (values[i - 1] - target) / (values[i - 1] - values[i])
            return {"bps": float(levels[i - 1] + share * (levels[i] - levels[i - 1])), "status": "crossed"}
    return {"bps": float(levels[-1]), "status": "above_sweep"}
