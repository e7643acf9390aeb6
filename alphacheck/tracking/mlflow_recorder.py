"""MLflow tracking: the only module that imports mlflow.

With no URI, MLflow's own default store is used (it honours
``MLFLOW_TRACKING_URI``; otherwise a ``sqlite:///mlflow.db`` database in the
working directory). A new experiment of a ``sqlite:///`` store keeps its
artifacts in ``mlruns/`` beside the database file, wherever the run starts
from. A server URI is checked before anything else, and a missing local store
is never created by reading it (:mod:`alphacheck.tracking.stores`).

Params, metrics and tags are kept per run and written in one ``log_batch``
when the run ends (and before its model is logged, which links the run's
metrics to the model): a call per metric was a database transaction each,
hundreds per child run, and most of the tracking's time on a sqlite store.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphacheck.exceptions import TrackingError
from alphacheck.tracking.stores import (
    LOCAL_STORE,
    check_reachable,
    require_existing_store,
    sqlite_path,
    store_creation_lock,
)

__all__ = [
    "LoggedRun",
    "MlflowRecorder",
    "default_tracking_uri",
    "experiment_id",
    "fetch_run",
    "recent_runs",
]

log = logging.getLogger(__name__)

_MAX_PARAM_LENGTH = 6000


def default_tracking_uri() -> str:
    """The store MLflow uses when none is given (``MLFLOW_TRACKING_URI`` or its local default)."""
    import mlflow

    return mlflow.get_tracking_uri()


class MlflowRecorder:
    """Log a run to MLflow: a parent run, and child runs opened with :meth:`start_child`.

    Parameters
    ----------
    tracking_uri
        Store or server URI; ``None`` keeps MLflow's default.
    fallback
        When the server cannot be reached, log to :data:`LOCAL_STORE` instead of failing.
    on_notice
        Receives a line when the recorder falls back to the local store.
    """

    def __init__(
        self, tracking_uri: str | None = None, fallback: bool = False,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.fallback = fallback
        self.on_notice = on_notice
        self.run_id: str | None = None
        self.child_run_ids: dict[str, str] = {}
        self.unreachable: str | None = None
        self._pending: dict[str, _Batch] = {}

    @property
    def location(self) -> str:
        import mlflow

        where = f"{mlflow.get_tracking_uri()} (run {self.run_id})"
        if self.unreachable:
            where += f"; server {self.unreachable} was unreachable, logged locally"
        return where

    def start(self, experiment: str, run_name: str) -> None:
        """Create or reuse the experiment and open the parent run; fails before any training."""
        import mlflow

        uri = self.tracking_uri or default_tracking_uri()
        try:
            check_reachable(uri)
        except TrackingError:
            if not self.fallback:
                raise
            self.unreachable, uri = uri, LOCAL_STORE
            # Said once, and without the error's advice to pass --tracking fallback: that is what happens now.
            notice = f"tracking server {self.unreachable} unreachable; logging locally to {uri}"
            if self.on_notice:
                self.on_notice(notice)
            else:
                log.warning("%s", notice)
        mlflow.set_tracking_uri(uri)
        try:
            with store_creation_lock(uri):
                _create_experiment_beside_store(uri, experiment)
                mlflow.set_experiment(experiment)
                self.run_id = mlflow.start_run(run_name=run_name).info.run_id
        except TrackingError:
            raise
        except Exception as exc:  # mlflow raises many types for an unusable store
            raise TrackingError(
                f"cannot use the MLflow tracking store {mlflow.get_tracking_uri()!r}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; "
                "check --tracking-uri / MLFLOW_TRACKING_URI, or pass --no-tracking"
            ) from None

    def log_params(self, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        self._batch().params.extend(Param(k, str(v)[:_MAX_PARAM_LENGTH]) for k, v in params.items())

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        self._add_metrics([(name, 0, value) for name, value in metrics.items()])

    def log_metric_steps(self, name: str, values: Sequence[tuple[int, float]]) -> None:
        """Log ``name`` once per ``(step, value)``; undefined values are skipped."""
        self._add_metrics([(name, step, value) for step, value in values])

    def _add_metrics(self, rows: list[tuple[str, int, Any]]) -> None:
        from mlflow.entities import Metric

        stamp = _now_ms()
        self._batch().metrics.extend(
            Metric(name, float(value), stamp, int(step))
            for name, step, value in rows
            if value is not None and math.isfinite(float(value))
        )

    def _batch(self) -> _Batch:
        """What the active run (parent or child) has been given and not yet written."""
        import mlflow

        return self._pending.setdefault(mlflow.active_run().info.run_id, _Batch())

    def _flush(self) -> None:
        """Write the active run's params, metrics and tags in one ``log_batch`` (chunked by MLflow)."""
        import mlflow

        active = mlflow.active_run()
        batch = self._pending.pop(active.info.run_id, None) if active is not None else None
        if batch is not None and (batch.metrics or batch.params or batch.tags):
            mlflow.MlflowClient().log_batch(
                active.info.run_id, metrics=batch.metrics, params=batch.params, tags=batch.tags
            )

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        import mlflow

        if Path(path).is_dir():
            mlflow.log_artifacts(str(path), artifact_path)
        else:
            mlflow.log_artifact(str(path), artifact_path)

    def log_dataset(self, name: str, digest: str, source: Mapping[str, str]) -> None:
        """The prices as the run's input (the UI's Dataset column): metadata only, no rows uploaded.

        MLflow keeps at most 36 characters of a digest: the first 36 of the
        SHA-256 fingerprint (the whole one is the ``data.fingerprint`` param).
        """
        import mlflow
        from mlflow.data.code_dataset_source import CodeDatasetSource
        from mlflow.data.meta_dataset import MetaDataset

        dataset = MetaDataset(CodeDatasetSource(dict(source)), name=name[:500], digest=digest[:36])
        mlflow.log_input(dataset, context="training")

    def set_tags(self, tags: Mapping[str, str]) -> None:
        from mlflow.entities import RunTag

        self._batch().tags.extend(RunTag(k, str(v)) for k, v in tags.items())

    def start_child(self, run_name: str) -> None:
        import mlflow

        self.child_run_ids[run_name] = mlflow.start_run(run_name=run_name, nested=True).info.run_id

    def end_child(self, status: str = "FINISHED") -> None:
        import mlflow

        self._flush()
        mlflow.end_run(status=status)

    def log_model(self, model: Any, input_example: Any, onnx_path: Path | None = None) -> None:
        """Log ``model`` as an MLflow PyTorch model with signature and input example; the ONNX file as artifact."""
        import mlflow
        import mlflow.pytorch
        import torch
        from mlflow.models import infer_signature

        self._flush()  # MLflow links the run's metrics logged so far to the model
        model.eval()
        with torch.no_grad():
            output = model(torch.as_tensor(input_example)).numpy()
        # MLflow warns on every pickled model; the choice is deliberate (see below), the line is noise.
        logging.getLogger("mlflow.pytorch").setLevel(logging.ERROR)
        mlflow.pytorch.log_model(
            model,
            name="model",
            signature=infer_signature(input_example, output),
            input_example=input_example,
            # Pickle loads back as the same nn.Module; "pt2" (torch.export) loads as an ExportedProgram.
            serialization_format="pickle",
            # Naming the requirement avoids MLflow's slow inference of it in a subprocess.
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}"],
        )
        if onnx_path is not None:
            mlflow.log_artifact(str(onnx_path), "onnx")

    def end(self, status: str = "FINISHED") -> None:
        import mlflow

        if self.run_id is not None:
            while mlflow.active_run() is not None:  # children left open by a failure first
                self._flush()
                mlflow.end_run(status=status)


@dataclass
class _Batch:
    """A run's params, metrics and tags not yet written."""

    metrics: list = field(default_factory=list)
    params: list = field(default_factory=list)
    tags: list = field(default_factory=list)


@dataclass
class LoggedRun:
    """A parent run read back from the store."""

    run_id: str
    experiment: str
    run_name: str
    status: str
    start_time_ms: int
    params: dict[str, str]
    metrics: dict[str, float]


def _client(tracking_uri: str | None):
    """A client for reading the store; a local store that does not exist is refused, never created."""
    from mlflow import MlflowClient

    uri = tracking_uri or default_tracking_uri()
    check_reachable(uri)
    require_existing_store(uri)
    try:
        return MlflowClient(tracking_uri=uri)
    except Exception as exc:  # an unknown scheme or a malformed URI
        raise TrackingError(
            f"cannot use the MLflow tracking store {uri!r}: {_first_line(exc)}; give a URI such as "
            "sqlite:///path/mlflow.db or http://host:5000"
        ) from None


def _create_experiment_beside_store(uri: str, experiment: str) -> None:
    """Create a new experiment of a ``sqlite:///`` store with its artifacts beside the database.

    MLflow would put them in ``./mlruns`` of whatever folder the first run
    happened to start from (a notebook's, a home folder), away from the store
    that names them: in ``mlruns/<experiment>`` next to the database file
    instead. Existing experiments keep the location they were created with.
    Called under :func:`~alphacheck.tracking.stores.store_creation_lock`.
    """
    path = sqlite_path(uri)
    if path is None:
        return
    import mlflow

    if mlflow.get_experiment_by_name(experiment) is not None:
        return
    folder = re.sub(r"[^A-Za-z0-9._-]+", "_", experiment).strip("._") or "experiment"
    mlflow.create_experiment(experiment, artifact_location=(path.resolve().parent / "mlruns" / folder).as_uri())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def recent_runs(tracking_uri: str | None = None, limit: int = 10) -> list[LoggedRun]:
    """The most recent alphacheck parent runs of every experiment, newest first.

    Raises
    ------
    TrackingError
        When the store cannot be reached.
    """
    client = _client(tracking_uri)
    try:
        experiments = {e.experiment_id: e.name for e in client.search_experiments()}
        runs = client.search_runs(
            list(experiments), filter_string="tags.`alphacheck.role` = 'parent'",
            order_by=["attributes.start_time DESC"], max_results=limit,
        ) if experiments else []
    except Exception as exc:  # mlflow raises many types for an unusable store
        raise TrackingError(f"cannot read runs from {client.tracking_uri!r}: {str(exc).splitlines()[0]}") from None
    return [
        LoggedRun(r.info.run_id, experiments.get(r.info.experiment_id, "?"), r.info.run_name or "", r.info.status,
                  r.info.start_time or 0, dict(r.data.params), dict(r.data.metrics))
        for r in runs
    ]


def experiment_id(tracking_uri: str, name: str) -> str:
    """The id of the experiment ``name`` (a scenario's name) in the store.

    Raises
    ------
    TrackingError
        When the store holds no such experiment, naming those it holds (with "did you mean").
    """
    from alphacheck.exceptions import did_you_mean

    client = _client(tracking_uri)
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    names = [e.name for e in client.search_experiments() if e.name != "Default"]
    raise TrackingError(
        f"no experiment {name!r} in {tracking_uri}{did_you_mean(name, names)}; it holds "
        f"{', '.join(names) or 'none'}: give one of them, or run the scenario first"
    )


def fetch_run(run_id: str, destination: Path, tracking_uri: str | None = None) -> LoggedRun:
    """Read a run's params and download its ``config.yaml`` and ``predictions.parquet`` into ``destination``.

    Raises
    ------
    TrackingError
        When the store cannot be reached, the run does not exist or lacks those artifacts.
    """
    client = _client(tracking_uri)
    try:
        run = client.get_run(run_id)
    except Exception as exc:
        raise TrackingError(
            f"run {run_id!r} not found in {client.tracking_uri!r} ({str(exc).splitlines()[0]}); "
            "list runs with `alphacheck runs list`"
        ) from None
    destination.mkdir(parents=True, exist_ok=True)
    from alphacheck.rundir import CONFIG_FILE, PREDICTIONS_FILE

    for name in (CONFIG_FILE, PREDICTIONS_FILE):
        try:
            client.download_artifacts(run_id, name, str(destination))
        except Exception:
            raise TrackingError(f"run {run_id!r} has no artifact {name!r}; was it logged by `alphacheck run`?") from None
    experiment = client.get_experiment(run.info.experiment_id).name
    return LoggedRun(run_id, experiment, run.info.run_name or "", run.info.status, run.info.start_time or 0,
                     dict(run.data.params), dict(run.data.metrics))


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
