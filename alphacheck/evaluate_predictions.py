"""``alphacheck evaluate``: everything ``run`` does after training, on a file of predictions.

The predictions are read and checked (:mod:`alphacheck.external`), labelled
from the scenario's prices, and handed to the second half of the pipeline
(:func:`alphacheck.pipeline.report_run`): the backtest with costs, the
baselines and the matched null, significance, the cost sweep, the verdicts,
the stress windows on the dates present, the portfolio when configured, the
run folder, its report and tracking. The shocks are skipped: they predict
again on shocked prices, which needs the models.

A run's own ``predictions.parquet`` carries the signature of the walk-forward
that made it (its scenario's prices, features, folds, training, variants and
seed). When the scenario given here has the same signature, the audit
includes the checks of those features and folds, as ``run`` does; for any
other file only the checks of the predictions themselves apply
(``too_good_to_be_true``), and ``metrics.json`` says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from alphacheck.exceptions import PredictionsError
from alphacheck.rundir import RunResult, Staging, check_target
from alphacheck.scenarios.schema import Scenario
from alphacheck.tracking.base import NullRecorder, Recorder

__all__ = ["SKIPPED_CHECKS", "evaluate_predictions", "scenario_for_file"]

log = logging.getLogger(__name__)

#: The audit checks that concern the scenario's own features and folds: run only on its own predictions.
SKIPPED_CHECKS = ("feature_causality", "target_leakage", "split_hygiene")
# Without a scenario, prices start this long before the first prediction: enough for volatility sizing.
_LEAD_DAYS = 120


def scenario_for_file(
    predictions: pd.DataFrame,
    scenario: Scenario | None,
    overrides: Mapping[str, Any] | None = None,
    name: str = "evaluate",
) -> tuple[Scenario, list[str]]:
    """The scenario an evaluation runs under, fitted to the file's tickers, and notes on what changed.

    Without a scenario the schema's defaults hold, with the file's tickers and
    prices from 120 days before its first date (``overrides`` may set
    ``data.*``). The tickers are those named (``data.tickers``), else the
    scenario's, else the file's; named tickers without predictions are dropped
    (with a note), and predicted tickers without prices are refused.

    Raises
    ------
    PredictionsError
        For tickers of the file that the prices do not include.
    ConfigError
        For a bad override, or a scenario that no longer holds once cut to the file's tickers.
    """
    from alphacheck.scenarios.overrides import apply_overrides

    overrides = dict(overrides or {})
    tickers = list(dict.fromkeys(predictions["ticker"]))
    if scenario is None:
        first = pd.Timestamp(predictions["date"].min()).date()
        for key, value in (("data.tickers", tickers), ("data.start", first - dt.timedelta(days=_LEAD_DAYS))):
            if overrides.get(key) is None:  # an unset flag arrives as None
                overrides[key] = value
        scenario = Scenario(name=re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "evaluate")
    resolved = apply_overrides(scenario, overrides, source="evaluate options")
    priced = [t.upper() for t in resolved.data.tickers]
    missing = [t for t in tickers if t not in priced]
    if missing:
        raise PredictionsError(
            f"tickers without prices: {', '.join(missing)} (the scenario prices {', '.join(priced)}); "
            "add them with --tickers or data.tickers, or drop their rows"
        )
    notes = []
    unused = [t for t in priced if t not in tickers]
    if unused:
        notes.append(f"tickers without predictions left out: {', '.join(unused)}")
        kept = [t for t in priced if t in tickers]
        resolved = apply_overrides(resolved, {"data.tickers": kept}, source="evaluate (the file's tickers)")
    return resolved, notes


def evaluate_predictions(
    predictions: pd.DataFrame,
    scenario: Scenario,
    output_dir: Path,
    recorder: Recorder | None = None,
    on_progress: Callable[[str], None] | None = None,
    report: bool = True,
    source: str = "predictions",
    notes: list[str] | None = None,
    overwrite: bool = False,
) -> RunResult:
    """Evaluate checked predictions (:func:`alphacheck.external.read_predictions`) under ``scenario``.

    Parameters
    ----------
    predictions
        ``date, ticker, variant, fold, proba`` (and ``proba_raw``); ``attrs``
        says whether folds were given and holds a run's signature.
    scenario
        The scenario (:func:`scenario_for_file`): data, backtest, stress, portfolio.
    output_dir
        The run folder to write; one holding another run is refused unless ``overwrite``.
        It is written as ``run`` writes (:func:`alphacheck.pipeline.staged`): in place only once complete.
    recorder
        Experiment tracker; :class:`NullRecorder` when ``None``.
    on_progress
        Receives one line per stage.
    report
        Also draw the plots and tearsheets.
    source
        Where the predictions came from (a path), for ``metrics.json``.
    notes
        Notes from preparing the scenario, kept in ``metrics.json``.
    overwrite
        Replace a run already in ``output_dir``.

    Raises
    ------
    PredictionsError
        For dates outside a ticker's price calendar, or no prediction with a known return.
    """
    from alphacheck.data import load_prices
    from alphacheck.external import attach_outcomes, decision_convention, file_folds
    from alphacheck.pipeline import report_run, staged
    from alphacheck.rundir import SIGNATURE_ATTR
    from alphacheck.tracking.provenance import walkforward_signature
    from alphacheck.walkforward.runner import WalkForwardResult

    say = on_progress or (lambda message: None)
    recorder = recorder or NullRecorder()
    output_dir = Path(output_dir)
    check_target(output_dir, overwrite)  # a folder holding another run is refused before any work
    execution = scenario.backtest.execution
    prices = load_prices(scenario.data)
    labelled, unlabelled = attach_outcomes(predictions, prices, execution)
    if labelled.empty:
        raise PredictionsError(f"{source}: no prediction has a known return yet (the prices end too early)")
    own = predictions.attrs.get(SIGNATURE_ATTR)
    signature = own if own and own == walkforward_signature(scenario, prices) else None
    evaluated = _evaluated_section(
        predictions, labelled, unlabelled, source, execution, signature, notes or []
    )
    for note in evaluated["notes"]:
        say(f"note: {note}")
    say(f"evaluating {len(labelled)} predictions: {decision_convention(execution)}")
    walk = WalkForwardResult(labelled, file_folds(labelled))

    def report_file(staging: Staging) -> RunResult:
        return report_run(
            scenario, prices, walk, staging, recorder, say,
            report=report, signature=signature, evaluated=evaluated,
        )  # fmt: skip

    return staged(scenario.name, output_dir, overwrite, recorder, report_file)


def _evaluated_section(
    predictions, labelled, unlabelled, source, execution, signature, notes
) -> dict[str, Any]:
    """What was evaluated and how, for ``metrics.json``'s ``evaluated`` section."""
    from alphacheck.external import decision_convention, file_sha256

    notes = list(notes)
    if len(unlabelled):
        dates = sorted({str(pd.Timestamp(d).date()) for d in unlabelled["date"]})
        notes.append(
            f"{len(unlabelled)} prediction(s) without a known return yet left out ({', '.join(dates)})"
        )
    if not predictions.attrs.get("folds_given", True):
        notes.append(
            "no fold column: every row is taken as one model's, trained before the first date "
            "(the stress windows' 'trained before' scores rest on that)"
        )
    notes.append("shocks skipped: they predict again on shocked prices, which needs the models")
    if signature is None:
        notes.append(
            f"audit: {', '.join(SKIPPED_CHECKS)} check this scenario's own features and folds, which did not "
            "make these predictions (no matching walk-forward signature); only too_good_to_be_true ran. "
            "`alphacheck audit-predictions FULL CUT --cut-date D` checks the predictions' causality"
        )
    path = Path(source)
    return {
        "source": source,
        "sha256": file_sha256(path) if path.is_file() else None,
        "rows": len(predictions),
        "evaluated_rows": len(labelled),
        "variants": list(dict.fromkeys(labelled["variant"])),
        "tickers": list(dict.fromkeys(labelled["ticker"])),
        "first_date": str(pd.Timestamp(labelled["date"].min()).date()),
        "last_date": str(pd.Timestamp(labelled["date"].max()).date()),
        "folds_given": bool(predictions.attrs.get("folds_given", True)),
        "decision": decision_convention(execution),
        "walkforward_signature_matches": signature is not None,
        "notes": notes,
    }
