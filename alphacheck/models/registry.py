"""Model variants by registry name, with their default hyperparameters.

Every variant but ``ensemble`` builds one torch module that outputs a logit.
``ensemble`` builds nothing: it is the mean probability of its ``members``
(other registry names), each trained on the same fold with its own defaults.
A plugin adds variants with :func:`alphacheck.models.register` (a torch
module) or :func:`alphacheck.models.register_estimator` (a scikit-learn-style
estimator, wrapped in :class:`~alphacheck.models.estimator.EstimatorModule`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alphacheck.exceptions import ConfigError, did_you_mean
from alphacheck.models.params import Param, inferred_params

__all__ = ["VARIANTS", "VariantSpec", "get_variant", "parameter_count"]


@dataclass(frozen=True)
class VariantSpec:
    """A variant: how to build its module and the hyperparameters it takes.

    ``architecture`` holds the module's constructor arguments; ``learning_rate``
    is the variant's own default for the optimiser. ``build`` is ``None`` for
    the ensemble, whose one hyperparameter is ``members``. ``params`` declares
    each hyperparameter's kind and range (:class:`~alphacheck.models.params.Param`;
    a variant that declares none gets kinds inferred from its defaults);
    ``checks`` are rules across hyperparameters, each returning a message or
    ``None``; ``max_sequence_length`` is the longest input its module takes.
    ``estimator`` marks a scikit-learn-style estimator: ``build(**params)``
    returns it unfitted, ``architecture["inputs"]`` says which features it
    sees (``last`` step or ``flatten``ed sequence), and ``trusted`` names the
    types its saved files may hold beyond those skops trusts by default.
    ``plugin`` is the module that registered the variant (``None``: shipped).
    """

    name: str
    description: str
    build: Callable[..., Any] | None
    architecture: dict[str, Any] = field(default_factory=dict)
    learning_rate: float = 1e-3
    params: dict[str, Param] | None = None
    checks: tuple[Callable[[dict[str, Any]], str | None], ...] = ()
    max_sequence_length: int | None = None
    estimator: bool = False
    trusted: tuple[str, ...] = ()
    plugin: str | None = None

    @property
    def is_ensemble(self) -> bool:
        """True for a variant that averages other variants instead of training a module."""
        return self.build is None

    @property
    def kind(self) -> str:
        """``"torch"``, ``"estimator"`` or ``"ensemble"``."""
        return "ensemble" if self.is_ensemble else "estimator" if self.estimator else "torch"

    @property
    def has_learning_rate(self) -> bool:
        """Whether an optimiser's learning rate applies (a torch module's, trained by gradient descent)."""
        return self.kind == "torch"

    def declared(self) -> dict[str, Param]:
        """Every hyperparameter's declaration, ``learning_rate`` included where it applies."""
        declared = dict(self.params) if self.params is not None else inferred_params(self.architecture)
        if self.has_learning_rate:
            declared.setdefault("learning_rate", _LEARNING_RATE)
        return declared

    def resolve(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Defaults merged with overrides, each checked against its declaration.

        Raises
        ------
        ConfigError
            For an unknown name (with a hint), a value of the wrong kind or out
            of range, or hyperparameters that do not fit together.
        """
        allowed = dict(self.architecture)
        if self.has_learning_rate:
            allowed["learning_rate"] = self.learning_rate
        unknown = [k for k in overrides if k not in allowed]
        if unknown:
            key = unknown[0]
            raise ConfigError(
                f"variant {self.name!r} has no hyperparameter {key!r}{did_you_mean(key, allowed)}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        declared = self.declared()
        checked = {
            key: declared[key].check(value, f"variant {self.name!r}: {key}") if key in declared else value
            for key, value in overrides.items()
        }
        params = {**allowed, **checked}
        if self.is_ensemble:
            members = list(params["members"])
            if not members or any(get_variant(m).kind != "torch" for m in members):
                raise ConfigError(
                    f"variant {self.name!r}: members must be one or more non-ensemble variants built by "
                    f"torch (an estimator cannot join), got {members}"
                )
            params["members"] = members
        for check in self.checks:
            problem = check(params)
            if problem:
                raise ConfigError(f"variant {self.name!r}: {problem}")
        return params

    def check_sequence_length(self, overrides: dict[str, Any], length: int) -> None:
        """Refuse ``length`` time steps when the module (or an ensemble's member) cannot take them."""
        members = self.resolve(overrides)["members"] if self.is_ensemble else []
        for spec in [self, *(get_variant(m) for m in members)]:
            if spec.max_sequence_length is not None and length > spec.max_sequence_length:
                raise ConfigError(
                    f"walkforward.sequence_length = {length}: variant {spec.name!r} takes at most "
                    f"{spec.max_sequence_length} time steps"
                )

    def build_model(self, n_features: int, params: dict[str, Any]):
        """Instantiate the torch module with resolved ``params`` (an ensemble: its members' defaults).

        An estimator comes unfitted inside an
        :class:`~alphacheck.models.estimator.EstimatorModule`.
        """
        if self.is_ensemble:
            from alphacheck.models.ensemble import MeanProbabilityEnsemble

            members = [get_variant(m) for m in params["members"]]
            return MeanProbabilityEnsemble([m.build_model(n_features, m.resolve({})) for m in members])
        arch = {k: v for k, v in params.items() if k in self.architecture}
        if self.estimator:
            from alphacheck.models.estimator import EstimatorModule

            inputs = arch.pop("inputs")
            return EstimatorModule(self.build(**arch), inputs, self.name, self.trusted)
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


# Declarations shared by the built-in variants.
_COUNT = Param(int, low=1)
_DROPOUT = Param(float, low=0, high=1, high_open=True)
_LEARNING_RATE = Param(float, low=0, low_open=True)
_LSTM_PARAMS = {"hidden_size": _COUNT, "num_layers": _COUNT, "dropout": _DROPOUT}
# TransformerClassifier's positional table (its max_length).
_TRANSFORMER_MAX_LENGTH = 512


def _heads_divide_width(params: dict[str, Any]) -> str | None:
    if params["d_model"] % params["num_heads"]:
        return f"d_model ({params['d_model']}) must be a multiple of num_heads ({params['num_heads']})"
    return None


VARIANTS: dict[str, VariantSpec] = {
    "baseline": VariantSpec(
        name="baseline",
        description="1-layer LSTM, hidden 32, dropout 0.1, linear head",
        build=_lstm,
        architecture={"hidden_size": 32, "num_layers": 1, "dropout": 0.1},
        learning_rate=2e-3,
        params=_LSTM_PARAMS,
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
        params={**_LSTM_PARAMS, "bidirectional": Param(bool), "attention_size": _COUNT},
    ),
    "lightweight": VariantSpec(
        name="lightweight",
        description="1-layer LSTM, hidden 16, for fast inference",
        build=_lstm,
        architecture={"hidden_size": 16, "num_layers": 1, "dropout": 0.0},
        learning_rate=2e-3,
        params=_LSTM_PARAMS,
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
        params={
            "hidden_size": _COUNT,
            "long_layers": _COUNT,
            "short_steps": _COUNT,
            "head_sizes": Param(list, item=_COUNT),
            "dropout": _DROPOUT,
        },
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
        params={
            "d_model": _COUNT,
            "num_layers": _COUNT,
            "num_heads": _COUNT,
            "dim_feedforward": _COUNT,
            "dropout": _DROPOUT,
            "pooling": Param(str, choices=("last", "mean")),
        },
        checks=(_heads_divide_width,),
        max_sequence_length=_TRANSFORMER_MAX_LENGTH,
    ),
    "ensemble": VariantSpec(
        name="ensemble",
        description="mean probability of its member variants, each trained on the same fold",
        build=None,
        architecture={"members": ["baseline", "enhanced"]},
        params={"members": Param(list, item=Param(str), min_items=1)},
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
            f"choose one of {', '.join(VARIANTS)} (a plugin's variant: give the --plugin that defines it)"
        ) from None


def parameter_count(name: str, n_features: int, params: dict[str, Any] | None = None) -> int | None:
    """Trainable parameters of a variant for ``n_features`` inputs (an ensemble: all its members).

    ``None`` for an estimator: its size is known only once it is fitted.
    """
    spec = get_variant(name)
    if spec.estimator:
        return None
    resolved = spec.resolve(params or {})
    model = spec.build_model(n_features, resolved)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
