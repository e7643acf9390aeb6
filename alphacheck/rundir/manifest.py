"""A run folder's manifest: its run id and the SHA-256 of every result file, checked when read back.

``report`` once labelled an older run's predictions with a newer run's
scenario: the files of two runs had mixed in one folder. ``write_run`` now
ends with ``manifest.json``; ``read_run`` refuses a folder whose
``config.yaml``, ``predictions.parquet``, ``returns.parquet`` or
``metrics.json`` is not the file the run wrote. A folder written before
manifests existed has none and is read as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from alphacheck.exceptions import ConfigError

__all__ = ["MANIFEST_FILE", "check_manifest", "file_digest", "new_run_id", "write_manifest"]

MANIFEST_FILE = "manifest.json"
_FORMAT = 1


def new_run_id() -> str:
    """A fresh run id (32 hex digits)."""
    return uuid.uuid4().hex


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, run_id: str, names: Iterable[str]) -> Path:
    """Write ``manifest.json`` for the files ``names`` present in ``folder``; return its path."""
    folder = Path(folder)
    files = {name: file_digest(folder / name) for name in names if (folder / name).is_file()}
    manifest = {
        "format": _FORMAT,
        "run_id": run_id,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    path = folder / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=2))
    return path


def check_manifest(folder: Path, names: Iterable[str]) -> str | None:
    """Check that the files ``names`` of ``folder`` are the ones its run wrote; return the run id.

    Returns ``None`` for a folder without a manifest (written before manifests existed).

    Raises
    ------
    ConfigError
        When the manifest cannot be read, or a file differs from, is missing
        from, or was added after what the run wrote: naming the file.
    """
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
        run_id, files = str(manifest["run_id"]), dict(manifest["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path} is unreadable ({exc}); the folder cannot be checked: re-run the scenario"
        ) from None
    for name in names:
        present = (folder / name).is_file()
        if name not in files and not present:
            continue
        if name not in files:
            problem = "was added after the run wrote the folder"
        elif not present:
            problem = "is missing"
        elif file_digest(folder / name) != files[name]:
            problem = "differs from the one the run wrote"
        else:
            continue
        raise ConfigError(
            f"{folder / name} {problem} (run {run_id}): the folder mixes files of different runs; "
            "re-run the scenario into a new folder (or with --overwrite)"
        )
    return run_id
