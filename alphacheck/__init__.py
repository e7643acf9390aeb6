"""alphacheck: does a market-direction model have a real, tradable edge?

The Python API::

    import alphacheck
    result = alphacheck.run("quick", overrides={"training.epochs": 2}, tracking=False)
    result.summary()

Importing the package is cheap: ``run``, ``evaluate``, ``predict``, ``load_scenario``,
``list_scenarios``, ``load_run`` and ``RunResult`` are loaded on first use (module ``__getattr__``),
and torch, vectorbt, quantstats and mlflow only by the modules that adapt them,
when a run needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it, imported when the name is first used
_LAZY = {
    "RunResult": "alphacheck.rundir",
    "evaluate": "alphacheck.api",
    "list_scenarios": "alphacheck.api",
    "load_run": "alphacheck.api",
    "load_scenario": "alphacheck.api",
    "predict": "alphacheck.api",
    "run": "alphacheck.api",
}

__all__ = [
    "RunResult",
    "__version__",
    "evaluate",
    "list_scenarios",
    "load_run",
    "load_scenario",
    "predict",
    "run",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'alphacheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    # the public names and the module's dunders, not the helpers imported above
    return sorted({*__all__, *(name for name in globals() if name.startswith("__") and name.endswith("__"))})
