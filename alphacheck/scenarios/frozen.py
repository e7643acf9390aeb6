"""The base of every scenario model: frozen, unknown keys refused, finite numbers, no booleans for numbers.

pydantic reads ``true`` as 1 for an ``int`` field and as 1.0 for a ``float``;
in a scenario ``epochs: true`` is a mistake, never a count, so a boolean where
the schema wants a number (also inside lists and mappings) is refused.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["FrozenModel", "boolean_for_number"]


class FrozenModel(BaseModel):
    """Frozen, ``extra="forbid"``, and a boolean is never taken for a number."""

    # Infinite or NaN costs, rates or windows pass every ">= 0" bound and break the run later.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_boolean_numbers(cls, data: Any) -> Any:
        # A model validator, not a field one: pydantic allows no "before" validator on a union's tag field.
        if isinstance(data, dict):
            for name, value in data.items():
                field = cls.model_fields.get(name) if isinstance(name, str) else None
                if field is not None and boolean_for_number(field.annotation, value):
                    raise ValueError(f"{name} = {value!r}: a boolean where a number is needed; give a number")
        return data


def boolean_for_number(annotation: Any, value: Any) -> bool:
    """True when ``value`` holds a boolean where ``annotation`` asks for a number (int or float)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return boolean_for_number(get_args(annotation)[0], value)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if isinstance(value, bool):
            return not any(_accepts_bool(a) for a in options) and any(_numeric(a) for a in options)
        return any(_container_fits(a, value) and boolean_for_number(a, value) for a in options)
    if isinstance(value, bool):
        return _numeric(annotation)
    if origin in (list, tuple, set) and isinstance(value, list | tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return bool(args) and any(boolean_for_number(args[0], item) for item in value)
    if origin is dict and isinstance(value, dict):
        args = get_args(annotation)
        return len(args) == 2 and any(boolean_for_number(args[1], item) for item in value.values())
    return False


def _numeric(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        return _numeric(get_args(annotation)[0])
    return annotation in (int, float)


def _accepts_bool(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        return _accepts_bool(get_args(annotation)[0])
    return annotation is bool or annotation is Any


def _container_fits(annotation: Any, value: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set):
        return isinstance(value, list | tuple)
    if origin is dict:
        return isinstance(value, dict)
    return not isinstance(value, list | tuple | dict)
