"""Fold checkpoints: each finished fold is kept so an interrupted run resumes.

A fold's checkpoint holds the model's own out-of-sample probabilities, the
fold's fitted calibrator (see :mod:`alphacheck.models.calibration`), its record
and the trained weights (needed by a warm start of the next fold and for the model
files). It lives under ``<cache>/folds/<key>/fold-NNNN.pt`` where the key is a
hash of the data (every value, date and column of every ticker's dataset), the
feature set, the walk-forward and training settings, the variant, the seed,
the device type, the checkpoint format (:data:`CHECKPOINT_FORMAT`), the
alphacheck version and the code a fold's result depends on
(:func:`code_fingerprint`): change any of them and nothing is reused. Format 2 added the calibrator, so a fold
saved before calibration existed is never resumed as if it were calibrated. Files are written
atomically (temporary file, then rename), so a kill leaves either a whole
checkpoint or none. They load with ``torch.load(weights_only=True)``; one that
cannot be read (a truncated copy, a foreign file) is moved aside with a
:class:`~alphacheck.exceptions.CheckpointWarning` naming it, and its fold is
trained again.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alphacheck import __version__
from alphacheck.exceptions import CheckpointWarning

if TYPE_CHECKING:
    import torch

    from alphacheck.walkforward.settings import VariantSettings, WalkForwardScenario

__all__ = ["CHECKPOINT_FORMAT", "FoldStore", "cache_root", "code_fingerprint", "data_fingerprint", "run_key"]

#: Version of what a checkpoint holds; part of the key. 2: raw P(up) plus the fold's calibrator.
CHECKPOINT_FORMAT = 2


def cache_root() -> Path:
    """alphacheck's home folder: ``$ALPHACHECK_HOME``, else the user cache dir (:mod:`alphacheck.paths`)."""
    from alphacheck.paths import alphacheck_home

    return alphacheck_home()


def data_fingerprint(datasets: dict[str, pd.DataFrame]) -> str:
    """SHA-256 over every ticker's name, columns, dates and values."""
    digest = hashlib.sha256()
    for ticker in sorted(datasets):
        frame = datasets[ticker]
        digest.update(ticker.encode())
        digest.update(json.dumps([str(c) for c in frame.columns]).encode())
        digest.update(np.ascontiguousarray(frame.index.asi8).tobytes())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


#: The packages whose code decides what a fold trains to (features and labels reach the key through
#: the data fingerprint, which hashes the datasets they built).
_FOLD_CODE = ("models", "walkforward")


def code_fingerprint(variant: str) -> str:
    """SHA-256 of the code behind a variant's folds: alphacheck's ``models/`` and ``walkforward/``
    sources, and the file that defines the variant when it lies outside them (a plugin's).

    A checkpoint trained by other code is not reused: edit the model or the
    training loop and the next run trains again.
    """
    from alphacheck.models.registry import get_variant

    digest = hashlib.sha256(_package_digest().encode())
    build = get_variant(variant).build
    try:
        source = inspect.getsourcefile(build) if build is not None else None
    except TypeError:  # a class whose module is gone from sys.modules: nothing to read
        source = None
    if source is not None and not Path(source).resolve().is_relative_to(_PACKAGE):
        digest.update(Path(source).read_bytes())  # read on every call: a plugin is the code users edit
    return digest.hexdigest()


_PACKAGE = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=1)
def _package_digest() -> str:
    """SHA-256 of alphacheck's own fold code, read once per process."""
    digest = hashlib.sha256()
    for path in sorted(p for name in _FOLD_CODE for p in (_PACKAGE / name).rglob("*.py")):
        digest.update(str(path.relative_to(_PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_key(
    fingerprint: str,
    scenario: WalkForwardScenario,
    variant: VariantSettings,
    device: torch.device | str,
    concurrency: str | None = None,
) -> str:
    """Hash of what determines a variant's folds: data, features, settings, variant, seed, device type, code.

    ``concurrency`` names how folds trained together (stacked training and its
    stack sizes); None, training fold by fold, leaves the key as it always was.
    """
    parts = {
        "format": CHECKPOINT_FORMAT,
        "data": fingerprint,
        "features": _plain(scenario.features),
        "execution": _plain(scenario.backtest.execution),
        "walkforward": _plain(scenario.walkforward),
        "training": _plain(scenario.training),
        "variant": _plain(variant),
        "seed": scenario.seed,
        "device": getattr(device, "type", str(device)),
        "alphacheck": __version__,
        "code": code_fingerprint(variant.name),
    }
    if concurrency is not None:
        parts["concurrency"] = concurrency
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


class FoldStore:
    """Checkpoints of one variant's folds under one key.

    Parameters
    ----------
    folder
        Where the ``fold-NNNN.pt`` files live (created on first save).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, fold: int) -> Path:
        return self.folder / f"fold-{fold:04d}.pt"

    def load(self, fold: int) -> dict[str, Any] | None:
        """The checkpoint of ``fold`` as ``{"proba_raw", "calibration", "record", "state"}``, or None.

        None when absent or written in the older format (no calibrator: the
        fold is retrained and the file replaced). A checkpoint that cannot be
        read or does not hold what a fold saves (a truncated or foreign file) is
        set aside (:meth:`set_aside`) and ``None`` is returned, so the fold is
        trained again.
        """
        path = self._path(fold)
        if not path.exists():
            return None
        try:
            return _read_checkpoint(path)
        except Exception as exc:  # any unreadable file: torch, pickle, zip, JSON and type errors alike
            self.set_aside(fold, f"{type(exc).__name__}: {exc}")
            return None

    def set_aside(self, fold: int, reason: str) -> Path | None:
        """Move ``fold``'s checkpoint to ``fold-NNNN.pt.corrupt-<time>`` and warn, naming both paths.

        Returns the new path, or ``None`` when the file could not be moved
        (the retrained fold then replaces it).
        """
        path = self._path(fold)
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        try:
            os.replace(path, aside)
            where = f"moved it to {aside}"
        except OSError as exc:
            aside, where = None, f"could not move it aside ({exc.strerror or exc})"
        warnings.warn(
            f"fold checkpoint {path} is unreadable ({reason[:300]}); {where} and training fold {fold} again",
            CheckpointWarning,
            stacklevel=3,
        )
        return aside

    def save(
        self,
        fold: int,
        proba_raw: np.ndarray,
        calibration: dict[str, Any],
        record: dict[str, Any],
        state: dict[str, Any],
    ) -> None:
        """Write a fold's checkpoint atomically: raw P(up), calibrator (``to_dict()``), record, weights."""
        import torch

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(fold)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        payload = {
            "proba_raw": torch.as_tensor(np.asarray(proba_raw, dtype="float64")),
            "calibration": json.dumps(calibration),
            "record": json.dumps(record, default=str),
            "state": {k: v.detach().cpu() for k, v in state.items()},
        }
        torch.save(payload, partial)
        os.replace(partial, path)


def _read_checkpoint(path: Path) -> dict[str, Any] | None:
    """Load and check one checkpoint; None for the older format, any problem raises."""
    import torch

    saved = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(saved, dict) and "proba" in saved and "calibration" not in saved:
        return None  # format 1 (raw proba, no calibrator): retrained, and replaced when saved
    proba = saved["proba_raw"].numpy()
    calibration = json.loads(saved["calibration"])
    record = json.loads(saved["record"])
    state = dict(saved["state"])
    if proba.ndim != 1 or not np.isfinite(proba).all() or ((proba < 0) | (proba > 1)).any():
        raise ValueError(f"proba_raw of shape {proba.shape} is not a vector of probabilities")
    if not isinstance(record, dict) or not isinstance(calibration, dict):
        raise ValueError("record or calibration of the wrong kind")
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError("weights of the wrong kind")
    return {"proba_raw": proba, "calibration": calibration, "record": record, "state": state}


def _plain(value: Any) -> Any:
    """A pydantic model, namespace or value as JSON-able data."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dict__"):
        return {k: _plain(v) for k, v in vars(value).items()}
    return value
