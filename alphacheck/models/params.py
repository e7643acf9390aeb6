"""Declared hyperparameters of the model variants: type and range, checked when a scenario loads.

A variant declares each hyperparameter as a :class:`Param`, so ``hidden_size:
-4``, ``dropout: 7`` or ``bidirectional: 2`` are refused with the variant, the
key and what is allowed before any data is read, instead of failing inside
torch after the walk-forward started.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from alphacheck.exceptions import ConfigError

__all__ = ["NO_DEFAULT", "Param", "inferred_params"]



class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"  # one instance, also after pickling


#: ``Param.default`` of a declaration that carries no default (the shipped variants keep theirs apart).
NO_DEFAULT: Any = _NoDefault()

_KINDS = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list"}


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its kind and the values allowed.

    Attributes
    ----------
    kind
        ``int``, ``float`` (ints accepted), ``bool``, ``str`` or ``list``.
    low, high
        Bounds of a number, inclusive unless ``low_open`` / ``high_open``.
    choices
        The allowed values of a string.
    item
        The declaration every item of a list follows.
    min_items
        The fewest items a list may hold.
    default
        The value used when a scenario sets none (a plugin variant's declaration
        carries its default here; :data:`NO_DEFAULT` when it has none).
    """

    kind: type
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[Any, ...] = ()
    item: Param | None = None
    min_items: int = 0
    default: Any = NO_DEFAULT

    def check(self, value: Any, where: str) -> Any:
        """Return ``value`` (a list as a list) when allowed; raise naming ``where`` otherwise.

        Raises
        ------
        ConfigError
            ``"<where> = <value>: must be ..."``.
        """
        if not self._kind_fits(value):
            raise ConfigError(f"{where} = {value!r}: must be {_KINDS[self.kind]}")
        if self.kind in (int, float) and not self._in_range(value):
            raise ConfigError(f"{where} = {value!r}: must be {_KINDS[self.kind]} {self.describe_range()}")
        if self.choices and value not in self.choices:
            raise ConfigError(f"{where} = {value!r}: must be one of {', '.join(map(repr, self.choices))}")
        if self.kind is list:
            if len(value) < self.min_items:
                raise ConfigError(f"{where} = {value!r}: needs at least {self.min_items} item(s)")
            if self.item is not None:
                return [self.item.check(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return list(value)
        return value

    def describe_range(self) -> str:
        """``">= 1"``, ``"in [0, 1)"`` and the like; ``""`` without bounds."""
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.high is not None:
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        return ""

    def _kind_fits(self, value: Any) -> bool:
        if self.kind is bool:
            return isinstance(value, bool)
        if isinstance(value, bool):  # a boolean is never a count or a rate
            return False
        if self.kind is float:
            return isinstance(value, int | float) and math.isfinite(value)
        if self.kind is list:
            return isinstance(value, list | tuple)
        return isinstance(value, self.kind)

    def _in_range(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.high_open else value > self.high))


def inferred_params(defaults: dict[str, Any]) -> dict[str, Param]:
    """Declarations from default values (a plugin's variant that declares none): kinds, no ranges."""
    declared = {}
    for name, default in defaults.items():
        kind = next((k for k in (bool, int, float, str) if isinstance(default, k)), None)
        if isinstance(default, list | tuple):
            kind = list
        if kind is not None:
            declared[name] = Param(kind)
    return declared
