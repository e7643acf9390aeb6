"""A scikit-learn-style estimator inside a torch module, so it travels the walk-forward's one path.

The walk-forward keeps each fold's model as a state dict of tensors: it goes
into fold checkpoints (loaded with ``torch.load(weights_only=True)``), back
from worker processes and Ray, and into ``models/<variant>.pt``.
:class:`EstimatorModule` keeps its fitted estimator there as the bytes of a
skops file (a ``uint8`` buffer named ``skops``), never as a pickle: loading it
constructs only the types skops trusts by default and those the variant
declared (``register_estimator(..., trusted=[...])``), and refuses any other
type with its name. Its ``forward`` returns logits like every variant, but
:meth:`EstimatorModule.predict_proba` is what alphacheck calls, in float64.

scikit-learn and skops are optional (``pip install 'alphacheck[estimators]'``);
they are imported only here, when an estimator is fitted, saved or loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import torch

from alphacheck.exceptions import ConfigError

__all__ = ["EstimatorModule", "estimator_inputs", "load_estimator", "save_estimator"]


class _LoadedKeys(NamedTuple):
    """What ``torch.nn.Module.load_state_dict`` returns."""

    missing_keys: list[str]
    unexpected_keys: list[str]


# P(up) of exactly 0 or 1 has no finite logit; forward() clips to this before taking one.
_CLIP = 1e-7


def estimator_inputs(x: np.ndarray, inputs: str) -> np.ndarray:
    """The ``(rows, columns)`` matrix an estimator sees of sequences ``x`` ``(rows, time, features)``.

    ``last``: the last time step's features; ``flatten``: every step, oldest
    first (column ``t * features + f``).
    """
    x = np.asarray(x)
    if inputs == "last":
        return np.ascontiguousarray(x[:, -1, :])
    if inputs == "flatten":
        return x.reshape(len(x), -1)
    raise ConfigError(f"estimator inputs = {inputs!r}: must be 'last' or 'flatten'")


def save_estimator(estimator: Any) -> bytes:
    """The estimator as skops bytes."""
    return _skops().dumps(estimator)


def load_estimator(data: bytes, variant: str, trusted: Iterable[str] = ()) -> Any:
    """An estimator from skops bytes, constructing only trusted types.

    Raises
    ------
    ConfigError
        When the bytes hold types that neither skops nor the variant trusts
        (named, with the fix), or are not a skops file.
    """
    sio = _skops()
    trusted = list(trusted)
    try:
        untrusted = [t for t in sio.get_untrusted_types(data=data) if t not in trusted]
    except Exception as exc:  # not a zip, not a skops schema: any failure means unreadable
        raise ValueError(f"not a skops file ({type(exc).__name__}: {exc})") from None
    if untrusted:
        raise ConfigError(
            f"estimator variant {variant!r}: its saved estimator holds types skops does not load by default: "
            f"{', '.join(untrusted)}; if you wrote the file and trust these types, declare them: "
            f"register_estimator({variant!r}, ..., trusted=[{', '.join(map(repr, untrusted))}])"
        )
    return sio.loads(data, trusted=trusted or None)


def _skops() -> Any:
    try:
        import skops.io
    except ImportError:
        raise ConfigError(
            "estimator variants are saved and loaded with skops, which is not installed; "
            "pip install 'alphacheck[estimators]' (scikit-learn and skops)"
        ) from None
    return skops.io


class EstimatorModule(torch.nn.Module):
    """A scikit-learn-style estimator (``fit``, ``predict_proba``) as a variant's module.

    Parameters
    ----------
    estimator
        The unfitted estimator the variant's factory built.
    inputs
        ``last`` or ``flatten`` (see :func:`estimator_inputs`).
    variant
        The variant's name, for messages.
    trusted
        Types beyond skops's defaults that its saved estimator may hold.
    """

    def __init__(self, estimator: Any, inputs: str, variant: str, trusted: Iterable[str] = ()) -> None:
        super().__init__()
        for method in ("fit", "predict_proba"):
            if not callable(getattr(estimator, method, None)):
                raise ConfigError(
                    f"estimator variant {variant!r}: its factory returned {type(estimator).__name__}, "
                    f"which has no {method}(); return a scikit-learn-style classifier"
                )
        self.estimator = estimator
        self.inputs = inputs
        self.variant = variant
        self.trusted = tuple(trusted)
        # The fitted estimator as skops bytes: what state_dict() hands the checkpoints and model files.
        self.register_buffer("skops", torch.zeros(0, dtype=torch.uint8))

    def seed(self, seed: int) -> EstimatorModule:
        """Set the estimator's ``random_state`` to ``seed`` when it has one (same seed, same fit)."""
        get_params = getattr(self.estimator, "get_params", None)
        if callable(get_params) and "random_state" in get_params(deep=False):
            self.estimator.set_params(random_state=int(seed) % 2**32)
        return self

    def fit(self, x: np.ndarray, y: np.ndarray) -> EstimatorModule:
        """Fit on sequences ``x`` and 0/1 labels ``y``; keeps the fitted estimator's skops bytes."""
        self.estimator.fit(estimator_inputs(x, self.inputs), np.asarray(y).astype("int64"))
        self._up_column()
        data = save_estimator(self.estimator)
        self.skops = torch.from_numpy(np.frombuffer(data, dtype=np.uint8).copy())
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(up) per sequence, float64, shape ``(rows,)``: the estimator's column of class 1."""
        proba = np.asarray(self.estimator.predict_proba(estimator_inputs(x, self.inputs)), dtype="float64")
        return proba[:, self._up_column()]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of :meth:`predict_proba`, for code that treats every variant as a torch module."""
        proba = torch.as_tensor(self.predict_proba(x.detach().cpu().numpy()))
        return torch.logit(proba.clamp(_CLIP, 1 - _CLIP)).to(torch.float32).to(x.device)

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> Any:
        """Load the estimator from a state dict's ``skops`` bytes (trusted types only)."""
        data = state_dict["skops"]
        if not isinstance(data, torch.Tensor) or data.dtype != torch.uint8 or data.ndim != 1 or not len(data):
            raise ValueError(
                f"estimator variant {self.variant!r}: the state's skops entry is not a saved estimator"
            )
        extra = sorted(set(state_dict) - {"skops"})
        if strict and extra:
            raise KeyError(f"unexpected key(s) in the state of estimator variant {self.variant!r}: {extra}")
        self.estimator = load_estimator(data.cpu().numpy().tobytes(), self.variant, self.trusted)
        self._up_column()
        self.skops = data.detach().cpu().clone()
        return _LoadedKeys([], extra)

    def _up_column(self) -> int:
        classes = np.asarray(getattr(self.estimator, "classes_", []))
        where = np.flatnonzero(classes == 1)
        if len(where) != 1:
            raise ConfigError(
                f"estimator variant {self.variant!r}: fitted classes {classes.tolist()} hold no class 1 "
                "(up); "
                "the estimator must learn the 0/1 labels it is given"
            )
        return int(where[0])
