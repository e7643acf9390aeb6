"""Model variants by registry name, with their default hyperparameters.

Every variant but ``ensemble`` builds one torch module that outputs a logit.
``ensemble`` builds nothing: it is the mean probability of its ``members``
(other registry names), each trained on the same fold with its own defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alphacheck.exceptions import ConfigError, did_you_mean

__all__ = ["VARIANTS", "VariantSpec", "get_variant", "parameter_count"]


@dataclass(frozen=True)
class VariantSpec:
    """A variant: how to build its module and the hyperparameters it takes.

    ``architecture`` holds the module's constructor arguments; ``learning_rate``
    is the variant's own default for the optimiser. ``build`` is ``None`` for
    the ensemble, whose one hyperparameter is ``members``.
    """

    name: str
    description: str
    build: Callable[..., Any] | None
    architecture: dict[str, Any] = field(default_factory=dict)
    learning_rate: float = 1e-3

    @property
    def is_ensemble(self) -> bool:
        """True for a variant that averages other variants instead of training a module."""
        return self.build is None

    def resolve(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Defaults merged with overrides; unknown names refused with a hint."""
        allowed = dict(self.architecture)
        if not self.is_ensemble:
            allowed["learning_rate"] = self.learning_rate
        unknown = [k for k in overrides if k not in allowed]
        if unknown:
            key = unknown[0]
            raise ConfigError(
                f"variant {self.name!r} has no hyperparameter {key!r}{did_you_mean(key, allowed)}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        params = {**allowed, **overrides}
        if self.is_ensemble:
            members = list(params["members"])
            if not members or any(get_variant(m).is_ensemble for m in members):
                raise ConfigError(
                    f"variant {self.name!r}: members must be one or more non-ensemble variants, got {members}"
                )
            params["members"] = members
        return params

    def build_model(self, n_features: int, params: dict[str, Any]):
        """Instantiate the torch module with resolved ``params`` (an ensemble: its members' defaults)."""
        if self.is_ensemble:
            from alphacheck.models.ensemble import MeanProbabilityEnsemble

            members = [get_variant(m) for m in params["members"]]
            return MeanProbabilityEnsemble([m.build_model(n_features, m.resolve({})) for m in members])
        arch = {k: v for k, v in params.items() if k in self.architecture}
        return self.build(n_features=n_features, **arch)


def _lstm(**kwargs: Any):
    from alphacheck.models.lstm import LSTMClassifier

    return LSTMClassifier(**kwargs)


def _attention_lstm(**kwargs: Any):
    from alphacheck.models.lstm import AttentionLSTM

    return AttentionLSTM(**kwargs)


def _multi_scale(head_sizes: Any = (96, 48, 24), **kwargs: Any):
    from alphacheck.models.lstm import MultiScaleLSTM

    return MultiScaleLSTM(head_sizes=tuple(head_sizes), **kwargs)


def _transformer(**kwargs: Any):
    from alphacheck.models.transformer import TransformerClassifier

    return TransformerClassifier(**kwargs)


VARIANTS: dict[str, VariantSpec] = {
    "baseline": VariantSpec(
        name="baseline",
        description="1-layer LSTM, hidden 32, dropout 0.1, linear head",
        build=_lstm,
        architecture={"hidden_size": 32, "num_layers": 1, "dropout": 0.1},
        learning_rate=2e-3,
    ),
    "enhanced": VariantSpec(
        name="enhanced",
        description="bidirectional 2-layer LSTM, hidden 96, additive attention, LayerNorm, MLP head",
        build=_attention_lstm,
        architecture={
            "hidden_size": 96,
            "num_layers": 2,
            "dropout": 0.25,
            "bidirectional": True,
            "attention_size": 64,
        },
        learning_rate=8e-4,
    ),
    "lightweight": VariantSpec(
        name="lightweight",
        description="1-layer LSTM, hidden 16, for fast inference",
        build=_lstm,
        architecture={"hidden_size": 16, "num_layers": 1, "dropout": 0.0},
        learning_rate=2e-3,
    ),
    "advanced": VariantSpec(
        name="advanced",
        description="multi-scale: short LSTM (last 5 steps) + 2-layer long LSTM, hidden 48, MLP 96-48-24-1",
        build=_multi_scale,
        architecture={
            "hidden_size": 48,
            "long_layers": 2,
            "short_steps": 5,
            "head_sizes": [96, 48, 24],
            "dropout": 0.3,
        },
        learning_rate=1e-3,
    ),
    "transformer": VariantSpec(
        name="transformer",
        description="transformer encoder, d_model 64, 2 layers, 4 heads, sinusoidal positions",
        build=_transformer,
        architecture={
            "d_model": 64,
            "num_layers": 2,
            "num_heads": 4,
            "dim_feedforward": 128,
            "dropout": 0.1,
            "pooling": "last",
        },
        learning_rate=5e-4,
    ),
    "ensemble": VariantSpec(
        name="ensemble",
        description="mean probability of its member variants, each trained on the same fold",
        build=None,
        architecture={"members": ["baseline", "enhanced"]},
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


def parameter_count(name: str, n_features: int, params: dict[str, Any] | None = None) -> int:
    """Trainable parameters of a variant for ``n_features`` inputs (an ensemble: all its members)."""
    spec = get_variant(name)
    resolved = spec.resolve(params or {})
    model = spec.build_model(n_features, resolved)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
