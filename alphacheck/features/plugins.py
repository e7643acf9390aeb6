"""Custom features from outside the package: ``--plugin MODULE`` and entry points.

A plugin is an ordinary Python module that registers features (or model
variants) when imported. It is imported only when named: ``--plugin
my_features`` imports the installed module of that name, else the file
``my_features.py`` (or package ``my_features/``) of the working directory;
``--plugin path/to/file.py`` loads that one file. Nothing here puts a folder on
``sys.path``, so the other files of the working directory are never importable
and a stray ``vectorbt.py`` or ``torch.py`` there is never executed. A
scenario file cannot name code to import. Installed packages can also declare
modules in the ``alphacheck.features`` entry-point group.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from alphacheck.exceptions import ConfigError

__all__ = ["ENTRY_POINT_GROUP", "load_entry_points", "load_plugins", "loaded_plugins"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "alphacheck.features"

_loaded_entry_points = False
# What --plugin loaded in this process, as given (resolved file paths for files), so that worker
# processes can load the same plugins before they look a variant up.
_LOADED: list[str] = []


def load_plugins(modules: Iterable[str] = (), *, include_entry_points: bool = True) -> list[str]:
    """Import plugin modules so that their features register themselves.

    Parameters
    ----------
    modules
        Module names (``my_features``, ``pkg.features``): an installed module
        of that name, else ``<name>.py`` or ``<name>/`` in the working
        directory; or paths of ``.py`` files (``plugins/mine.py``), loaded under
        the file's stem.
    include_entry_points
        Also load the installed ``alphacheck.features`` entry points.

    Returns
    -------
    list of str
        The modules and entry points loaded.

    Raises
    ------
    ConfigError
        When a module cannot be found, its name is taken, or it fails while importing.
    """
    loaded = []
    for module in modules:
        if not module:
            raise ConfigError("--plugin '': give a module name (my_features) or a file (path/to/file.py)")
        if module.endswith(".py") or "/" in module or "\\" in module:
            name = _load_file(Path(module))
            entry = str(Path(module).resolve())
        else:
            name = _load_by_name(module)
            entry = module
        log.info("loaded feature plugin %s", name)
        if entry not in _LOADED:
            _LOADED.append(entry)
        loaded.append(name)
    if include_entry_points:
        loaded.extend(load_entry_points())
    return loaded


def loaded_plugins() -> list[str]:
    """The ``--plugin`` values loaded in this process (files as absolute paths), in loading order."""
    return list(_LOADED)


def _load_by_name(module: str) -> str:
    """Import ``module`` from the installed packages, else from the working directory, by name only."""
    parts = module.split(".")
    if not all(part.isidentifier() for part in parts):
        raise ConfigError(
            f"--plugin {module!r} is not a module name; give an importable name (my_features, "
            "pkg.features) or the path of a .py file (./my_features.py)"
        )
    if module in sys.modules:
        return module
    if _installed(parts[0]) is None:
        local = _local_candidate(Path.cwd(), parts[0])
        if local is None:
            raise ConfigError(
                f"--plugin {module!r}: no such module in the installed packages, and no {parts[0]}.py "
                f"or {parts[0]}/__init__.py in {Path.cwd()}; check the name, or give the file's path "
                f"(--plugin path/to/{parts[0]}.py)"
            )
        _exec_file(parts[0], local, module)
    return _import(module)


def _load_file(path: Path) -> str:
    """Load one ``.py`` file under its stem, refusing a stem that would shadow another module."""
    if path.suffix != ".py" or not path.is_file():
        raise ConfigError(
            f"--plugin {str(path)!r}: no such Python file; give the path of an existing .py file "
            "or an importable module name"
        )
    name = path.stem
    if not name.isidentifier():
        raise ConfigError(
            f"--plugin {str(path)!r}: {name!r} is not a valid module name; rename the file "
            "(letters, digits and _ only, not starting with a digit)"
        )
    resolved = path.resolve()
    taken = sys.modules.get(name)
    if taken is not None:
        file = getattr(taken, "__file__", None)
        if file and Path(file).resolve() == resolved:
            return name  # loaded already in this process
        raise ConfigError(
            f"--plugin {str(path)!r}: the module name {name!r} is taken by {file or 'a built-in module'}; "
            "rename the plugin file"
        )
    if _installed(name) is not None:
        raise ConfigError(
            f"--plugin {str(path)!r}: the module name {name!r} is taken by an installed module; "
            "rename the plugin file so that it cannot shadow it"
        )
    _exec_file(name, resolved, str(path))
    return name


def _installed(name: str):
    """The import spec of top-level module ``name`` on ``sys.path``, or None."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def _local_candidate(folder: Path, name: str) -> Path | None:
    """``folder/name.py`` or ``folder/name/__init__.py``, whichever exists."""
    for candidate in (folder / f"{name}.py", folder / name / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _exec_file(name: str, path: Path, shown: str) -> None:
    """Execute ``path`` as module ``name`` (a package when it is an ``__init__.py``)."""
    locations = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise ConfigError(f"--plugin {shown!r}: {path} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[name]
        if not isinstance(exc, Exception):
            raise
        _raise_import_error(shown, exc)


def _import(module: str) -> str:
    try:
        importlib.import_module(module)
    except Exception as exc:
        _raise_import_error(module, exc)
    return module


def _raise_import_error(shown: str, exc: Exception) -> None:
    if isinstance(exc, ConfigError):
        raise exc
    if isinstance(exc, ModuleNotFoundError) and exc.name and shown.startswith(exc.name):
        raise ConfigError(f"--plugin {shown!r}: no such module; check the name") from None
    # A plugin's own bug: say which plugin, keep the cause.
    raise ConfigError(f"--plugin {shown!r} failed to import: {type(exc).__name__}: {exc}") from exc


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
