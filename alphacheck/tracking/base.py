"""The Recorder protocol: what the pipeline tells an experiment tracker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = ["NullRecorder", "Recorder", "flatten"]


class Recorder(Protocol):
    """Receives a run's params, metrics and artifacts."""

    def start(self, experiment: str, run_name: str) -> None: ...

    def log_params(self, params: Mapping[str, Any]) -> None: ...

    def log_metrics(self, metrics: Mapping[str, float]) -> None: ...

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None: ...

    def end(self, status: str = "FINISHED") -> None: ...

    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Tag the active run (parent or child)."""

    def start_child(self, run_name: str) -> None:
        """Open a child run of the parent; logging goes to it until :meth:`end_child`."""

    def end_child(self, status: str = "FINISHED") -> None:
        """Close the child run; logging goes to the parent again."""

    def log_metric_steps(self, name: str, values: Sequence[tuple[int, float]]) -> None:
        """Log one metric at several steps (a fold index, for example)."""

    def log_model(self, model: Any, input_example: Any, onnx_path: Path | None = None) -> None:
        """Log a torch module as a model with its signature and input example, and its ONNX file."""

    def log_dataset(self, name: str, digest: str, source: Mapping[str, str]) -> None:
        """Record the prices the run read as its input: a name, their fingerprint, where they came from."""

    @property
    def location(self) -> str:
        """Where the run can be found, for the user."""


class NullRecorder:
    """Records nothing (``--no-tracking``)."""

    location = "tracking disabled"

    def start(self, experiment: str, run_name: str) -> None:
        pass

    def log_params(self, params: Mapping[str, Any]) -> None:
        pass

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        pass

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        pass

    def end(self, status: str = "FINISHED") -> None:
        pass

    def set_tags(self, tags: Mapping[str, str]) -> None:
        pass

    def start_child(self, run_name: str) -> None:
        pass

    def end_child(self, status: str = "FINISHED") -> None:
        pass

    def log_metric_steps(self, name: str, values: Sequence[tuple[int, float]]) -> None:
        pass

    def log_model(self, model: Any, input_example: Any, onnx_path: Path | None = None) -> None:
        pass

    def log_dataset(self, name: str, digest: str, source: Mapping[str, str]) -> None:
        pass


def flatten(tree: Mapping[str, Any], prefix: str = "", sep: str = ".") -> dict[str, Any]:
    """Flatten nested mappings to dotted keys: ``{"a": {"b": 1}} -> {"a.b": 1}``."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, name, sep))
        else:
            flat[name] = value
    return flat
