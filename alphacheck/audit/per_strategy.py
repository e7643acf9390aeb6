"""The audit findings a run's verdicts rest on: which check concerns which strategy.

A finished run gets the checks that need no training
(:func:`~alphacheck.audit.runner.audit_without_training`). Feature causality,
target leakage and split hygiene concern the whole run: a leaking feature or
a fold that sees its test rows taints every strategy. Too good to be true is
judged for each strategy on its own predictions and Sharpe ratio, so one
variant's implausible accuracy on one ticker does not mark the others.
"""

from __future__ import annotations

import pandas as pd

from alphacheck.audit.predictions import too_good_to_be_true
from alphacheck.audit.runner import audit_without_training
from alphacheck.audit.verdict import AuditReport, Check
from alphacheck.scenarios.schema import Scenario

__all__ = ["strategy_findings"]


def strategy_findings(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    predictions: pd.DataFrame,
    sharpe_after_costs: dict[tuple[str, str], float],
    book_sharpes: dict[str, float] | None = None,
    run_wide: bool = True,
) -> tuple[AuditReport, dict[tuple[str, str], tuple[Check, ...]]]:
    """The run's audit without training, and the findings that concern each (ticker, variant) and book.

    Parameters
    ----------
    scenario
        The run's resolved scenario.
    prices
        The run's prices per ticker.
    predictions
        The run's out-of-sample predictions.
    sharpe_after_costs
        ``{(ticker, variant): Sharpe ratio}`` from the run's backtest.
    book_sharpes
        ``{variant: Sharpe ratio}`` of the portfolio's books, when the run has them.
    run_wide
        Run the checks of the scenario's features and folds. ``False`` for
        predictions they did not make (a file given to ``alphacheck evaluate``):
        only too good to be true, which reads the predictions themselves.

    Returns
    -------
    tuple
        The audit report (every check, for ``metrics.json``), and per
        ``(ticker, variant)`` (``("portfolio", variant)`` for a book) the
        run-wide checks followed by its own ``too_good_to_be_true`` (a book's
        on its Sharpe ratio alone: it predicts no direction itself).
    """
    named = {f"{variant} on {ticker}": sharpe for (ticker, variant), sharpe in sharpe_after_costs.items()}
    if run_wide:
        report = audit_without_training(scenario, prices, predictions, named)
    else:
        own = too_good_to_be_true(predictions, named, scenario.backtest.threshold)
        report = AuditReport(scenario.name, [own])
    shared = tuple(c for c in report.checks if c.name != "too_good_to_be_true")
    findings = {}
    for (variant, ticker), rows in predictions.groupby(["variant", "ticker"], sort=False):
        key = (str(ticker), str(variant))
        own = too_good_to_be_true(
            rows, {f"{variant} on {ticker}": sharpe_after_costs[key]}, scenario.backtest.threshold
        )
        findings[key] = (*shared, own)
    threshold = scenario.backtest.threshold
    for variant, sharpe in (book_sharpes or {}).items():
        own = too_good_to_be_true(predictions.iloc[:0], {f"{variant} book": sharpe}, threshold)
        findings[("portfolio", variant)] = (*shared, own)
    return report, findings
