"""Experiment tracking behind a small Recorder protocol (mlflow imported lazily)."""

from alphacheck.tracking.base import NullRecorder, Recorder, flatten

__all__ = ["NullRecorder", "Recorder", "flatten"]
