"""Overrides of a scenario: environment variables, then command-line flags.

Precedence, lowest first: the scenario file < environment variables <
command-line flags. The environment variables are the original project's:

==========================  =====================================================
variable                    scenario field
==========================  =====================================================
``MODEL_VARIANT``           ``variants`` (one name or ``a,b``)
``BATCH_SIZE``              ``training.batch_size``
``EPOCHS``                  ``training.epochs``
``LEARNING_RATE``           ``training.learning_rate`` (every variant)
``SEQUENCE_LENGTH``         ``walkforward.sequence_length``
``FORCE_CPU``               ``device = cpu`` (and it forces the CPU even over ``--device``)
``TICKERS``                 ``data.tickers`` (``AAPL,MSFT``)
``INGESTION_START_DATE``    ``data.start``
``INGESTION_END_DATE``      ``data.end``
``MLFLOW_TRACKING_URI``     the tracking store, see :func:`tracking_uri`
==========================  =====================================================
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from typing import Any

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.loader import validate_scenario
from alphacheck.scenarios.schema import Scenario

__all__ = ["ENV_FIELDS", "apply_overrides", "env_overrides", "tracking_uri"]

_TRUE = {"1", "true", "yes", "on"}


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def _force_cpu(text: str) -> str | None:
    return "cpu" if text.strip().lower() in _TRUE else None


#: environment variable -> (dotted scenario field, parser of its text)
ENV_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "MODEL_VARIANT": ("variants", _names),
    "BATCH_SIZE": ("training.batch_size", int),
    "EPOCHS": ("training.epochs", int),
    "LEARNING_RATE": ("training.learning_rate", float),
    "SEQUENCE_LENGTH": ("walkforward.sequence_length", int),
    "FORCE_CPU": ("device", _force_cpu),
    "TICKERS": ("data.tickers", lambda text: [t.upper() for t in _names(text)]),
    "INGESTION_START_DATE": ("data.start", _date),
    "INGESTION_END_DATE": ("data.end", _date),
}


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The scenario fields set by environment variables, as ``{dotted path: value}``.

    Raises
    ------
    ConfigError
        Naming the variable and its value when the text does not parse.
    """
    environ = os.environ if environ is None else environ
    changes: dict[str, Any] = {}
    for variable, (path, parse) in ENV_FIELDS.items():
        text = environ.get(variable, "")
        if not text.strip():
            continue
        try:
            value = parse(text)
        except ValueError as exc:
            raise ConfigError(
                f"environment variable {variable}={text!r} is not valid for {path}: {exc}"
            ) from None
        if value is not None:
            changes[path] = value
    return changes


def apply_overrides(
    scenario: Scenario, flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Scenario:
    """Apply environment variables, then command-line flags (``None`` values skipped).

    ``variants`` may be given as names: a name the scenario already lists
    keeps its params; others get the registry defaults.

    Raises
    ------
    ConfigError
        When the result is not a valid scenario, naming where the bad value came from.
    """
    environ = os.environ if environ is None else environ
    named = ", ".join(v for v in ENV_FIELDS if environ.get(v, "").strip())
    for source, changes in (
        (f"environment variables ({named})", env_overrides(environ)),
        ("command-line flags", {k: v for k, v in (flags or {}).items() if v is not None}),
    ):
        if changes:
            scenario = _apply(scenario, changes, source)
    return scenario


def tracking_uri(flag: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The MLflow store: ``--tracking-uri``, else ``MLFLOW_TRACKING_URI``, else None (MLflow's default)."""
    environ = os.environ if environ is None else environ
    return flag or environ.get("MLFLOW_TRACKING_URI") or None


def _apply(scenario: Scenario, changes: Mapping[str, Any], source: str) -> Scenario:
    tree = scenario.model_dump(mode="json")
    for path, value in changes.items():
        if path == "variants":
            value = _variants(scenario, value)
        if isinstance(value, dt.date):
            value = value.isoformat()
        node = tree
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return validate_scenario(tree, source=source)


def _variants(scenario: Scenario, names: list[Any]) -> list[Any]:
    if not names:
        raise ConfigError("variants override is empty; name one or more variants, e.g. baseline,enhanced")
    known = {v.name: v.model_dump(mode="json") for v in scenario.variants}
    return [known.get(name, name) if isinstance(name, str) else name for name in names]
