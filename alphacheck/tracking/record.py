"""Log a finished run folder to a :class:`Recorder`: a parent run and a child per variant.

The parent gets the flattened config, the data fingerprint, seed, device,
library versions and git commit as params; every overall metric; and the run
folder's files as artifacts. Each child (one per variant, or per variant and
ticker when there are several tickers) gets its own metrics, accuracy and
training records per fold as steps, every other ``metrics.json`` section that
names its strategy (stress windows, cost levels, ...), its tearsheet, and the
variant's final model from ``models/<variant>.pt`` and ``.onnx`` when present.
With a ``portfolio`` block, each variant's book gets a child too
(``portfolio-<variant>``): its metrics, the benchmarks' as ``equal_weight.*``,
its rows of the ``portfolio_*`` sections, its verdict and its tearsheet.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from alphacheck.report.summary import fold_accuracy, section_frame
from alphacheck.rundir import (
    CONFIG_FILE,
    INDEX_FILE,
    METRICS_FILE,
    PLOTS_DIR,
    PORTFOLIO_FILE,
    PORTFOLIO_WEIGHTS_FILE,
    PREDICTIONS_FILE,
    RETURNS_FILE,
    SUMMARY_FILE,
    TEARSHEETS_DIR,
    RunResult,
    model_file,
    portfolio_tearsheet_file,
    tearsheet_file,
)
from alphacheck.tracking.base import Recorder, flatten
from alphacheck.tracking.provenance import git_commit, library_versions, prices_fingerprint

__all__ = ["record_run", "run_dataset", "run_params"]

_ARTIFACTS = (
    CONFIG_FILE,
    METRICS_FILE,
    PREDICTIONS_FILE,
    RETURNS_FILE,
    PORTFOLIO_FILE,
    PORTFOLIO_WEIGHTS_FILE,
    SUMMARY_FILE,
    INDEX_FILE,
)
_IDENTITY = ("ticker", "strategy", "variant")
# Row positions that become MLflow steps: a fold, a record's index, a reliability bin.
_STEP_KEYS = ("fold", "index", "bin")
#: Record fields that name a row (a cost level, a window, a year) rather than measure it.
_LABEL_KEYS = ("costs_bps", "cost_bps", "cost_bps_per_side", "costs_bps_per_side", "bps", "window", "year")
#: Record fields that describe a row (dates covered, folds used, a note): never part of a metric name.
_DESCRIPTIVE_KEYS = ("window_start", "window_end", "first_date", "last_date", "folds", "note")
# A stress window's whole-window walk-forward record carries the same descriptions under this prefix.
_DESCRIPTIVE_KEYS += tuple(f"whole_window_{key}" for key in ("first_date", "last_date", "folds", "note"))
#: Sections logged their own way: the overall metrics, the training folds, the verdicts (tags and metrics).
_SKIP_SECTIONS = ("metrics", "folds", "verdict")


def run_params(run: RunResult, prices: dict[str, pd.DataFrame], device: str) -> dict[str, Any]:
    """The parent run's params: flattened config, data fingerprint, device, versions, git commit."""
    params = flatten(run.scenario.model_dump(mode="json"))
    params.update({"data.fingerprint": prices_fingerprint(prices), "device": device})
    params.update({f"version.{name}": version for name, version in library_versions().items()})
    params["git.commit"] = git_commit() or "none"
    return params


def run_dataset(run: RunResult, prices: dict[str, pd.DataFrame]) -> tuple[str, str, dict[str, str]]:
    """The prices as the run's input: a name, their fingerprint and where they came from."""
    data = run.scenario.data
    first = min(frame.index[0] for frame in prices.values())
    last = max(frame.index[-1] for frame in prices.values())
    name = f"{data.source}: {', '.join(prices)} {first:%Y-%m-%d}..{last:%Y-%m-%d}"
    source = {"source": data.source, "tickers": ",".join(prices), "first": f"{first:%Y-%m-%d}",
              "last": f"{last:%Y-%m-%d}"}
    return name, prices_fingerprint(prices), source


def record_run(recorder: Recorder, run: RunResult, prices: dict[str, pd.DataFrame], device: str) -> None:
    """Log params, metrics and artifacts of a run folder to an already started recorder.

    Parameters
    ----------
    recorder
        Started (its parent run is open).
    run
        The run folder, read back with :func:`~alphacheck.rundir.read_run`.
    prices
        The prices the run used, for the data fingerprint.
    device
        Where the models were trained.
    """
    recorder.set_tags({"alphacheck.role": "parent", "alphacheck.run_dir": str(run.output_dir.resolve())})
    if run.metrics.get("verdict"):
        from alphacheck.report.verdicts import verdict_summary

        recorder.set_tags({"alphacheck.verdict_summary": verdict_summary(run.metrics["verdict"])})
    recorder.log_params(run_params(run, prices, device))
    if prices:
        recorder.log_dataset(*run_dataset(run, prices))
    recorder.log_metrics(
        {
            f"{strategy}.{ticker}.{name}": value
            for ticker, strategies in run.metrics.get("metrics", {}).items()
            for strategy, values in strategies.items()
            for name, value in values.items()
            if _is_number(value)
        }
    )
    for name in _ARTIFACTS:
        if (run.output_dir / name).is_file():
            recorder.log_artifact(run.output_dir / name)
    for folder in (PLOTS_DIR, TEARSHEETS_DIR):
        if (run.output_dir / folder).is_dir():
            recorder.log_artifact(run.output_dir / folder, folder)
    folds = fold_accuracy(run.predictions, run.scenario.backtest.threshold)
    several = len(run.tickers) > 1
    for variant in run.variants:
        for ticker in run.tickers:
            recorder.start_child(f"{variant}-{ticker}" if several else variant)
            try:
                _record_child(recorder, run, variant, ticker, folds)
            except BaseException:
                recorder.end_child("FAILED")
                raise
            recorder.end_child()
    if run.metrics.get("portfolio"):
        for variant in run.variants:
            recorder.start_child(f"portfolio-{variant}")
            try:
                _record_portfolio_child(recorder, run, variant)
            except BaseException:
                recorder.end_child("FAILED")
                raise
            recorder.end_child()


def _record_portfolio_child(recorder: Recorder, run: RunResult, variant: str) -> None:
    recorder.set_tags({"alphacheck.role": "portfolio", "alphacheck.variant": variant})
    portfolio = run.scenario.portfolio.model_dump(mode="json") if run.scenario.portfolio else {}
    params = {"variant": variant, "tickers": ",".join(run.tickers), **flatten({"portfolio": portfolio})}
    recorder.log_params(params)
    overall = {}
    for strategy, values in run.metrics["portfolio"].items():
        if strategy == variant or strategy not in run.variants:  # the book and the benchmarks
            prefix = "" if strategy == variant else f"{strategy}."
            overall.update({f"{prefix}{k}": v for k, v in values.items() if _is_number(v)})
    recorder.log_metrics(overall)
    for key in ("portfolio_stress", "portfolio_shocks", "portfolio_cost_sweep"):
        if isinstance(run.metrics.get(key), dict):
            _record_section(recorder, key, run.metrics[key], variant, None)
    _record_verdict(recorder, run.metrics.get("verdict", {}).get("portfolio", {}).get(variant))
    tearsheet = portfolio_tearsheet_file(run.output_dir, variant)
    if tearsheet.is_file():
        recorder.log_artifact(tearsheet, TEARSHEETS_DIR)


def _record_child(recorder: Recorder, run: RunResult, variant: str, ticker: str, folds: pd.DataFrame) -> None:
    recorder.set_tags({"alphacheck.role": "variant", "alphacheck.variant": variant, "alphacheck.ticker": ticker})
    _record_verdict(recorder, run.metrics.get("verdict", {}).get(ticker, {}).get(variant))
    # A variant of an evaluated file is not one of the scenario's: it has no hyperparameters here.
    params = next((v.params for v in run.scenario.variants if v.name == variant), {})
    recorder.log_params(
        {"variant": variant, "ticker": ticker, **{f"variant.{k}": v for k, v in params.items()}}
    )
    overall = {}
    for strategy, values in run.metrics.get("metrics", {}).get(ticker, {}).items():
        if strategy == variant or strategy not in run.variants:  # the variant and the baselines
            prefix = "" if strategy == variant else f"{strategy}."
            overall.update({f"{prefix}{k}": v for k, v in values.items() if _is_number(v)})
    recorder.log_metrics(overall)
    mine = folds[(folds["variant"] == variant) & (folds["ticker"] == ticker)]
    for column in ("accuracy", "ci_low", "ci_high"):
        recorder.log_metric_steps(f"fold.{column}", list(zip(mine["fold"], mine[column])))
    for record_name in ("best_val_loss", "epochs_run", "seconds"):
        steps = [(r["index"], r[record_name]) for r in run.metrics.get("folds", [])
                 if r.get("variant") == variant and _is_number(r.get(record_name)) and _is_number(r.get("index"))]
        recorder.log_metric_steps(f"fold.{record_name}", steps)
    for key, section in run.metrics.items():
        # The books' sections belong to the portfolio children, not to one ticker's.
        if key not in _SKIP_SECTIONS and not key.startswith("portfolio") and isinstance(section, dict | list):
            _record_section(recorder, key, section, variant, ticker)
    tearsheet = tearsheet_file(run.output_dir, ticker, variant)
    if tearsheet.is_file():
        recorder.log_artifact(tearsheet, TEARSHEETS_DIR)
    _record_model(recorder, run, variant)


def _record_verdict(recorder: Recorder, verdict: dict[str, Any] | None) -> None:
    """The child's verdict: its label as the ``alphacheck.verdict`` tag, its numeric evidence as metrics."""
    if not verdict:
        return
    recorder.set_tags({"alphacheck.verdict": verdict["label"]})
    evidence = verdict.get("evidence", {})
    recorder.log_metrics({f"verdict.{k}": v for k, v in evidence.items() if _is_number(v)})


def _record_section(recorder: Recorder, key: str, section: Any, variant: str, ticker: str | None) -> None:
    """Log a section's rows that name this variant: steps for folds, named metrics otherwise."""
    frame = section_frame(key, section)
    owner = next((c for c in ("strategy", "variant") if c in frame.columns), None)
    if frame.empty or owner is None:
        return
    keys = frame.attrs.get("keys", [])
    frame = frame[frame[owner].astype(str) == variant]
    if "ticker" in frame.columns and ticker is not None:
        frame = frame[frame["ticker"].astype(str) == ticker]
    rest = [c for c in frame.columns if c not in _IDENTITY and c not in _STEP_KEYS and c not in _DESCRIPTIVE_KEYS]
    labels = [c for c in rest if c in keys or c in _LABEL_KEYS or _name_column(frame[c])]
    values = [c for c in rest if c not in labels and _numeric_column(frame[c])]  # free text (warnings) is left out
    step_key = next((c for c in _STEP_KEYS if c in frame.columns), None)
    by_name: dict[str, list[tuple[int, float]]] = {}
    for row in frame.to_dict("records"):
        parts = [key, *(_label(row[c]) for c in labels if row.get(c) is not None)]
        step = _step(row.get(step_key)) if step_key else 0
        for column in values:
            if _is_number(row.get(column)):
                by_name.setdefault(".".join([*parts, column]), []).append((step, float(row[column])))
    for name, steps in by_name.items():
        recorder.log_metric_steps(name, steps)


def _record_model(recorder: Recorder, run: RunResult, variant: str) -> None:
    checkpoint = model_file(run.output_dir, variant)
    if not checkpoint.is_file():
        return
    skops_file = checkpoint.with_suffix(".skops")
    if skops_file.is_file():
        # An estimator: its skops file is the model; MLflow's flavours would pickle it.
        recorder.log_artifact(checkpoint, "model")
        recorder.log_artifact(skops_file, "model")
        return
    from alphacheck.models.export import load_model_file

    model, config = load_model_file(checkpoint)
    rng = np.random.default_rng(run.scenario.seed)
    # Features are standardised before they reach the model, so a standard-normal window is a faithful example.
    example = rng.standard_normal((1, config["sequence_length"], config["n_features"])).astype("float32")
    onnx = model_file(run.output_dir, variant, ".onnx")
    recorder.log_model(model, example, onnx if onnx.is_file() else None)


def _label(value: Any) -> str:
    """A cost level or window as part of a metric name: 5.0 -> "5", 2.5 -> "2.5"."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _step(value: Any) -> int:
    """A fold index as an MLflow step: JSON keys arrive as strings ("0")."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool) \
        and math.isfinite(float(value))


def _name_column(column: pd.Series) -> bool:
    """Short identifiers ("covid-2020", "SPY"), usable inside a metric name."""
    return bool(column.map(lambda v: isinstance(v, str) and re.fullmatch(r"[\w.\-]{1,40}", v) is not None).all())


def _numeric_column(column: pd.Series) -> bool:
    return bool(column.map(lambda v: v is None or _is_number(v)).all())
