"""What a run's predictions are worth: the sections of ``metrics.json``.

:func:`assess` backtests the predictions with costs, builds the books of a
portfolio scenario, judges every strategy (audit without training, matched
nulls, trials, verdicts), bins the calibration and runs the stress windows and
shocks. It is the computing half of :func:`alphacheck.pipeline.report_run`,
which then writes the run folder, draws the report and tracks the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from alphacheck.profiling import profiled
from alphacheck.scenarios.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from alphacheck.backtest.evaluate import Evaluation
    from alphacheck.backtest.portfolio_evaluate import PortfolioEvaluation
    from alphacheck.walkforward import WalkForwardResult

__all__ = ["Assessment", "assess"]


@dataclass
class Assessment:
    """The backtest of every strategy, the books (``None`` without a portfolio) and ``metrics.json``'s content."""

    evaluation: Evaluation
    book: PortfolioEvaluation | None
    metrics: dict[str, Any]


def assess(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    walk: WalkForwardResult,
    say: Callable[[str], None],
    *,
    datasets: dict[str, pd.DataFrame] | None = None,
    device: str = "none",
    signature: str | None = None,
    evaluated: dict[str, Any] | None = None,
) -> Assessment:
    """Backtest, books, verdicts, reliability and stress of ``walk``'s predictions (see the module's notes).

    ``datasets`` (the features the walk-forward read) and fold models are
    needed for the shocks, which predict again; ``signature`` given, the audit
    includes the run-wide checks of this scenario's features and folds;
    ``evaluated`` becomes the ``evaluated`` section (``alphacheck evaluate``).
    """
    from alphacheck.backtest import evaluate
    from alphacheck.backtest.numba_cache import kernel_message
    from alphacheck.backtest.reliability import reliability_section
    from alphacheck.stress import stress_sections

    say(f"  {kernel_message()}")
    with profiled("backtest"):
        evaluation = evaluate(walk.predictions, prices, scenario.backtest, seed=scenario.seed)
        book = _portfolio(scenario, prices, walk, say)
    with profiled("verdict"):
        verdicts = _verdict_sections(
            scenario, prices, walk.predictions, evaluation, say, book, run_wide=signature is not None
        )
    metrics = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "device": device,
        "periods_per_year": 252,
        "costs_bps_per_side": scenario.backtest.fees_bps + scenario.backtest.slippage_bps,
        **({"evaluated": evaluated} if evaluated is not None else {}),
        **verdicts,
        "metrics": evaluation.metrics,
        "folds": walk.folds,
        "baselines": evaluation.baselines,
        "significance": evaluation.significance,
        "cost_sweep": evaluation.cost_sweep,
        "per_fold": evaluation.per_fold,
        "per_year": evaluation.per_year,
    }
    with profiled("backtest"):
        # Calibrated P(up) (and the model's own) against the realised up rate, in bins.
        metrics["reliability"] = reliability_section(walk.predictions)
    if book is not None:
        metrics.update(book.sections())
    with profiled("stress"):
        metrics.update(stress_sections(scenario, prices, datasets, walk, say, shocks=bool(walk.fold_models)))
    return Assessment(evaluation, book, metrics)


def _verdict_sections(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    predictions: pd.DataFrame,
    evaluation: Evaluation,
    say: Callable[[str], None],
    book: PortfolioEvaluation | None = None,
    run_wide: bool = True,
) -> dict[str, Any]:
    """``verdict`` per ticker and variant, the ``trials`` counted, each ``matched_null`` and the ``audit``.

    The audit is the part that needs no training; its run-wide checks and
    each strategy's too-good-to-be-true check go into that strategy's verdict.
    A portfolio's books are judged with the rest (under ``verdict.portfolio``,
    against ``equal_weight``) and counted as trials, so every reported
    strategy's PSR/DSR is deflated by the same trials. Without ``run_wide``
    (predictions the scenario's walk-forward did not make) only the checks on
    the predictions themselves run.
    """
    from alphacheck.audit.per_strategy import strategy_findings
    from alphacheck.backtest.evidence import judge_run

    say("judging: audit without training, matched nulls, verdicts")
    sharpes = {key: float(evaluation.metrics[key[0]][key[1]]["sharpe"]) for key in evaluation.records}
    books = {v: float(book.metrics[v]["sharpe"]) for v in book.records} if book is not None else None
    report, findings = strategy_findings(scenario, prices, predictions, sharpes, books, run_wide=run_wide)
    records = dict(evaluation.records)
    if book is not None:
        records.update({("portfolio", variant): record for variant, record in book.records.items()})
    records = {key: replace(record, audit=findings[key]) for key, record in records.items()}
    backtest = scenario.backtest
    trials, verdicts = judge_run(
        records, backtest.trials, backtest.fees_bps + backtest.slippage_bps, backtest.bootstrap_reps, scenario.seed
    )
    if book is not None:  # more trials than evaluate counted: deflate every strategy by all of them
        from alphacheck.backtest.trials import deflated_sharpe

        for (ticker, variant), record in records.items():
            figures = book.metrics if ticker == "portfolio" else evaluation.metrics[ticker]
            figures[variant].update(deflated_sharpe(record.returns, trials))
        book.significance["trials"] = trials.as_dict()
    return {
        "verdict": {t: {v: verdict.as_dict() for v, verdict in by.items()} for t, by in verdicts.items()},
        "trials": trials.as_dict(),
        "matched_null": evaluation.matched_null,
        "audit": {c.name: {"verdict": c.verdict, "summary": c.summary} for c in report.checks},
    }


def _portfolio(
    scenario: Scenario, prices: dict[str, pd.DataFrame], walk: WalkForwardResult, say: Callable[[str], None]
) -> PortfolioEvaluation | None:
    """The books across the tickers; ``None`` without a portfolio block."""
    if scenario.portfolio is None:
        return None
    from alphacheck.backtest.portfolio_evaluate import evaluate_portfolio

    say(f"portfolio: one book per variant across {len(prices)} tickers, against equal_weight")
    return evaluate_portfolio(walk.predictions, prices, scenario.backtest, scenario.portfolio, seed=scenario.seed)
