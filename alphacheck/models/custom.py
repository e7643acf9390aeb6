"""Your own walk-forward model: register a torch module or a scikit-learn-style estimator by name.

A plugin module (loaded with ``--plugin MODULE``, like custom features)
decorates a factory::

    from alphacheck.models import Param, register, register_estimator

    @register("tiny_mlp", params={"hidden": Param(int, low=1, default=16), "dropout": 0.1})
    def tiny_mlp(n_features, hidden, dropout):
        return MyModule(n_features, hidden, dropout)   # (batch, time, features) -> (batch,) logits

    @register_estimator("hgb", params={"max_iter": Param(int, low=1, default=100)}, inputs="last")
    def hgb(max_iter):
        return HistGradientBoostingClassifier(max_iter=max_iter)

The variant is then used by name (``--variants tiny_mlp,hgb``) and gets
what the shipped variants get: retraining per fold, calibration, fold
checkpoints, ``--param NAME.KEY=VALUE`` checked against the declarations,
``models list``, the audit and the model files. A declaration is a
:class:`~alphacheck.models.params.Param` with a ``default``, or a plain
default whose kind is then the only check. Registering is cheap: nothing is
built until a fold trains.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from alphacheck.exceptions import ConfigError
from alphacheck.models.params import NO_DEFAULT, Param, inferred_params
from alphacheck.models.registry import VARIANTS, VariantSpec

__all__ = ["ESTIMATOR_INPUTS", "register", "register_estimator"]

#: What an estimator sees of each sequence: the ``last`` time step's features, or all steps ``flatten``ed.
ESTIMATOR_INPUTS = ("last", "flatten")

# A variant's name becomes a file name (models/<name>.pt) and part of metric names.
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def register(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    description: str | None = None,
    learning_rate: float = 1e-3,
    max_sequence_length: int | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a torch module factory ``(n_features, **params) -> torch.nn.Module`` as a variant.

    The module takes standardised sequences of shape ``(batch, time, features)``
    and returns one logit per sequence, shape ``(batch,)``; the trainer's
    ``BCEWithLogitsLoss`` and the one sigmoid in ``predict_proba`` do the rest.

    Parameters
    ----------
    name
        The variant's name (letters, digits, ``_`` and ``-``; not a registered name).
    params
        Hyperparameters: name -> :class:`Param` with a ``default``, or a plain default.
    description
        One line for ``models list`` (default: the factory's docstring's first line).
    learning_rate
        The variant's default learning rate (``NAME.learning_rate`` overrides it).
    max_sequence_length
        The longest sequence the module takes, if it has a limit.

    Raises
    ------
    ConfigError
        For a bad or taken name, a declaration without a default (or whose
        default it refuses), or params the factory does not accept.
    """

    def decorator(factory: Callable[..., Any]) -> Callable[..., Any]:
        defaults, declared = _declarations(name, params)
        _check_signature(name, factory, {"n_features": 1, **defaults})
        Param(float, low=0, low_open=True).check(learning_rate, f"register({name!r}): learning_rate")
        _add(
            factory,
            name=name,
            description=description,
            architecture=defaults,
            learning_rate=float(learning_rate),
            params=declared,
            max_sequence_length=max_sequence_length,
        )
        return factory

    return decorator


def register_estimator(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    inputs: str = "last",
    trusted: Iterable[str] = (),
    description: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a scikit-learn-style estimator factory ``(**params) -> estimator`` as a variant.

    The estimator needs ``fit(X, y)`` and ``predict_proba(X)`` (column of class
    1 is P(up)); ``X`` is ``(rows, features)`` of the standardised sequences'
    last step (``inputs="last"``) or of whole sequences flattened
    (``inputs="flatten"``: ``time x features`` columns, oldest step first).
    A ``random_state`` parameter, when the estimator has one, is set to the
    fold's seed (scenario seed + fold index), as a torch variant is seeded.
    ``inputs`` is also a hyperparameter (``--param NAME.inputs=flatten``).
    Saved estimators (fold checkpoints, ``models/<name>.pt`` and
    ``models/<name>.skops``) are written with skops, never pickled.

    Parameters
    ----------
    name
        The variant's name (letters, digits, ``_`` and ``-``; not a registered name).
    params
        Hyperparameters: name -> :class:`Param` with a ``default``, or a plain default.
    inputs
        ``last`` or ``flatten``: the default of the ``inputs`` hyperparameter.
    trusted
        Types (``module.Class``) the saved estimator holds that skops does not
        load by default, which you have reviewed: skops names them when it
        refuses a file (``HistGradientBoostingClassifier`` needs
        ``sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor``).
    description
        One line for ``models list`` (default: the factory's docstring's first line).

    Raises
    ------
    ConfigError
        As :func:`register`, for an ``inputs`` other than ``last``/``flatten``,
        and when skops (the safe file format) is not installed.
    """

    def decorator(factory: Callable[..., Any]) -> Callable[..., Any]:
        if importlib.util.find_spec("skops") is None:
            raise ConfigError(
                f"register_estimator({name!r}): estimators are saved with skops, which is not installed; "
                "pip install 'alphacheck[estimators]' (scikit-learn and skops)"
            )
        if params and "inputs" in params:
            raise ConfigError(
                f"register_estimator({name!r}): 'inputs' is alphacheck's own hyperparameter (last or "
                "flatten); pass it as register_estimator(..., inputs='flatten') and rename yours"
            )
        defaults, declared = _declarations(name, params)
        _check_signature(name, factory, defaults)
        choice = Param(str, choices=ESTIMATOR_INPUTS, default=inputs)
        choice.check(inputs, f"register_estimator({name!r}): inputs")
        _add(
            factory,
            name=name,
            description=description,
            architecture={**defaults, "inputs": inputs},
            params={**declared, "inputs": choice},
            estimator=True,
            trusted=tuple(str(t) for t in trusted),
        )
        return factory

    return decorator


def _declarations(name: str, params: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Param]]:
    """Defaults and declarations from ``params`` (a Param with a default, or a plain default)."""
    if not _NAME.match(str(name)):
        raise ConfigError(
            f"register({name!r}): a variant's name starts with a letter and holds letters, digits, _ and - "
            "only (at most 64): it names the model files"
        )
    if params is not None and not isinstance(params, Mapping):
        raise ConfigError(
            f"register({name!r}): params={params!r}; give a mapping of name -> default or Param"
        )
    defaults: dict[str, Any] = {}
    declared: dict[str, Param] = {}
    for key, value in (params or {}).items():
        where = f"register({name!r}): params[{key!r}]"
        if isinstance(value, Param):
            if value.default is NO_DEFAULT:
                raise ConfigError(f"{where} declares no default; give Param(..., default=VALUE)")
            declared[key] = value
            defaults[key] = value.check(value.default, f"{where}.default")
        else:
            inferred = inferred_params({key: value})
            if key not in inferred:
                raise ConfigError(
                    f"{where} = {value!r}: a default must be a number, string, boolean or list "
                    "(a scenario file sets it as YAML)"
                )
            declared[key] = inferred[key]
            defaults[key] = list(value) if isinstance(value, tuple) else value
    return defaults, declared


def _check_signature(name: str, factory: Callable[..., Any], arguments: dict[str, Any]) -> None:
    if not callable(factory):
        raise ConfigError(f"register({name!r}) decorates {factory!r}, which is not callable")
    try:
        inspect.signature(factory).bind(**arguments)
    except TypeError as exc:
        raise ConfigError(
            f"register({name!r}): {factory.__qualname__} cannot be called with "
            f"{', '.join(arguments) or 'no'} "
            f"argument(s) ({exc}); its parameters must match the declared params"
        ) from None
    except ValueError:  # no signature to read (a builtin): let the first fold tell
        return


def _add(factory: Callable[..., Any], description: str | None, **fields: Any) -> None:
    """Register ``factory`` as a variant; the same factory registered again (re-imported) replaces itself."""
    spec = VariantSpec(
        description=description or _first_line(factory), build=factory, plugin=factory.__module__, **fields
    )
    taken = VARIANTS.get(spec.name)
    if taken is not None:
        same = (
            taken.plugin == spec.plugin and getattr(taken.build, "__qualname__", None) == factory.__qualname__
        )
        if not same:
            owner = f"plugin {taken.plugin}" if taken.plugin else "alphacheck"
            raise ConfigError(
                f"register({spec.name!r}): the name is taken by {owner}'s variant; choose another name"
            )
    VARIANTS[spec.name] = spec


def _first_line(factory: Callable[..., Any]) -> str:
    doc = inspect.getdoc(factory) or ""
    return doc.strip().splitlines()[0] if doc.strip() else f"plugin variant from {factory.__module__}"
