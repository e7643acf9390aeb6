"""The one place where a scenario's fields are overridden: environment variables, flags, ``--param``, API.

Every override is a dotted key and a value:

- ``training.epochs``, ``data.tickers``, ``seed``: a field of the scenario;
  ``data.files.AAPL``: an entry of a mapping field;
- ``variants``: the variants to run, as names (a name the scenario already
  lists keeps its params) or mappings;
- ``VARIANT.KEY`` (``baseline.hidden_size``): a hyperparameter of a variant
  of the run, and ``VARIANT.training.KEY`` its own training recipe.

Precedence, lowest first: the scenario file < environment variables <
command-line flags (or the API's ``overrides=``). The environment variables
are the original project's:

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
import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

import yaml

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.loader import _model_at, validate_scenario
from alphacheck.scenarios.schema import Scenario, VariantConfig

__all__ = [
    "ENV_FIELDS", "apply_overrides", "env_overrides", "environment_changes", "parse_params", "tracking_uri",
]


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def _force_cpu(text: str) -> str | None:
    from alphacheck.exceptions import DeviceError
    from alphacheck.models.device import force_cpu

    try:
        return "cpu" if force_cpu(text) else None
    except DeviceError as exc:  # named with the variable by env_overrides
        raise ValueError(str(exc)) from None


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


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The scenario fields set by environment variables, as ``{dotted key: value}``.

    Raises
    ------
    ConfigError
        Naming the variable and its value when the text does not parse.
    """
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


def environment_changes(
    scenario: Scenario, environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The variables of :data:`ENV_FIELDS` that change a setting of ``scenario``, each said in one line.

    ``{"EPOCHS": "EPOCHS=2 overrides training.epochs=20"}``: a variable whose
    field ``overrides`` (the flags) also set, or whose value equals the
    scenario's, changes nothing and is left out.

    Raises
    ------
    ConfigError
        As :func:`env_overrides`, for a value that does not parse.
    """
    values = env_overrides(environ)
    tree = scenario.model_dump(mode="json")
    flags = {k for k, v in (overrides or {}).items() if v is not None}
    changes = {}
    for variable, (path, _) in ENV_FIELDS.items():
        if path not in values or path in flags or not environ.get(variable, "").strip():
            continue
        was, now = _plain_setting(tree, path), _plain_value(values[path])
        if was != now:
            changes[variable] = f"{variable}={environ[variable].strip()} overrides {path}={_shown(was)}"
    return changes


def _plain_setting(tree: Mapping[str, Any], path: str) -> Any:
    if path == "variants":
        return [v["name"] for v in tree["variants"]]
    node: Any = tree
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _plain_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _shown(value: Any) -> str:
    if value is None:
        return "unset (the default)"
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def parse_params(items: Iterable[str]) -> dict[str, Any]:
    """``("enhanced.hidden_size=64",)`` -> ``{"enhanced.hidden_size": 64}`` (each VALUE read as YAML).

    Raises
    ------
    ConfigError
        When an item is not ``KEY=VALUE`` or its value is not YAML.
    """
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--param {item!r} is not KEY=VALUE, e.g. enhanced.hidden_size=64 or backtest.fees_bps=2"
            )
        try:
            changes[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"--param {item!r}: the value is not valid YAML: {exc}") from None
        except ValueError as exc:  # PyYAML builds dates itself: 2015-13-45
            raise ConfigError(f"--param {item!r}: {text!r} is not a valid value ({exc})") from None
    return changes


def apply_overrides(
    scenario: Scenario,
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    source: str = "overrides",
) -> Scenario:
    """Return ``scenario`` with environment variables, then ``overrides``, applied and validated again.

    Parameters
    ----------
    scenario
        The scenario as loaded.
    overrides
        ``{dotted key: value}`` (see the module's docstring); ``None`` values
        are skipped, so unset command-line flags change nothing. They beat the
        environment.
    environ
        Where the original project's variables are read (``os.environ`` at an
        entry point); ``None`` reads none, for internal changes of a resolved
        scenario.
    source
        What the overrides are called in error messages (``command-line flags``).

    Raises
    ------
    ConfigError
        For an unknown key (naming it, with "did you mean"), or a value that
        makes the scenario invalid (naming where it came from).
    """
    layers = []
    if environ is not None:
        named = ", ".join(v for v in ENV_FIELDS if environ.get(v, "").strip())
        layers.append((f"environment variables ({named})", env_overrides(environ)))
    layers.append((source, {k: v for k, v in (overrides or {}).items() if v is not None}))
    for label, changes in layers:
        if changes:
            scenario = _apply(scenario, changes, label)
    return scenario


def tracking_uri(flag: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The MLflow store: ``--tracking-uri``, else ``MLFLOW_TRACKING_URI``, else None (MLflow's default)."""
    environ = os.environ if environ is None else environ
    return flag or environ.get("MLFLOW_TRACKING_URI") or None


def _apply(scenario: Scenario, changes: Mapping[str, Any], source: str) -> Scenario:
    tree = scenario.model_dump(mode="json")
    # The variants first, so that `variants` and `enhanced.hidden_size` together reach the new variant.
    if "variants" in changes:
        tree["variants"] = _variants(scenario, changes["variants"], source)
    for key, value in changes.items():
        if key != "variants":
            _set(tree, key, value.isoformat() if isinstance(value, dt.date) else value, source)
    # The tickers and a universe file name one list: setting one replaces the other.
    if "data.tickers" in changes and "data.tickers_file" not in changes:
        tree["data"]["tickers_file"] = None
    elif "data.tickers_file" in changes and "data.tickers" not in changes:
        tree["data"].pop("tickers", None)
    return validate_scenario(tree, source=source)


def _set(tree: dict[str, Any], key: str, value: Any, source: str) -> None:
    """Set one dotted key in the scenario's tree, refusing keys the schema does not have."""
    parts = key.split(".")
    variants = {v["name"]: v for v in tree["variants"]}
    if parts[0] in variants and len(parts) > 1:
        _set_variant(variants[parts[0]], parts[1:], value, key, source)
        return
    if parts[0] not in Scenario.model_fields:
        _refuse_head(key, parts[0], variants, source)
    node = tree
    for depth in range(1, len(parts)):
        section, child = parts[:depth], parts[depth]
        model = _model_at(tuple(section))
        if model is not None and child not in model.model_fields:
            raise _unknown(key, section, child, model.model_fields, source)
        if model is None and not isinstance(node.get(section[-1]), dict):
            # Only mappings (``data.files``) take keys below a field that is not a section.
            raise ConfigError(f"{source}: {key!r}: {'.'.join(section)!r} is not a section; set it as a whole")
        node = node[section[-1]]
    node[parts[-1]] = value


def _set_variant(variant: dict[str, Any], rest: list[str], value: Any, key: str, source: str) -> None:
    if rest[0] == "training" and len(rest) == 2:
        variant.setdefault("training", {})[rest[1]] = value
    elif rest[0] == "params" and len(rest) == 2:
        variant.setdefault("params", {})[rest[1]] = value
    elif len(rest) == 1:
        variant.setdefault("params", {})[rest[0]] = value
    else:
        raise ConfigError(
            f"{source}: {key!r} is not VARIANT.KEY or VARIANT.training.KEY, "
            f"e.g. {variant['name']}.hidden_size or {variant['name']}.training.epochs"
        )


def _refuse_head(key: str, head: str, variants: Mapping[str, Any], source: str) -> NoReturn:
    from alphacheck.models.registry import VARIANTS

    if head in VARIANTS:
        raise ConfigError(
            f"{source}: {key!r}: variant {head!r} is not in this run ({', '.join(variants)}); "
            f"add it to the variants (--variants {','.join([*variants, head])})"
        )
    raise _unknown(key, [], head, [*Scenario.model_fields, *variants], source)


def _unknown(key: str, section: list[str], part: str, allowed: Iterable[str], source: str) -> ConfigError:
    allowed = list(allowed)
    close = difflib.get_close_matches(part, allowed, n=1, cutoff=0.6)
    after = key.split(".")[len(section) + 1:]
    # The whole corrected key, e.g. "did you mean 'training.epochs'?"
    hint = f" (did you mean {'.'.join([*section, close[0], *after])!r}?)" if close else ""
    where = f"in {'.'.join(section)!r}" if section else "at the top level (or a variant of the run)"
    return ConfigError(f"{source}: unknown key {key!r}{hint}; allowed {where}: {', '.join(allowed)}")


def _variants(scenario: Scenario, names: Any, source: str) -> list[Any]:
    if isinstance(names, str):
        names = _names(names)
    if not names:
        raise ConfigError(f"{source}: variants is empty; name one or more variants, e.g. baseline,enhanced")
    known = {v.name: v.model_dump(mode="json") for v in scenario.variants}
    return [
        known.get(name, {"name": name, "params": {}, "training": {}}) if isinstance(name, str)
        else name.model_dump(mode="json") if isinstance(name, VariantConfig)
        else name
        for name in names
    ]
