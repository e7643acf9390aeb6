"""Custom features from outside the package: ``--plugin MODULE`` and entry points.

A plugin is an ordinary Python module that registers features with
``@alphacheck.features.register("name")`` when imported. It is imported by
name (from the working directory or the installed packages), never by a path
written in a scenario; installed packages can also declare modules in the
``alphacheck.features`` entry-point group.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from alphacheck.exceptions import ConfigError

__all__ = ["ENTRY_POINT_GROUP", "load_entry_points", "load_plugins"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "alphacheck.features"

_loaded_entry_points = False


def load_plugins(modules: Iterable[str] = (), *, include_entry_points: bool = True) -> list[str]:
    """Import plugin modules by name so that their features register themselves.

    Parameters
    ----------
    modules
        Importable module names (``my_features`` or ``pkg.features``); the
        current working directory is searched first, as ``python -m`` does.
    include_entry_points
        Also load the installed ``alphacheck.features`` entry points.

    Returns
    -------
    list of str
        The modules and entry points loaded.

    Raises
    ------
    ConfigError
        When a module cannot be found or fails while importing.
    """
    loaded = []
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    for module in modules:
        if not module or module.endswith(".py") or "/" in module or "\\" in module:
            raise ConfigError(
                f"--plugin {module!r} is not a module name; give the importable name, "
                f"e.g. --plugin {Path(module).stem or 'my_features'} (without path or .py)"
            )
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                raise ConfigError(
                    f"--plugin {module!r}: no such module in {cwd} or the installed packages; "
                    "check the name or run from the folder that holds it"
                ) from None
            raise ConfigError(f"--plugin {module!r} failed to import: {exc}") from exc
        except ConfigError:
            raise
        except Exception as exc:  # a plugin's own bug: say which plugin, keep the cause
            raise ConfigError(f"--plugin {module!r} failed to import: {type(exc).__name__}: {exc}") from exc
        log.info("loaded feature plugin %s", module)
        loaded.append(module)
    if include_entry_points:
        loaded.extend(load_entry_points())
    return loaded


def load_entry_points() -> list[str]:
    """Load the ``alphacheck.features`` entry points once per process; return their names."""
    global _loaded_entry_points
    if _loaded_entry_points:
        return []
    _loaded_entry_points = True
    names = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry_point.load()
        except Exception as exc:
            raise ConfigError(
                f"entry point {entry_point.name!r} ({entry_point.value}) in group {ENTRY_POINT_GROUP!r} "
                f"failed to load: {type(exc).__name__}: {exc}; fix or uninstall the package providing it"
            ) from exc
        log.info("loaded feature entry point %s = %s", entry_point.name, entry_point.value)
        names.append(entry_point.name)
    return names
