"""One run, end to end: ``run(scenario) -> RunResult``; the CLI and ``alphacheck.run`` call it.

Stages: prices -> features and labels -> walk-forward predictions -> backtest
and metrics -> report (plots, tearsheets) -> tracking. Every output lands in
one run folder.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from alphacheck.scenarios.schema import Scenario
from alphacheck.tracking.base import NullRecorder, Recorder

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RunResult", "default_output_dir", "run"]

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run produced, as its folder holds it.

    Attributes
    ----------
    output_dir
        The run folder.
    scenario
        The resolved configuration (``config.yaml``).
    predictions
        One row per out-of-sample (date, ticker, variant), as ``predictions.parquet``.
    returns
        One row per (date, ticker, strategy), as ``returns.parquet``.
    metrics
        Everything ``metrics.json`` holds (undefined values are ``None``).
    tracking
        Where the run was logged (``"not tracked"`` without a store); ``None``
        for a run read back from its folder.
    """

    output_dir: Path
    scenario: Scenario
    predictions: pd.DataFrame
    returns: pd.DataFrame
    metrics: dict[str, Any]
    tracking: str | None = None

    def summary(self) -> pd.DataFrame:
        """The headline metrics, one row per (ticker, strategy), with the verdict when the run has one."""
        from alphacheck.report.tables import summary_frame

        return summary_frame(self.metrics)


def default_output_dir(scenario: Scenario, root: Path = Path("runs")) -> Path:
    """``runs/<scenario>-<YYYYmmdd-HHMMSS>``."""
    return root / f"{scenario.name}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def run(
    scenario: Scenario | str | Path,
    output_dir: Path | None = None,
    recorder: Recorder | None = None,
    on_progress: Callable[[str], None] | None = None,
    progress: Any = None,
    report: bool = True,
) -> RunResult:
    """Run a scenario end to end and write its run folder.

    Parameters
    ----------
    scenario
        The resolved configuration, or a shipped scenario's name or a YAML
        file, loaded as it is (:func:`alphacheck.run` also applies the
        environment variables and overrides).
    output_dir
        Run folder; created if missing. Defaults to :func:`default_output_dir`.
    recorder
        Experiment tracker; :class:`NullRecorder` when ``None``.
    on_progress
        Receives one line per finished stage or fold.
    progress
        Walk-forward progress bars (``alphacheck.walkforward.progress``); when
        given, they replace the per-fold lines.
    report
        Also draw the plots and quantstats tearsheets; without them the folder
        still gets predictions, returns, metrics, ``summary.md`` and ``index.html``.

    Raises
    ------
    AlphacheckError
        For bad configuration, data, device or tracking store, before training.
    """
    from alphacheck.data import load_prices
    from alphacheck.features import build_dataset
    from alphacheck.models import resolve_device, seed_everything, set_cpu_threads

    if not isinstance(scenario, Scenario):
        from alphacheck.scenarios.loader import load_scenario

        scenario = load_scenario(scenario)
    say = on_progress or (lambda message: None)
    recorder = recorder or NullRecorder()
    output_dir = Path(output_dir or default_output_dir(scenario))
    device = resolve_device(scenario.device)
    set_cpu_threads(device, scenario.training.cpu_threads)
    prices = load_prices(scenario.data)
    datasets = {
        ticker: build_dataset(frame, scenario.features, scenario.backtest.execution)
        for ticker, frame in prices.items()
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    config = scenario.model_dump(mode="json")
    (output_dir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    recorder.start(experiment=scenario.name, run_name=output_dir.name)
    try:
        result = _train_and_report(
            scenario, prices, datasets, device, output_dir, recorder, say, seed_everything, progress, report=report
        )
    except BaseException:
        recorder.end("FAILED")
        raise
    recorder.end("FINISHED")
    return result


def _train_and_report(
    scenario, prices, datasets, device, output_dir, recorder, say, seed_everything, progress=None, report=True
) -> RunResult:
    from alphacheck.backtest import evaluate
    from alphacheck.backtest.reliability import reliability_section
    from alphacheck.models.export import write_model_files
    from alphacheck.report.builder import build_report
    from alphacheck.report.rundir import RunFolder
    from alphacheck.stress import stress_sections
    from alphacheck.tracking.record import record_run
    from alphacheck.walkforward import run_walkforward

    seed_everything(scenario.seed)
    started = time.perf_counter()
    say(f"training {', '.join(v.name for v in scenario.variants)} walk-forward on {device}")
    walk = run_walkforward(
        datasets,
        scenario,
        device,
        on_fold=None if progress else lambda variant, fold, rec: say(
            f"  {variant} fold {fold.index}: test {rec['test_start']}..{rec['test_end']}, "
            f"{rec['epochs_run']} epochs, {rec['seconds']:.1f}s"
        ),
        progress=progress,
    )
    walk.predictions.to_parquet(output_dir / "predictions.parquet", index=False)
    write_model_files(walk.models, output_dir / "models")
    say(f"walk-forward done in {time.perf_counter() - started:.0f}s; backtesting")

    evaluation = evaluate(walk.predictions, prices, scenario.backtest, seed=scenario.seed)
    evaluation.frame.to_parquet(output_dir / "returns.parquet", index=False)
    metrics = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "device": str(device),
        "periods_per_year": 252,
        "costs_bps_per_side": scenario.backtest.fees_bps + scenario.backtest.slippage_bps,
        **_verdict_sections(scenario, prices, walk.predictions, evaluation, say),
        "metrics": evaluation.metrics,
        "folds": walk.folds,
        "baselines": evaluation.baselines,
        "significance": evaluation.significance,
        "cost_sweep": evaluation.cost_sweep,
        "per_fold": evaluation.per_fold,
        "per_year": evaluation.per_year,
        # Calibrated P(up) (and the model's own) against the realised up rate, in bins.
        "reliability": reliability_section(walk.predictions),
    }
    metrics.update(stress_sections(scenario, prices, datasets, walk, say))
    book = _portfolio(scenario, prices, walk, output_dir, say)
    if book is not None:
        metrics.update(book.sections())
    metrics_path = output_dir / "metrics.json"
    metrics = _json_safe(metrics)
    metrics_path.write_text(json.dumps(metrics, indent=2, allow_nan=False))

    say("writing the report: " + ("plots, tearsheets, " if report else "") + "summary.md, index.html")
    books = (book.frame, book.weights) if book is not None else (None, None)
    folder = RunFolder(output_dir, scenario, walk.predictions, metrics, evaluation.returns, *books)
    build_report(folder, tearsheets=report, plots=report, on_progress=say)
    record_run(recorder, folder, prices, str(device))
    return RunResult(output_dir, scenario, walk.predictions, evaluation.frame, metrics, recorder.location)


def _verdict_sections(scenario, prices, predictions, evaluation, say) -> dict[str, Any]:
    """``verdict`` per ticker and variant, the ``trials`` counted, each ``matched_null`` and the ``audit``.

    The audit is the part that needs no training; its run-wide checks and
    each strategy's too-good-to-be-true check go into that strategy's verdict.
    """
    from alphacheck.audit.per_strategy import strategy_findings
    from alphacheck.backtest.evidence import judge_run

    say("judging: audit without training, matched nulls, verdicts")
    sharpes = {key: float(evaluation.metrics[key[0]][key[1]]["sharpe"]) for key in evaluation.records}
    report, findings = strategy_findings(scenario, prices, predictions, sharpes)
    records = {key: replace(record, audit=findings[key]) for key, record in evaluation.records.items()}
    backtest = scenario.backtest
    trials, verdicts = judge_run(
        records, backtest.trials, backtest.fees_bps + backtest.slippage_bps, backtest.bootstrap_reps, scenario.seed
    )
    return {
        "verdict": {t: {v: verdict.as_dict() for v, verdict in by.items()} for t, by in verdicts.items()},
        "trials": trials.as_dict(),
        "matched_null": evaluation.matched_null,
        "audit": {c.name: {"verdict": c.verdict, "summary": c.summary} for c in report.checks},
    }


def _portfolio(scenario, prices, walk, output_dir, say):
    """The books across the tickers, written to the run folder; ``None`` without a portfolio block."""
    if scenario.portfolio is None:
        return None
    from alphacheck.backtest.portfolio_evaluate import evaluate_portfolio
    from alphacheck.report.rundir import PORTFOLIO_FILE, PORTFOLIO_WEIGHTS_FILE

    say(f"portfolio: one book per variant across {len(prices)} tickers, against equal_weight")
    book = evaluate_portfolio(
        walk.predictions, prices, scenario.backtest, scenario.portfolio, seed=scenario.seed
    )
    book.frame.to_parquet(output_dir / PORTFOLIO_FILE, index=False)
    book.weights.to_parquet(output_dir / PORTFOLIO_WEIGHTS_FILE, index=False)
    return book


def _json_safe(value: Any) -> Any:
    """Replace NaN and infinities (undefined metrics) by ``None``."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    return value
