"""Model variants by registry name, with their default hyperparameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alphacheck.exceptions import ConfigError, did_you_mean

__all__ = ["VARIANTS", "VariantSpec", "get_variant"]


@dataclass(frozen=True)
class VariantSpec:
    """A variant: how to build its module and the hyperparameters it takes.

    ``architecture`` holds the module's constructor arguments; ``learning_rate``
    is the variant's own default for the optimiser.
    """

    name: str
    description: str
    build: Callable[..., Any]
    architecture: dict[str, Any] = field(default_factory=dict)
    learning_rate: float = 1e-3

    def resolve(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Defaults merged with overrides; unknown names refused with a hint."""
        allowed = {**self.architecture, "learning_rate": self.learning_rate}
        unknown = [k for k in overrides if k not in allowed]
        if unknown:
            key = unknown[0]
            raise ConfigError(
                f"variant {self.name!r} has no hyperparameter {key!r}{did_you_mean(key, allowed)}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        return {**allowed, **overrides}

    def build_model(self, n_features: int, params: dict[str, Any]):
        """Instantiate the torch module with resolved ``params``."""
        arch = {k: v for k, v in params.items() if k in self.architecture}
        return self.build(n_features=n_features, **arch)


def _lstm(**kwargs: Any):
    from alphacheck.models.lstm import LSTMClassifier

    return LSTMClassifier(**kwargs)


VARIANTS: dict[str, VariantSpec] = {
    "baseline": VariantSpec(
        name="baseline",
        description="1-layer LSTM, hidden 32, dropout 0.1, linear head",
        build=_lstm,
        architecture={"hidden_size": 32, "num_layers": 1, "dropout": 0.1},
        learning_rate=2e-3,
    ),
}


def get_variant(name: str) -> VariantSpec:
    """Look a variant up by name.

    Raises
    ------
    ConfigError
        For a name the registry does not hold.
    """
    try:
        return VARIANTS[name]
    except KeyError:
        raise ConfigError(
            f"unknown model variant {name!r}{did_you_mean(name, VARIANTS)}; "
            f"choose one of {', '.join(VARIANTS)}"
        ) from None
