"""Gather the evidence a verdict rests on, from a strategy's returns and what the backtest made of them.

Everything here works on arrays: a variant on one ticker and a portfolio of
tickers are scored the same way, given their net returns, the benchmark's
(buy-and-hold over the same bars), the Sharpe ratios of their matched-null
draws and of their cost sweep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alphacheck.backtest.metrics import sharpe_ratio
from alphacheck.backtest.null import null_rank
from alphacheck.backtest.significance import (
    break_even_cost,
    sharpe_bootstrap_interval,
    sharpe_difference_interval,
    spa_test,
)
from alphacheck.backtest.trials import Trials, count_trials, deflated_sharpe
from alphacheck.backtest.verdict import NULL_QUANTILE, Evidence, Finding, Verdict, decide

__all__ = ["StrategyRecord", "gather_evidence", "judge_run"]


def gather_evidence(
    returns: np.ndarray,
    benchmark_returns: np.ndarray,
    trials: Trials,
    null_sharpes: np.ndarray,
    cost_sweep: tuple[Sequence[float], Sequence[float]],
    cost_bps: float,
    n_predictions: int,
    exposure: float,
    classification: Mapping[str, float] | None = None,
    reps: int = 1000,
    seed: int = 0,
    stale_opens: Sequence[tuple[int, float]] = (),
    audit: Sequence[Finding] = (),
    benchmark_name: str = "buy-and-hold",
) -> Evidence:
    """The evidence on one strategy.

    Parameters
    ----------
    returns, benchmark_returns
        Per-bar net returns of the strategy and of buy-and-hold over the same bars.
    trials
        The run's trials (:func:`alphacheck.backtest.trials.count_trials`).
    null_sharpes
        Annualised Sharpe ratio after costs of each matched-null draw.
    cost_sweep
        ``(cost levels in bps per side, Sharpe ratio at each)``.
    cost_bps
        Cost per side the scenario charges (fees plus slippage).
    n_predictions
        Decision dates scored.
    exposure
        Share of bars with a position.
    classification
        ``accuracy``, ``majority_rate`` and ``binomial_p_value`` when the
        strategy predicts a direction (a variant), else ``None``.
    reps, seed
        Bootstrap repetitions and seed of the intervals and the SPA test.
    stale_opens
        (year, share) of the years whose fills are at stale opens.
    audit
        Audit findings known for the run.
    benchmark_name
        What ``benchmark_returns`` are, for the reasons.

    Returns
    -------
    Evidence
    """
    returns = np.asarray(returns, dtype="float64")
    benchmark = np.asarray(benchmark_returns, dtype="float64")
    sharpe, benchmark_sharpe = sharpe_ratio(returns), sharpe_ratio(benchmark)
    hurdle = max(0.0, benchmark_sharpe) if np.isfinite(benchmark_sharpe) else 0.0
    excess = sharpe_difference_interval(benchmark, returns, reps=reps, seed=seed)
    deflated = deflated_sharpe(returns, trials)
    rank = null_rank(sharpe, null_sharpes, NULL_QUANTILE)
    levels, sweep = cost_sweep
    break_even = break_even_cost(
        np.asarray(levels, dtype="float64"), np.asarray(sweep, dtype="float64"), hurdle
    )
    classification = classification or {}
    return Evidence(
        n_predictions=int(n_predictions),
        exposure=float(exposure),
        sharpe=sharpe,
        sharpe_ci=sharpe_bootstrap_interval(returns, reps, seed=seed),
        benchmark_sharpe=benchmark_sharpe,
        excess_sharpe_ci=(excess["ci_low"], excess["ci_high"]),
        deflated_sharpe=deflated[trials.kind],
        deflated_kind=trials.kind,
        trials=trials.counted,
        spa_p_value=_spa_p_value(benchmark, returns, reps, seed),
        null_percentile=rank["percentile"],
        null_quantile=rank["null_quantile"],
        null_draws=int(np.sum(np.isfinite(np.asarray(null_sharpes, dtype="float64")))),
        break_even_bps=float(break_even["bps"]),
        cost_bps=float(cost_bps),
        break_even_status=str(break_even["status"]),
        accuracy=float(classification.get("accuracy", np.nan)),
        majority_rate=float(classification.get("majority_rate", np.nan)),
        binomial_p_value=float(classification.get("binomial_p_value", np.nan)),
        stale_opens=tuple((int(y), float(s)) for y, s in stale_opens),
        audit=tuple(audit),
        benchmark=benchmark_name,
    )


def _spa_p_value(benchmark: np.ndarray, returns: np.ndarray, reps: int, seed: int) -> float:
    """Consistent p-value of Hansen's SPA test of this one strategy against the benchmark."""
    if len(returns) < 3 or not np.isfinite(sharpe_ratio(returns)):
        return float("nan")
    return spa_test(benchmark, returns[:, None], reps, seed=seed)["spa_p_consistent"]


@dataclass(frozen=True)
class StrategyRecord:
    """What the backtest made of one strategy, as :func:`judge_run` needs it (see :func:`gather_evidence`).

    ``cost_sweep`` is ``(cost levels in bps per side, Sharpe ratio at each)``;
    ``classification`` is ``None`` for a strategy that predicts no direction;
    ``benchmark_name`` says what ``benchmark_returns`` are (a portfolio's book is
    held against ``equal_weight``, a ticker's strategy against buy-and-hold);
    ``audit`` holds the findings about this strategy alone (its too-good-to-be-true check);
    ``cost_bps`` the cost per side it pays when not the scenario's (a portfolio block's own).
    """

    returns: np.ndarray
    benchmark_returns: np.ndarray
    null_sharpes: np.ndarray
    cost_sweep: tuple[Sequence[float], Sequence[float]]
    n_predictions: int
    exposure: float
    classification: Mapping[str, float] | None = None
    stale_opens: Sequence[tuple[int, float]] = ()
    benchmark_name: str = "buy-and-hold"
    audit: Sequence[Finding] = ()
    cost_bps: float | None = None


def judge_run(
    records: Mapping[tuple[str, str], StrategyRecord],
    declared_trials: int,
    cost_bps: float,
    reps: int = 1000,
    seed: int = 0,
    audit: Sequence[Finding] = (),
) -> tuple[Trials, dict[str, dict[str, Verdict]]]:
    """The verdict on every strategy a run reports, deflated by all of them.

    Parameters
    ----------
    records
        ``{(ticker, strategy): StrategyRecord}`` for every strategy the run
        reports (each variant on each ticker; a portfolio under its own key),
        baselines excluded: they are the trials.
    declared_trials
        Trials done before the run (``backtest.trials``).
    cost_bps
        Cost per side the scenario charges (a record's own ``cost_bps`` wins).
    reps, seed
        Bootstrap repetitions and seed.
    audit
        Audit findings known for the whole run (a leaking feature taints every
        strategy); each record adds its own (``StrategyRecord.audit``).

    Returns
    -------
    tuple
        The :class:`~alphacheck.backtest.trials.Trials` counted, and
        ``{ticker: {strategy: Verdict}}`` in the order of ``records``.
    """
    trials = count_trials({key: r.returns for key, r in records.items()}, declared_trials)
    verdicts: dict[str, dict[str, Verdict]] = {}
    for (ticker, strategy), record in records.items():
        evidence = gather_evidence(
            record.returns,
            record.benchmark_returns,
            trials,
            record.null_sharpes,
            record.cost_sweep,
            cost_bps if record.cost_bps is None else record.cost_bps,
            record.n_predictions,
            record.exposure,
            record.classification,
            reps,
            seed,
            record.stale_opens,
            (*audit, *record.audit),
            record.benchmark_name,
        )
        verdicts.setdefault(ticker, {})[strategy] = decide(evidence)
    return trials, verdicts
