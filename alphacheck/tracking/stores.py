"""Where a run is tracked, with no MLflow import: server reachability, local stores and their creation.

A server URI (``http://`` or ``https://``) is checked with one short request,
because MLflow's own client retries an unreachable server for minutes. A
local store (``sqlite:///``, ``file:``, a folder) that does not exist is
refused by the commands that only read it, and the creation of a new sqlite
store is serialised between processes. :mod:`~alphacheck.tracking.mlflow_recorder`
does the logging and reading through MLflow.
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from alphacheck.exceptions import TrackingError

try:
    import fcntl
except ImportError:  # Windows: store creation is not serialised
    fcntl = None

__all__ = [
    "LOCAL_STORE",
    "check_reachable",
    "missing_local_store",
    "require_existing_store",
    "sqlite_path",
    "store_creation_lock",
]

#: Where ``--tracking fallback`` logs when the server cannot be reached.
LOCAL_STORE = "sqlite:///mlflow.db"


def check_reachable(uri: str, timeout_s: float = 5.0) -> None:
    """Raise :class:`TrackingError` when an ``http(s)://`` tracking server does not answer.

    Other URIs (a database, a folder) are local and not checked here.
    """
    if not uri.startswith(("http://", "https://")):
        return
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout_s) as response:
            if response.status == 200:
                return
            reason = f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        reason = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = str(getattr(exc, "reason", exc))
    raise TrackingError(
        f"MLflow tracking server {uri!r} cannot be reached ({reason}); start it, fix "
        "--tracking-uri / MLFLOW_TRACKING_URI, or pass --tracking fallback to log locally "
        "or --no-tracking"
    )


def require_existing_store(uri: str) -> None:
    """Raise :class:`TrackingError` when ``uri`` names a local store that does not exist.

    Commands that only read (``runs list``, ``reproduce``, ``ui``) must not
    create an empty ``mlflow.db`` where they are run.
    """
    missing = missing_local_store(uri)
    if missing is not None:
        raise TrackingError(
            f"no MLflow store at {missing} ({uri}): nothing was logged there; give the store "
            "`alphacheck run` logged to with --tracking-uri or MLFLOW_TRACKING_URI (or run from the folder "
            "holding its mlflow.db)"
        )


def missing_local_store(uri: str) -> Path | None:
    """The path of a ``sqlite:///`` or ``file:`` store (or a bare folder) that does not exist, else None."""
    if uri.startswith("sqlite:///"):
        path = Path(uri.removeprefix("sqlite:///").split("?", 1)[0])
        return None if str(path) in ("", ":memory:") or path.is_file() else path
    if uri.startswith("file:"):
        path = Path(uri.removeprefix("file://").removeprefix("file:"))
        return None if path.is_dir() else path
    if "://" not in uri:
        path = Path(uri)
        return None if path.is_dir() else path
    return None


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` store; None for other stores and in-memory sqlite."""
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri.removeprefix("sqlite:///").split("?", 1)[0])
    return None if str(path) in ("", ":memory:") else path


@contextlib.contextmanager
def store_creation_lock(uri: str) -> Iterator[None]:
    """Serialise the creation of a local sqlite store between processes.

    Two runs started at once on a new ``sqlite:///`` store both create its
    tables; the second then fails. The lock is an advisory ``flock`` on the
    database file itself (created empty if missing, which sqlite takes as a
    new database), so no extra file is left; sqlite's own locks are separate.
    """
    path = sqlite_path(uri)
    if path is None or fcntl is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "ab")  # noqa: SIM115  (held for the block)
    except OSError as exc:
        reason = "a part of its path is a file" if isinstance(exc, FileExistsError | NotADirectoryError) else (
            exc.strerror or str(exc)
        )
        raise TrackingError(
            f"cannot create the MLflow store {path} ({reason}); choose a writable place with "
            "--tracking-uri, or pass --no-tracking"
        ) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
