"""MLflow tracking: the only module that imports mlflow.

With no URI, MLflow's own default store is used (it honours
``MLFLOW_TRACKING_URI``; otherwise a ``sqlite:///mlflow.db`` database in the
working directory).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alphacheck.exceptions import TrackingError

__all__ = ["MlflowRecorder"]

_MAX_PARAM_LENGTH = 6000


class MlflowRecorder:
    """Log a run to MLflow.

    Parameters
    ----------
    tracking_uri
        Store or server URI; ``None`` keeps MLflow's default.
    """

    def __init__(self, tracking_uri: str | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.run_id: str | None = None

    @property
    def location(self) -> str:
        import mlflow

        return f"{mlflow.get_tracking_uri()} (run {self.run_id})"

    def start(self, experiment: str, run_name: str) -> None:
        """Create or reuse the experiment and open a run; fails before any training."""
        import mlflow

        if self.tracking_uri:
            mlflow.set_tracking_uri(self.tracking_uri)
        try:
            mlflow.set_experiment(experiment)
            self.run_id = mlflow.start_run(run_name=run_name).info.run_id
        except Exception as exc:  # mlflow raises many types for an unusable store
            raise TrackingError(
                f"cannot use the MLflow tracking store {mlflow.get_tracking_uri()!r}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; "
                "check --tracking-uri / MLFLOW_TRACKING_URI, or pass --no-tracking"
            ) from None

    def log_params(self, params: Mapping[str, Any]) -> None:
        import mlflow

        clean = {k: str(v)[:_MAX_PARAM_LENGTH] for k, v in params.items()}
        mlflow.log_params(clean)

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        import mlflow

        finite = {k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(float(v))}
        mlflow.log_metrics(finite)

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        import mlflow

        if Path(path).is_dir():
            mlflow.log_artifacts(str(path), artifact_path)
        else:
            mlflow.log_artifact(str(path), artifact_path)

    def end(self, status: str = "FINISHED") -> None:
        import mlflow

        if self.run_id is not None:
            mlflow.end_run(status=status)
