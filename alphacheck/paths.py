"""Where alphacheck keeps files between runs: one home folder, overridable.

``ALPHACHECK_HOME`` names the folder; without it, ``$XDG_CACHE_HOME/alphacheck``
or ``~/.cache/alphacheck``. The price cache lives in ``prices/`` below it; other
caches (compiled numba code, for instance) take their own subfolder.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["alphacheck_home", "cache_subdir"]


def alphacheck_home() -> Path:
    """The folder for alphacheck's caches (not created here).

    Returns
    -------
    Path
        ``$ALPHACHECK_HOME`` when set, else ``$XDG_CACHE_HOME/alphacheck``,
        else ``~/.cache/alphacheck``.
    """
    explicit = os.environ.get("ALPHACHECK_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "alphacheck"


def cache_subdir(name: str) -> Path:
    """A named folder under :func:`alphacheck_home`, created if missing."""
    folder = alphacheck_home() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
