"""User-facing errors and warnings.

Every error a user can cause is an :class:`AlphacheckError` whose message names
the field or file, the bad value and the fix; the CLI prints it as one line and
exits non-zero.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AlphacheckError",
    "AlphacheckWarning",
    "CheckpointWarning",
    "ConfigError",
    "DataError",
    "DataWarning",
    "DeviceError",
    "ExportWarning",
    "Interrupted",
    "LeakageError",
    "LeakageWarning",
    "PredictionsError",
    "ReportError",
    "SmallSampleWarning",
    "StressWarning",
    "TrackingError",
    "did_you_mean",
]


class AlphacheckError(Exception):
    """Base class of the errors a user can cause and fix."""


class ConfigError(AlphacheckError):
    """A scenario file or a command-line option is missing or invalid."""


class DataError(AlphacheckError):
    """Price data is unavailable or structurally wrong."""


class PredictionsError(DataError):
    """A file of predictions given to ``alphacheck evaluate`` is malformed or does not fit the prices."""


class DeviceError(AlphacheckError):
    """The requested compute device does not exist on this machine."""


class Interrupted(AlphacheckError):
    """The user stopped a command (Ctrl-C); the message says what was kept. Exit status 130."""

    exit_code = 130


class LeakageError(AlphacheckError):
    """A feature uses information from after the date it is read at."""


class ReportError(AlphacheckError):
    """Drawing a run's report failed; its results (predictions, returns, metrics) are kept."""


class TrackingError(AlphacheckError):
    """The experiment tracking store cannot be used."""


class AlphacheckWarning(UserWarning):
    """Base class of alphacheck's warnings: suspicious but legal input."""


class DataWarning(AlphacheckWarning):
    """Price data that is possible but deserves a look."""


class ExportWarning(AlphacheckWarning):
    """A model file could not be written in one format (ONNX); the others hold the model."""


class LeakageWarning(AlphacheckWarning):
    """A feature looks ahead and the scenario accepts it (``features.allow_lookahead``): a known leak."""


class CheckpointWarning(AlphacheckWarning):
    """A saved fold could not be used: it was set aside and the fold is trained again."""


class SmallSampleWarning(AlphacheckWarning):
    """Too few predictions for a percentage alone (``backtest.significance.MIN_PREDICTIONS``)."""


class StressWarning(AlphacheckWarning):
    """A stress window that no model trained before it can speak for."""


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return a ``" (did you mean 'x'?)"`` hint, or ``""`` when nothing is close."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
