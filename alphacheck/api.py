"""The Python API of ``import alphacheck``: run, evaluate, predict, load_scenario, list_scenarios, load_run.

``import alphacheck`` exposes these lazily (see ``alphacheck/__init__.py``), so
importing the package stays cheap; this module is loaded on first use.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from alphacheck.exceptions import ConfigError
from alphacheck.rundir import RunResult, read_run
from alphacheck.scenarios.loader import load_scenario, shipped_scenarios
from alphacheck.scenarios.overrides import apply_overrides, environment_changes, tracking_uri
from alphacheck.scenarios.schema import Scenario
from alphacheck.tracking.base import NullRecorder, Recorder

__all__ = ["evaluate", "list_scenarios", "load_run", "load_scenario", "predict", "resolve_scenario", "run"]

log = logging.getLogger(__name__)

# A run leaves torch, vectorbt and numba objects by the million; the interpreter's last collection at
# exit walks them all (seconds after the caller's last line). Python does not promise to finalise
# objects still alive at exit, so they are frozen instead and left to the operating system, as the
# command line does (alphacheck.cli.main).
atexit.register(gc.freeze)


def run(
    scenario: str | Path | Scenario,
    overrides: Mapping[str, Any] | None = None,
    *,
    output_dir: str | Path | None = None,
    tracking: bool | str | None = None,
    report: bool = True,
    on_progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> RunResult:
    """Run a scenario end to end, write its run folder and return what it produced.

    Settings resolve as for ``alphacheck run``: the scenario < the original
    project's environment variables (``EPOCHS``, ``TICKERS``, ...) < ``overrides``.
    Each variable that changes a setting is said to ``on_progress`` ("environment:
    EPOCHS=2 overrides training.epochs=20"), written atop ``config.yaml`` and
    logged to MLflow as an ``environment.*`` param.

    Parameters
    ----------
    scenario
        A shipped scenario's name (``"quick"``), a YAML file, or a :class:`Scenario`.
    overrides
        Dotted keys and values, e.g. ``{"training.epochs": 2, "data.tickers": ["SP500"],
        "baseline.hidden_size": 64}`` (a variant's hyperparameter by ``VARIANT.KEY``).
    output_dir
        The run folder; default ``runs/<scenario>-<timestamp>/`` under the working directory.
    tracking
        ``None`` (or ``True``): MLflow, as the command line does (``MLFLOW_TRACKING_URI``,
        else ``sqlite:///mlflow.db`` here); ``False``: no tracking; a string: that tracking URI.
    report
        ``False`` skips the plots and tearsheets (predictions, returns, metrics,
        ``summary.md`` and ``index.html`` are still written).
    on_progress
        Receives one line per stage and fold (e.g. ``print``); silent by default.
    overwrite
        Replace a run already in ``output_dir`` (a folder holding one is refused otherwise).

    With ``ALPHACHECK_PROFILE=1`` in the environment, the run folder also gets
    ``profile.json``: the wall and CPU seconds of each stage (see ``alphacheck run --profile``).

    Returns
    -------
    RunResult
        ``predictions``, ``returns``, ``metrics``, ``summary()``, ``output_dir``.

    Raises
    ------
    AlphacheckError
        For a bad scenario, override, data, device or tracking store, before training.
    """
    config = resolve_scenario(scenario, overrides)
    environment = environment_changes(_loaded(scenario), os.environ, overrides)
    for line in environment.values():
        (on_progress or (lambda message: None))(f"environment: {line}")
    recorder = _recorder(tracking)
    from alphacheck import pipeline
    from alphacheck.profiling import Profile, profile_requested

    folder = None if output_dir is None else Path(output_dir)
    recording = Profile().start(startup=False) if profile_requested() else None
    try:
        result = pipeline.run(
            config, folder, recorder, on_progress=on_progress, report=report, overwrite=overwrite,
            environment=environment,
        )
    finally:
        if recording is not None:
            recording.stop()
    if recording is not None:
        recording.write(result.output_dir)
    return result


def evaluate(
    predictions: str | Path | Any,
    scenario: str | Path | Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    output_dir: str | Path | None = None,
    tracking: bool | str | None = None,
    report: bool = True,
    on_progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> RunResult:
    """Evaluate your own predictions as ``alphacheck run`` evaluates its walk-forward's.

    P(up) at date t is taken as known at the close of t; the position is filled
    at the next bar (``backtest.execution``). Labels and forward returns are
    computed from the prices, never read from the predictions. Everything
    ``run`` does after training follows (backtest with costs, baselines,
    matched null, significance, cost sweep, verdicts, stress windows,
    portfolio, report, tracking); shocks need the models and are skipped.

    Parameters
    ----------
    predictions
        A parquet or CSV file, or a DataFrame, with ``date, ticker, proba`` and
        optionally ``variant`` (default: the file's stem; a DataFrame needs it) and ``fold``.
    scenario
        Where the prices come from and how to trade: a shipped scenario's name,
        a YAML file or a :class:`Scenario`; ``None``: the schema's defaults on
        the file's tickers.
    overrides
        Dotted keys, as for :func:`run` (``{"data.source": "yahoo", "backtest.fees_bps": 2}``).
    output_dir, tracking, report, on_progress, overwrite
        As for :func:`run`; the folder defaults to ``runs/evaluate-<name>-<timestamp>/``.

    Returns
    -------
    RunResult
        Its ``metrics["evaluated"]`` says what was read and how.

    Raises
    ------
    AlphacheckError
        For a bad file (``PredictionsError``: columns, dates, probabilities,
        duplicates, tickers without prices, dates off the price calendar) or configuration.
    """
    import datetime as dt

    import pandas as pd

    from alphacheck.evaluate_predictions import evaluate_predictions, scenario_for_file
    from alphacheck.external import check_predictions, read_predictions

    if isinstance(predictions, pd.DataFrame):
        frame, source, name = check_predictions(predictions, "predictions"), "a DataFrame", "evaluate"
    elif isinstance(predictions, str | Path):
        frame, source, name = read_predictions(Path(predictions)), str(predictions), Path(predictions).stem
    else:
        kind = type(predictions).__name__
        raise ConfigError(f"predictions={kind}: give a parquet or CSV path, or a DataFrame")
    base = None if scenario is None else resolve_scenario(scenario)
    config, notes = scenario_for_file(frame, base, overrides, name=name)
    stamp = f"evaluate-{name}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    folder = Path(output_dir) if output_dir is not None else Path("runs") / stamp
    recorder = _recorder(tracking)
    return evaluate_predictions(
        frame, config, folder, recorder, on_progress, report, source, notes, overwrite=overwrite
    )


def predict(
    run_dir: str | Path,
    date: Any = None,
    tickers: list[str] | None = None,
    update: bool = False,
    backend: str = "auto",
) -> list[dict[str, Any]]:
    """What each variant's last model of a run says for the next trading day (see ``alphacheck predict``).

    Returns
    -------
    list of dict
        One per ticker and variant: ``decision_date, proba, proba_raw, position, weight, fill``,
        the model's ``fold``, ``trained_through``, ``trading_days_since_training``, ``stale`` and ``warning``.
    """
    from alphacheck.predict import predict_signals

    return [s.as_dict() for s in predict_signals(Path(run_dir), date, tickers, update, backend)]


def resolve_scenario(scenario: str | Path | Scenario, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """The scenario :func:`run` runs: loaded, then the environment variables and ``overrides`` applied.

    Raises
    ------
    ConfigError
        For an unknown scenario or key (with "did you mean"), or an invalid value.
    """
    if not isinstance(scenario, str | Path | Scenario):
        raise ConfigError(
            f"scenario={scenario!r}: give a shipped scenario's name (one of {', '.join(list_scenarios())}), "
            "a path to a YAML file, or a Scenario"
        )
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ConfigError(
            f"overrides={overrides!r}: give a mapping of dotted keys to values, e.g. {{'training.epochs': 2}}"
        )
    return apply_overrides(_loaded(scenario), overrides, environ=os.environ, source="overrides")


def _loaded(scenario: str | Path | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def load_run(folder: str | Path) -> RunResult:
    """Read a run folder back into the :class:`RunResult` that :func:`run` returned.

    Reads ``config.yaml``, ``predictions.parquet``, ``returns.parquet`` and
    ``metrics.json`` only: no price is loaded and nothing is recomputed.
    ``tracking`` is ``None`` (the folder does not say where the run was logged).

    Raises
    ------
    ConfigError
        When the folder lacks one of those files or one cannot be read; an older
        folder without ``returns.parquet`` is rebuilt with ``alphacheck report RUN_DIR --backtest``.
    """
    return read_run(Path(folder))


def list_scenarios() -> list[str]:
    """The names of the scenarios shipped with alphacheck, for :func:`run` and :func:`load_scenario`."""
    return list(shipped_scenarios())


def _recorder(tracking: bool | str | None) -> Recorder:
    if tracking is False:
        return NullRecorder()
    if tracking is None or tracking is True or (isinstance(tracking, str) and tracking.strip()):
        from alphacheck.tracking.mlflow_recorder import MlflowRecorder

        uri = tracking if isinstance(tracking, str) else None
        return MlflowRecorder(tracking_uri(uri), on_notice=log.warning)
    raise ConfigError(
        f"tracking={tracking!r}: give None (MLflow's default store), False (no tracking) "
        "or a tracking URI such as 'sqlite:///mlflow.db'"
    )
