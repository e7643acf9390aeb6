"""The Python API: ``alphacheck.run``, ``load_scenario``, ``list_scenarios`` and ``load_run``.

``import alphacheck`` exposes these lazily (see ``alphacheck/__init__.py``), so
importing the package stays cheap; this module is loaded on first use.
"""

from __future__ import annotations

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

__all__ = ["list_scenarios", "load_run", "load_scenario", "resolve_scenario", "run"]

log = logging.getLogger(__name__)


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
