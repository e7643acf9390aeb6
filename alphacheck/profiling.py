"""Where a run's wall time goes: ``alphacheck run --profile`` (or ``ALPHACHECK_PROFILE=1``).

A :class:`Profile` splits the run into named stages (:data:`STAGES`). Code
marks a stage with :func:`profiled`; that is free when no profile is active, so
the pipeline marks its stages unconditionally. Stages nest: a stage's time is
its own, without the stages opened inside it, so the stages add up to the run.

Imports are a stage of their own wherever they happen: while a profile is
active, the main thread's outermost ``import`` statements (and
``importlib.import_module`` calls) are timed and taken out of the stage that
triggered them. Imports made by other threads are not (they overlap the main
thread's work).

``startup`` is the time from the process's start to the profile's start
(interpreter, command-line parsing; Linux only, else 0). ``shutdown`` runs from
the end of the run's output to the last exit handler; the interpreter's own
teardown after that is invisible from inside the process (``bench/run_all.py``
times whole processes).
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from alphacheck.rundir import PROFILE_FILE

__all__ = ["STAGES", "Profile", "active", "profile_requested", "profiled"]

#: Every stage a run reports, in the order a run goes through them.
STAGES = (
    "startup", "imports", "setup", "data", "features", "training", "backtest", "verdict", "stress",
    "write", "plots", "tearsheets", "summary", "tracking", "shutdown",
)

_TRUE = {"1", "true", "yes", "on"}
_active: Profile | None = None


def profile_requested(environ: dict[str, str] | None = None) -> bool:
    """Whether ``ALPHACHECK_PROFILE`` asks for a profile (1, true, yes or on)."""
    value = (os.environ if environ is None else environ).get("ALPHACHECK_PROFILE", "")
    return value.strip().lower() in _TRUE


def active() -> Profile | None:
    """The profile being recorded, if any."""
    return _active


@contextlib.contextmanager
def profiled(name: str) -> Iterator[None]:
    """Count the time spent inside the block as stage ``name`` of the active profile (if any)."""
    profile = _active
    if profile is None or threading.get_ident() != profile.thread:
        yield
        return
    profile.enter(name)
    try:
        yield
    finally:
        profile.leave()


class Profile:
    """Wall and CPU seconds per stage of one run, from :meth:`start` to :meth:`stop`.

    Parameters
    ----------
    argv
        The command line, recorded in ``profile.json``.
    clock, cpu_clock
        Wall and CPU clocks in seconds (``time.perf_counter``, ``time.process_time``).
    """

    def __init__(
        self,
        argv: list[str] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.process_time,
    ) -> None:
        self.argv = list(sys.argv if argv is None else argv)
        self.clock, self.cpu_clock = clock, cpu_clock
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self.startup_known = True
        self.cpu_seconds = dict.fromkeys(STAGES, 0.0)
        self.thread = threading.get_ident()
        self._stack: list[str] = []
        self._mark = (0.0, 0.0)
        self._started = 0.0
        self._stopped: float | None = None
        self._import_depth = 0
        self.import_seconds: dict[str, float] = {}
        self._saved: tuple[Any, Any] | None = None
        #: The run folder ``profile.json`` goes to, once the run has one.
        self.folder: Path | None = None

    # -- recording
    def start(self, startup: bool = True) -> Profile:
        """Make this the active profile and start timing imports; returns itself.

        ``startup`` counts the process's age as the ``startup`` stage (a command
        line's; not a notebook's, whose process started long before the run).
        """
        global _active
        if _active is not None:
            raise RuntimeError("a profile is already being recorded in this process")
        age = process_age() if startup else 0.0
        #: False where the process's start time could not be read: its ``startup`` stage is unknown.
        self.startup_known = age is not None
        self.seconds["startup"] = age or 0.0
        self._started = self.clock()
        self._mark = (self._started, self.cpu_clock())
        self._stack = ["setup"]
        self._saved = (builtins.__import__, importlib.import_module)
        builtins.__import__ = self._timed(builtins.__import__)
        importlib.import_module = self._timed(importlib.import_module)
        _active = self
        return self

    def stop(self) -> None:
        """Stop recording (the time since the last stage change goes to the current stage)."""
        global _active
        if self._stopped is not None:
            return
        self._charge()
        self._stopped = self.clock()
        if self._saved is not None:
            builtins.__import__, importlib.import_module = self._saved
        if _active is self:
            _active = None

    def enter(self, name: str) -> None:
        """Start stage ``name`` inside the current one."""
        if name not in self.seconds:
            raise ValueError(f"unknown profile stage {name!r}; the stages are {', '.join(STAGES)}")
        self._charge()
        self._stack.append(name)

    def leave(self) -> None:
        """End the innermost stage; time goes back to the one around it."""
        self._charge()
        if len(self._stack) > 1:
            self._stack.pop()

    def _charge(self) -> None:
        now = (self.clock(), self.cpu_clock())
        current = self._stack[-1] if self._stack else "setup"
        self.seconds[current] += now[0] - self._mark[0]
        self.cpu_seconds[current] += now[1] - self._mark[1]
        self._mark = now

    def _timed(self, function: Any) -> Any:
        """``function`` (an import function), its outermost main-thread calls counted as ``imports``."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._import_depth or threading.get_ident() != self.thread or _active is not self:
                return function(*args, **kwargs)
            self._import_depth += 1
            self.enter("imports")
            started = self.clock()
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()
                self._import_depth -= 1
                package = str(args[0] if args else kwargs.get("name", "?")).split(".")[0] or "."
                self.import_seconds[package] = self.import_seconds.get(package, 0.0) + self.clock() - started

        return timed

    # -- reporting
    def as_dict(self) -> dict[str, Any]:
        """What ``profile.json`` holds: seconds and CPU seconds per stage, the total, the machine's load."""
        end = self._stopped if self._stopped is not None else self.clock()
        total = end - self._started + self.seconds["startup"]
        return {
            "argv": self.argv,
            # startup is null where the process's age could not be read (then not in the total either).
            "stages": {
                name: round(self.seconds[name], 3) if name != "startup" or self.startup_known else None
                for name in STAGES
            },
            "cpu_stages": {name: round(self.cpu_seconds[name], 3) for name in STAGES if name != "startup"},
            # The outermost imports by top-level package (what the run imported first, and what it cost).
            "imports_by_package": {
                name: round(seconds, 3)
                for name, seconds in sorted(self.import_seconds.items(), key=lambda item: -item[1])
                if seconds >= 0.01
            },
            "total_seconds": round(total, 3),
            "cpu_seconds": round(sum(os.times()[:4]), 3),
            "load_average": [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        }

    def write(self, folder: Path) -> Path:
        """Write ``profile.json`` into ``folder`` and return its path."""
        path = Path(folder) / PROFILE_FILE
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n")
        return path

    def format(self) -> str:
        """One line per stage: wall seconds, share of the total, CPU seconds."""
        data = self.as_dict()
        total = data["total_seconds"] or 1.0
        lines = [f"{'stage':<11} {'wall s':>7} {'share':>6} {'cpu s':>7}"]
        for name, seconds in data["stages"].items():
            if seconds is None:
                lines.append(f"{name:<11} {'unknown':>7}")
                continue
            cpu = data["cpu_stages"].get(name)
            shown = f"{cpu:7.2f}" if cpu is not None else "      -"
            lines.append(f"{name:<11} {seconds:7.2f} {seconds / total:6.1%} {shown}")
        lines.append(f"{'total':<11} {data['total_seconds']:7.2f} {1:6.1%} {data['cpu_seconds']:7.2f}")
        return "\n".join(lines)


def process_age() -> float | None:
    """Seconds since this process started (Linux ``/proc``); None where that cannot be read."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time after boot, in ticks
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
