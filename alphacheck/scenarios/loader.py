"""Read a scenario file (or a shipped scenario's name) into a :class:`Scenario`."""

from __future__ import annotations

import datetime as dt
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from alphacheck.exceptions import ConfigError, did_you_mean
from alphacheck.scenarios.schema import Scenario

__all__ = ["find_scenario", "load_scenario", "read_yaml", "shipped_scenarios"]

# What PyYAML reads as a date (unquoted): a bad one raises ValueError instead of a YAML error.
_DATE_LITERAL = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.:-])")

#: The package folder of the shipped scenarios (package data: the one copy, in a wheel as in the repository).
_SHIPPED = "shipped"


def shipped_scenarios() -> dict[str, Traversable]:
    """Map each shipped scenario's name to its file, read through ``importlib.resources``."""
    folder = files("alphacheck.scenarios").joinpath(_SHIPPED)
    if not folder.is_dir():
        return {}
    found = [entry for entry in folder.iterdir() if entry.name.endswith(".yaml") and entry.is_file()]
    return {entry.name.removesuffix(".yaml"): entry for entry in sorted(found, key=lambda e: e.name)}


def find_scenario(path_or_name: str | Path | Traversable) -> Path | Traversable:
    """Resolve a file path, or the name of a shipped scenario, to a file.

    A file that exists comes first; else ``NAME`` or ``NAME.yaml`` names a
    shipped scenario.

    Raises
    ------
    ConfigError
        When neither a file nor a shipped scenario of that name exists.
    """
    if not isinstance(path_or_name, str | Path):
        return path_or_name  # a shipped scenario's file, as `shipped_scenarios` gives it
    path = Path(path_or_name)
    if path.is_file():
        return path
    shipped = shipped_scenarios()
    if path.stem in shipped and path.suffix in ("", ".yaml") and path.parent == Path("."):
        return shipped[path.stem]
    raise ConfigError(
        f"scenario file {str(path_or_name)!r} not found{did_you_mean(path.stem, shipped)}; "
        f"give a path to a YAML file or one of: {', '.join(shipped) or '(none shipped)'}"
    )


def load_scenario(path_or_name: str | Path | Traversable) -> Scenario:
    """Parse and validate a scenario file, or a shipped scenario given by name.

    Raises
    ------
    ConfigError
        Naming the file, the key path, the bad value and what is allowed.
    """
    path = find_scenario(path_or_name)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of scenario keys, got {type(raw).__name__}")
    raw.setdefault("name", Path(path.name).stem)
    return validate_scenario(raw, source=str(path))


def read_yaml(path: Path | Traversable) -> Any:
    """Parse a YAML file with ``yaml.safe_load``; every failure is a :class:`ConfigError` naming the file.

    Raises
    ------
    ConfigError
        For a file that cannot be read, is not UTF-8, is not YAML, or holds a
        date PyYAML cannot build (``2015-13-45``), naming its line.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (line {line}: {exc.reason}); save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    except (ValueError, OverflowError, RecursionError) as exc:  # PyYAML builds dates and numbers itself
        raise ConfigError(f"{path}: {_bad_literal(text) or exc}") from None


def _bad_literal(text: str) -> str | None:
    """``"line 4: 2015-13-45 is not a date (month must be in 1..12); write YYYY-MM-DD"``, if there is one."""
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _DATE_LITERAL.finditer(line.split("#", 1)[0]):
            try:
                dt.date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                return f"line {number}: {match.group(0)} is not a date ({exc}); write a real date, YYYY-MM-DD"
    return None


def validate_scenario(raw: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario mapping, turning pydantic's report into one clear error."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, source)) from None


def _explain(exc: ValidationError, source: str) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            parent = _model_at(error["loc"][:-1])
            allowed = sorted(parent.model_fields) if parent else []
            hint = did_you_mean(str(error["loc"][-1]), allowed)
            lines.append(f"unknown key {where!r}{hint}; allowed here: {', '.join(allowed)}")
        elif error["type"] == "union_tag_invalid":
            tag = error["ctx"]["tag"]
            allowed = [name.strip(" '") for name in error["ctx"]["expected_tags"].split(",")]
            hint = did_you_mean(tag, allowed)
            lines.append(f"{where}.kind = {tag!r} is unknown{hint}; allowed: {', '.join(allowed)}")
        elif error["type"] == "value_error" and isinstance(error.get("input"), dict):
            # A model's own check: its message names the key and the value; the whole mapping would not.
            message = str(error["ctx"]["error"]) if "error" in error.get("ctx", {}) else error["msg"]
            lines.append(message if not error["loc"] else f"{where}: {message}")
        elif error["type"] == "literal_error":  # one of a few names: say which was meant
            choices = re.findall(r"'([^']*)'", error["ctx"]["expected"])
            hint = did_you_mean(str(error.get("input")), choices)
            lines.append(f"{where} = {error.get('input')!r}: {error['msg']}{hint}")
        else:
            lines.append(f"{where} = {error.get('input')!r}: {error['msg']}")
    return f"{source}: " + "; ".join(lines)


def _model_at(loc: tuple[Any, ...]) -> type | None:
    """The pydantic model class found at a key path of the scenario, if any.

    A path through a union of models (the stress shocks) names the member by
    its tag, e.g. ``stress.shocks.0.crash``.
    """
    candidates: list[type] = [Scenario]
    for part in loc:
        if isinstance(part, int):
            continue
        owner = next((m for m in candidates if part in m.model_fields), None)
        if owner is not None:
            candidates = _models_in(owner.model_fields[part].annotation)
        else:
            candidates = [m for m in candidates if part in _tags(m)]
        if not candidates:
            return None
    return candidates[0] if len(candidates) == 1 else None


def _models_in(annotation: Any) -> list[type]:
    """The pydantic models inside an annotation (through list, Optional, unions and Annotated)."""
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def _tags(model: type) -> tuple[Any, ...]:
    field = model.model_fields.get("kind")
    return get_args(field.annotation) if field is not None else ()
