"""Compile vectorbt's numba kernels once and keep them on disk.

vectorbt 1.2 declares most kernels the engine calls with ``cache=True`` but
not ``simulate_from_signals_nb`` (``Portfolio.from_signals``), so every new
process compiled it again (seconds). :func:`enable_numba_cache` points
``NUMBA_CACHE_DIR`` at :func:`numba_cache_dir` (instead of vectorbt's
``__pycache__`` in site-packages, often read-only) and re-wraps the
:data:`KERNELS` that lack caching: their ``py_func`` with
``numba.njit(cache=True)``, same options otherwise, replaced in every vectorbt
module that refers to them. Only named entry points are re-wrapped: vectorbt
compares callback kernels by identity (``signal_func_nb is no_signal_func_nb``),
so swapping those would change its behaviour. Kernels compile lazily, so the
re-wrapping compiles nothing; a cache entry is keyed by the source file, the
signature and the numba version, so an upgrade does not reuse stale code.
``ALPHACHECK_NUMBA_CACHE=0`` leaves vectorbt and numba's settings as shipped
(the benchmarks' baseline).

Compiled kernels belong to the installed vectorbt, numba and CPU, not to a
user's data: the cache lives in the Python environment (``<sys.prefix>/var/
alphacheck/numba``) when that is writable, so ``alphacheck warm-up`` (which
``make install`` runs) compiles them once for every user and every
``ALPHACHECK_HOME``; in a read-only environment it falls back to
``<alphacheck home>/numba``. A first compilation takes seconds (about 17 s of
CPU here); :func:`kernels_cached` tells the pipeline to say so beforehand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = [
    "KERNELS",
    "enable_numba_cache",
    "environment_cache_dir",
    "kernel_message",
    "kernels_cached",
    "numba_cache_dir",
]

# Entry points the engine calls that vectorbt may declare without cache=True.
KERNELS = ("vectorbt.portfolio.nb.simulate_from_signals_nb", "vectorbt.portfolio.nb.simulate_from_orders_nb")

_STATE: dict[str, object] = {}


def numba_cache_dir() -> Path:
    """``$NUMBA_CACHE_DIR``, else :func:`environment_cache_dir` when writable, else the home's (created)."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        folder = Path(explicit)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    folder = environment_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        return folder
    from alphacheck.paths import cache_subdir

    return cache_subdir("numba")


def environment_cache_dir() -> Path:
    """``<sys.prefix>/var/alphacheck/numba``: the kernels compiled for this Python environment."""
    return Path(sys.prefix) / "var" / "alphacheck" / "numba"


def kernels_cached() -> bool:
    """Whether :func:`numba_cache_dir` holds ``simulate_from_orders_nb`` compiled for this Python.

    False means the backtest's first call compiles (with ``ALPHACHECK_NUMBA_CACHE=0``
    always). Reads the folder only: nothing is imported or compiled.
    """
    if os.environ.get("ALPHACHECK_NUMBA_CACHE", "1").strip() == "0":
        return False
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    return any(numba_cache_dir().glob(f"portfolio_*/nb.simulate_from_orders_nb-*.{tag}.nbi"))


def kernel_message() -> str:
    """What the backtest's first call will do with its kernels, for the progress output.

    A cold cache (:func:`kernels_cached` False) means about 30 s of compiling,
    which ``alphacheck warm-up`` does ahead; a warm one, a load.
    """
    if os.environ.get("ALPHACHECK_NUMBA_CACHE", "1").strip() == "0":
        return "compiling the backtest kernels (numba, about 30 s: ALPHACHECK_NUMBA_CACHE=0 keeps no copy)"
    folder = numba_cache_dir()
    if kernels_cached():
        return f"loading the compiled backtest kernels from {folder}"
    return (
        f"compiling the backtest kernels once (numba, about 30 s; later runs load them from {folder}; "
        "`alphacheck warm-up` does it ahead)"
    )


def enable_numba_cache() -> dict[str, object]:
    """Cache vectorbt's numba kernels on disk; idempotent within a process.

    Returns
    -------
    dict
        ``{"folder": Path, "kernels": {qualified name: dispatcher}, "rewrapped": [names]}``:
        where the cache lives, every vectorbt kernel that caches on disk now,
        and those of them that were re-wrapped here (the others vectorbt
        already declares with ``cache=True``).
    """
    if _STATE:
        return _STATE
    if os.environ.get("ALPHACHECK_NUMBA_CACHE", "1").strip() == "0":
        _STATE.update(folder=None, kernels={}, rewrapped=[])
        return _STATE
    folder = numba_cache_dir()
    os.environ["NUMBA_CACHE_DIR"] = str(folder)  # worker processes inherit it
    import numba
    import vectorbt  # noqa: F401  (loads the kernel modules)
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    numba.config.CACHE_DIR = str(folder)
    modules = [m for name, m in list(sys.modules.items()) if name.startswith("vectorbt") and m is not None]
    replaced: dict[int, object] = {}
    for qualified in KERNELS:
        module_name, attribute = qualified.rsplit(".", 1)
        old = getattr(sys.modules[module_name], attribute)
        new = _cached(old)
        if new is not old:
            replaced[id(old)] = new
    kernels: dict[str, object] = {}
    seen: set[int] = set()
    for module in modules:
        for attribute, value in list(vars(module).items()):
            if not isinstance(value, CPUDispatcher):
                continue
            new = replaced.get(id(value), value)
            if new is not value:
                setattr(module, attribute, new)
            elif not isinstance(value._cache, NullCache) and not value.signatures and id(value) not in seen:
                value.enable_caching()  # its cache was located at import, before CACHE_DIR was set
                seen.add(id(value))
            if not isinstance(new._cache, NullCache):
                kernels[f"{value.py_func.__module__}.{value.py_func.__qualname__}"] = new
    rewrapped = sorted(f"{d.py_func.__module__}.{d.py_func.__qualname__}" for d in replaced.values())
    _STATE.update(folder=folder, kernels=kernels, rewrapped=rewrapped)
    return _STATE


def _cached(dispatcher):
    """The same kernel with ``cache=True``, or the dispatcher itself when it already caches or cannot."""
    import numba
    from numba.core.caching import NullCache

    if not isinstance(dispatcher._cache, NullCache) or dispatcher.signatures:
        return dispatcher  # caches already, or compiled in this process before we got here
    options = {k: v for k, v in dispatcher.targetoptions.items() if k != "nopython"}
    options["cache"] = True
    return numba.njit(**options)(dispatcher.py_func)
