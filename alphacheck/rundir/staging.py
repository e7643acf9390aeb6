"""Where a run writes: a temporary sibling of its folder, renamed into place only once it succeeded.

A run used to write straight into ``--output``: a run that failed half-way
left an older run's predictions beside its own ``config.yaml`` (and ``report``
then labelled them with the wrong scenario), and a run into a reused folder
kept the old ``models/`` and ``tearsheets/``, which MLflow logged with it.

Now :func:`stage` refuses a folder that holds another run unless
``overwrite`` is given (and refuses, even then, a folder holding files no run
writes), and hands out a fresh temporary folder beside it.
:meth:`Staging.commit` puts the finished run in place with renames; after a
failure the old folder is untouched and the partial output stays in the
temporary folder, which the error names.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alphacheck.exceptions import ConfigError
from alphacheck.rundir.folder import CONFIG_FILE, MANIFEST_FILE, METRICS_FILE, PREDICTIONS_FILE, RUN_OUTPUTS

__all__ = ["Staging", "check_target", "stage"]

# What marks a folder as holding a run.
_RUN_MARKERS = (MANIFEST_FILE, CONFIG_FILE, PREDICTIONS_FILE, METRICS_FILE)


@dataclass
class Staging:
    """A run's temporary folder (``work``) and the folder it becomes (``target``)."""

    target: Path
    work: Path
    replace: bool

    def commit(self) -> Path:
        """Rename ``work`` to ``target`` (the old run moved aside first, then removed); return ``target``.

        Raises
        ------
        ConfigError
            When the rename is refused, naming where the finished run is.
        """
        old = None
        occupied = self.target.exists() and any(self.target.iterdir())
        if occupied and not self.replace:  # another run finished into it meanwhile: keep both
            raise ConfigError(
                f"another run was written to {self.target} while this one ran; this run is complete in "
                f"{self.work}: rename it, or run again with --overwrite"
            )
        try:
            if occupied:
                place = self.target.absolute()
                old = place.with_name(f".{place.name}.replaced-{_stamp()}")
                os.replace(self.target, old)
            elif self.target.exists():
                self.target.rmdir()  # an empty folder the user made: the run takes its place
            os.replace(self.work, self.target)
        except OSError as exc:
            if old is not None and not self.target.exists():
                os.replace(old, self.target)
            raise ConfigError(
                f"the run finished, but it could not be moved to {self.target} ({exc.strerror or exc}); "
                f"it is complete in {self.work}"
            ) from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.target

    def describe_partial(self) -> str:
        """The sentence a failed run's error ends with."""
        before = "the run there before is untouched" if self.replace else "nothing was written there"
        return f"partial output is in {self.work}; {self.target}: {before}"


def stage(target: Path, overwrite: bool = False) -> Staging:
    """Check ``target`` (:func:`check_target`) and create the temporary folder the run writes into.

    Raises
    ------
    ConfigError
        As :func:`check_target`, or when the temporary folder cannot be created.
    """
    target = Path(target)  # kept as given: the run's result names its folder as the user did
    replace = check_target(target, overwrite)
    place = target.absolute()
    try:
        place.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{place.name}.partial-{_stamp()}-", dir=place.parent))
        work.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would become the run folder's mode
    except OSError as exc:
        raise ConfigError(
            f"--output {target}: cannot create a folder in {place.parent} ({exc.strerror or exc}); "
            "choose a folder you can write"
        ) from None
    return Staging(target, work, replace)


def check_target(target: Path, overwrite: bool = False) -> bool:
    """Whether a run may write ``target``; True when it will replace a run there.

    Parameters
    ----------
    target
        The run folder (``--output``); it may not exist yet.
    overwrite
        Replace a run already in ``target`` (``--overwrite``).

    Raises
    ------
    ConfigError
        When ``target`` is a file, holds a run and ``overwrite`` is not given,
        holds files no run writes, or its parent cannot hold the new folder.
    """
    target = Path(target).absolute()
    if target.exists() and not target.is_dir():
        raise ConfigError(f"--output {target} is a file; give a folder for the run (it is created)")
    _check_parent(target)  # the run's temporary folder is made beside the target
    entries = sorted(p.name for p in target.iterdir()) if target.is_dir() else []
    replace = bool(entries)
    if entries:
        foreign = [name for name in entries if not _run_output(name)]
        if foreign:
            raise ConfigError(
                f"--output {target} holds files a run does not write ({', '.join(foreign[:5])}"
                f"{' ...' if len(foreign) > 5 else ''}); choose a new or empty folder"
            )
        if not overwrite:
            held = "another run" if any(name in entries for name in _RUN_MARKERS) else "run outputs"
            shown = ", ".join(entries[:4]) + (" ..." if len(entries) > 4 else "")
            raise ConfigError(
                f"--output {target} holds {held} ({shown}); pass --overwrite to replace it, or choose "
                "another folder"
            )
    return replace


def _check_parent(target: Path) -> None:
    """The nearest existing folder above ``target`` must be a writable folder."""
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"--output {target}: {parent} is a file, not a folder; choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"--output {target}: {parent} is not writable; choose a folder you can write")


def _run_output(name: str) -> bool:
    return name in RUN_OUTPUTS or (name.startswith("compare-") and name.endswith((".json", ".txt")))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stamp() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
