"""Fold checkpoints: each finished fold is kept so an interrupted run resumes.

A fold's checkpoint holds the model's own out-of-sample probabilities, the
fold's fitted calibrator (see :mod:`alphacheck.models.calibration`), its record
and the trained weights (needed by a warm start of the next fold and for the model
files). It lives under ``<cache>/folds/<key>/fold-NNNN.pt`` where the key is a
hash of the data (every value, date and column of every ticker's dataset), the
feature set, the walk-forward and training settings, the variant, the seed,
the device type, the checkpoint format (:data:`CHECKPOINT_FORMAT`), the
alphacheck version, alphacheck's own fold code (:func:`fold_code_fingerprint`)
and a plugin variant's code (:func:`plugin_code_fingerprint`): change any of
them and nothing is reused. Format 2 added the calibrator, so a fold
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

__all__ = [
    "CHECKPOINT_FORMAT",
    "FoldStore",
    "cache_root",
    "code_digest",
    "data_fingerprint",
    "fold_code_fingerprint",
    "plugin_code_fingerprint",
    "run_key",
]

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
FOLD_CODE = ("models", "walkforward")


def code_digest(root: Path, packages: tuple[str, ...] = FOLD_CODE) -> str:
    """SHA-256 over every ``*.py`` under ``root/<package>`` for each of ``packages``, paths included."""
    digest = hashlib.sha256()
    for path in sorted(p for name in packages for p in (root / name).rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def fold_code_fingerprint() -> str:
    """:func:`code_digest` of this alphacheck's ``models/`` and ``walkforward/``, read once per process.

    Part of every checkpoint key: a run with edited model or training code
    trains again instead of resuming folds the old code made.
    """
    return code_digest(Path(__file__).resolve().parents[1])


def run_key(
    fingerprint: str,
    scenario: WalkForwardScenario,
    variant: VariantSettings,
    device: torch.device | str,
    concurrency: str | None = None,
) -> str:
    """Hash of what determines a variant's folds: data, features, settings, variant, seed, device, code.

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
        "code": fold_code_fingerprint(),
    }
    code = plugin_code_fingerprint(variant)
    if code is not None:  # a plugin's variant: editing its code must not resume the old folds
        parts["plugin_code"] = code
    if concurrency is not None:
        parts["concurrency"] = concurrency
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def plugin_code_fingerprint(variant: VariantSettings) -> str | None:
    """SHA-256 of the source of the plugin(s) behind a variant config; None for shipped code only.

    An ensemble's members count: a plugin member's code is part of the ensemble's.
    """
    import inspect

    from alphacheck.models.registry import VARIANTS

    spec = VARIANTS.get(variant.name)
    if spec is None:
        return None
    members = [spec]
    if spec.is_ensemble:
        names = dict(variant.params).get("members", spec.architecture["members"])
        members = [VARIANTS[m] for m in names if m in VARIANTS]
    digest, found = hashlib.sha256(), False
    for member in members:
        if member.plugin is None:
            continue
        try:
            source = Path(inspect.getsourcefile(member.build) or "").read_bytes()
        except (OSError, TypeError):  # defined interactively: the qualified name is all there is
            source = f"{member.plugin}.{getattr(member.build, '__qualname__', '')}".encode()
        digest.update(member.name.encode() + b"\0" + source)
        found = True
    return digest.hexdigest() if found else None


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
