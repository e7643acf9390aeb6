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
    """A named folder under :func:`alphacheck_home`, created if missing.

    Raises
    ------
    ConfigError
        When the folder cannot be created or written, naming it and ``ALPHACHECK_HOME``.
    """
    from alphacheck.exceptions import ConfigError

    home = alphacheck_home()
    folder = home / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    else:
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
        reason = "not writable"
    raise ConfigError(
        f"alphacheck's cache folder {folder} cannot be used ({reason}); set ALPHACHECK_HOME to a writable "
        f"folder (now {home})"
    )
