"""Draw a run's tearsheets in worker processes while this process draws the plots.

A quantstats tearsheet is seconds of single-threaded matplotlib work, and a
run over several variants and tickers draws one per strategy. With free cores,
:class:`TearsheetBatch` hands them to a pool of worker processes the moment
the report starts, and collects the files once the plots are drawn; with one
free core (or one worker asked for) this process draws them itself, one after
another, when they are collected.

The workers fork from a server process that imported quantstats and
matplotlib once (``multiprocessing``'s ``forkserver`` with a preload), never
from this process, which may have run torch (a forked copy of its thread
pools can deadlock). Each draws with this process's matplotlib style
(:func:`~alphacheck.report.tearsheet.drawing_style`), so the files are the
ones this process would have written. A worker exits when this process dies.

A new worker process imports the main module of the program that started it,
as every ``multiprocessing`` child does: a script that calls
:func:`alphacheck.run` without an ``if __name__ == "__main__":`` guard would
run again in each worker. So the workers are used on their own (``report.workers``
unset) only where that import is known to be harmless: the ``alphacheck``
command line (:func:`main_is_guarded`), ``python -m``, and interactive sessions
and notebooks, whose main module is no file. A script that sets
``report.workers`` needs the guard, as for any ``multiprocessing`` code.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TearsheetBatch", "TearsheetJob", "free_cores", "main_is_guarded", "tearsheet_workers", "warm_up"]

# Imported once by the server the workers fork from.
_PRELOAD = ["matplotlib", "quantstats", "alphacheck.report.tearsheet", "alphacheck.report.tearsheet_pool"]


@dataclass(frozen=True)
class TearsheetJob:
    """One tearsheet: the strategy's and the benchmark's returns, where it goes and its names."""

    label: str  # what the report names when drawing it fails, e.g. "the tearsheet of baseline on SPY"
    strategy: pd.Series
    benchmark: pd.Series
    path: Path
    title: str
    strategy_name: str
    benchmark_name: str

    def draw(self, style: dict[str, Any] | None = None) -> Path:
        """Write the tearsheet (with another process's matplotlib ``style``, when given)."""
        from alphacheck.report.tearsheet import write_tearsheet

        return write_tearsheet(
            self.strategy, self.benchmark, self.path, self.title, self.strategy_name, self.benchmark_name, style
        )


def free_cores(cores: int | None = None, load: float | None = None) -> int:
    """Cores not busy with other processes: the cores less the 1-minute load beyond this process's own.

    At least 1. ``cores`` defaults to the CPUs this process may use, ``load``
    to the system's 1-minute load average (0 where there is none).
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, math.floor(cores - max(0.0, load - 1.0) + 0.5))


def tearsheet_workers(jobs: int, configured: int | None = None) -> int:
    """How many worker processes draw ``jobs`` tearsheets; 0: this process draws them itself.

    ``configured`` is ``report.workers`` (the processes drawing, this one
    included: 1 keeps the drawing here); unset, the free cores, where the main
    module may be imported by workers (see the module's notes), else 1. With
    two or more, even a single tearsheet goes to a worker, so that it is drawn
    while this process draws the plots. Never more workers than jobs.
    """
    if configured is not None:
        wanted = configured
    else:
        wanted = free_cores() if _main_is_importable() else 1
    return 0 if wanted < 2 or jobs < 1 else min(jobs, wanted)


def main_is_guarded() -> None:
    """Declare that this program's main module may be imported again by workers (the command line's is)."""
    global _guarded
    _guarded = True


_guarded = False


def _main_is_importable() -> bool:
    """Whether a worker importing this program's main module runs nothing (see the module's notes)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return _guarded or getattr(main, "__file__", None) is None or (
        spec is not None and spec.name.endswith(".__main__")
    )


def warm_up(jobs: int, configured: int | None = None) -> bool:
    """Start the server the workers fork from, if ``jobs`` tearsheets will go to workers; True if so.

    Called at the start of a run, so the server imports quantstats and
    matplotlib while the run imports torch and trains, not when the report starts.
    """
    if tearsheet_workers(jobs, configured) == 0:
        return False
    _context()
    return True


_server_lock = threading.Lock()


def _context() -> Any:
    """The ``forkserver`` context, its server running and preloaded with quantstats and matplotlib.

    The server is started as ``python -c``, which puts the working directory
    first on ``sys.path`` (Python 3.11's server ignores the ``sys.path`` it is
    handed), so a ``numpy.py`` lying there would be imported by the preload.
    It is started with ``PYTHONSAFEPATH`` set, which leaves the working
    directory out; this process's environment is restored at once.
    """
    import multiprocessing
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    with _server_lock:
        before = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            forkserver.ensure_running()
        finally:
            if before is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = before
    return context


class TearsheetBatch:
    """Tearsheets started with :meth:`start` and written by the time :meth:`finish` returns.

    Parameters
    ----------
    jobs
        The tearsheets to draw.
    workers
        Worker processes to draw them in (:func:`tearsheet_workers`); 0 draws
        them in this process, at :meth:`finish`.
    """

    def __init__(self, jobs: list[TearsheetJob], workers: int) -> None:
        self.jobs = jobs
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []

    def start(self) -> TearsheetBatch:
        """Hand the jobs to the worker processes (nothing to do when this process draws them)."""
        if self.workers < 1 or not self.jobs:
            return self
        from alphacheck.report.tearsheet import drawing_style

        style = drawing_style()
        self._pool = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_init_worker)
        self._futures = [self._pool.submit(_draw, job, style) for job in self.jobs]
        return self

    def finish(self, guard: Callable[[str], contextlib.AbstractContextManager]) -> list[Path]:
        """Wait for (or draw) every tearsheet, in the jobs' order; ``guard(job.label)`` names a failure."""
        if self._pool is None:
            written = []
            for job in self.jobs:
                with guard(job.label):
                    written.append(job.draw())
            return written
        try:
            written = []
            for job, future in zip(self.jobs, self._futures, strict=True):
                with guard(job.label):
                    written.append(future.result())
            self._pool.shutdown()
            return written
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the workers now, the tearsheets not yet drawn dropped."""
        if self._pool is not None:
            from alphacheck.walkforward.lifecycle import stop_pool

            stop_pool(self._pool)
            self._pool = None


def _init_worker() -> None:
    """In a worker: draw headless, exit with the parent, leave Ctrl-C to it."""
    import matplotlib

    from alphacheck.walkforward.lifecycle import die_with_parent

    matplotlib.use("Agg")
    die_with_parent()


def _draw(job: TearsheetJob, style: dict[str, Any]) -> Path:
    return job.draw(style)
