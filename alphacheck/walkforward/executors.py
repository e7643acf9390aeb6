"""Where fold tasks run: in-process, in worker processes, or as Ray tasks.

Every executor takes the same :class:`~alphacheck.walkforward.tasks.FoldTask`
list and yields :class:`~alphacheck.walkforward.tasks.TaskResult` objects as
they finish; :func:`alphacheck.walkforward.run_walkforward` assembles them,
whichever executor ran them.
Workers get the datasets and the scenario once (process initializer, Ray
object store), seed like the parent (:func:`alphacheck.models.seed_everything`)
and use their own torch thread budget, so a task's predictions do not depend on
where it ran. Worker processes are started with ``spawn``: a forked child of a
process that already ran torch can deadlock in its thread pools.

Progress: the local executor shows a bar of folds per variant and the epochs
of the fold in training; the others, whose folds train elsewhere, one bar of
all folds, ticked as tasks come back.

Ray is imported only inside :class:`RayExecutor`.
"""

from __future__ import annotations

import abc
import contextlib
import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import pandas as pd

from alphacheck.exceptions import ConfigError
from alphacheck.walkforward.lifecycle import ClusterReaper, die_with_parent, stop_pool
from alphacheck.walkforward.progress import NullProgress
from alphacheck.walkforward.tasks import FoldTask, TaskResult, run_task

if TYPE_CHECKING:
    import torch

    from alphacheck.walkforward.settings import WalkForwardScenario

__all__ = [
    "EXECUTORS",
    "Executor",
    "LocalExecutor",
    "ProcessExecutor",
    "RayExecutor",
    "make_executor",
    "thread_budget",
]

EXECUTORS = ("local", "processes", "ray")

_WORKER: dict[str, Any] = {}

# Seconds to wait for a Ray cluster named by an address: first for its port to accept a connection,
# then for ray.init to finish (Ray itself retries a silent address for minutes).
RAY_CONNECT_TIMEOUT_S = 30.0


def thread_budget(workers: int, threads_per_worker: int | None = None) -> int:
    """Torch threads per worker: the given number, else the CPU cores shared out (at least 1)."""
    if threads_per_worker:
        return threads_per_worker
    return max(1, (os.cpu_count() or 1) // max(1, workers))


class Executor(Protocol):
    """Runs fold tasks somewhere and yields their results as they finish."""

    workers: int

    def map(
        self,
        tasks: list[FoldTask],
        datasets: dict[str, pd.DataFrame],
        scenario: WalkForwardScenario,
        device: torch.device | str,
        checkpoint_dir: Path | None = None,
        progress: NullProgress | None = None,
    ) -> Iterator[TaskResult]:
        """Run ``tasks``; yield each :class:`TaskResult` as it finishes; report to ``progress``."""
        ...

    def close(self) -> None:
        """Release what the executor holds (workers, a cluster it started)."""
        ...


class LocalExecutor:
    """Run the tasks one after another in this process."""

    workers = 1

    def map(
        self,
        tasks: list[FoldTask],
        datasets: dict[str, pd.DataFrame],
        scenario: WalkForwardScenario,
        device: torch.device | str,
        checkpoint_dir: Path | None = None,
        progress: NullProgress | None = None,
    ) -> Iterator[TaskResult]:
        """Yield each task's result, in order; a bar per variant and the epochs of each fold."""
        progress = progress or NullProgress()
        current = None
        for task in tasks:
            if task.variant != current:
                if current is not None:
                    progress.end_variant()
                current = task.variant
                n_folds = sum(len(t.folds) for t in tasks if t.variant == current)
                progress.start_variant(scenario.variants[current].name, n_folds)
            yield run_task(task, datasets, scenario, device, checkpoint_dir, progress)
        if current is not None:
            progress.end_variant()

    def close(self) -> None:
        """Nothing to release."""


class _RemoteExecutor(abc.ABC):
    """An executor whose folds train elsewhere: one bar of all folds, ticked as each task comes back."""

    workers: int

    def map(
        self,
        tasks: list[FoldTask],
        datasets: dict[str, pd.DataFrame],
        scenario: WalkForwardScenario,
        device: torch.device | str,
        checkpoint_dir: Path | None = None,
        progress: NullProgress | None = None,
    ) -> Iterator[TaskResult]:
        """Yield each task's result as it finishes."""
        progress = progress or NullProgress()
        progress.start_variant(", ".join(v.name for v in scenario.variants), sum(len(t.folds) for t in tasks))
        for result in self._run(tasks, datasets, scenario, device, checkpoint_dir):
            for outcome in result.outcomes:
                progress.end_fold(outcome.record)
            yield result
        progress.end_variant()

    @abc.abstractmethod
    def _run(self, tasks, datasets, scenario, device, checkpoint_dir) -> Iterator[TaskResult]:
        """Run the tasks elsewhere; yield each result as it comes back."""


def _init_worker(datasets, scenario, device, checkpoint_dir, threads, plugins=()) -> None:
    import torch

    from alphacheck.features import load_plugins
    from alphacheck.models import seed_everything

    # The parent's --plugin modules: a plugin variant must be registered before a task looks it up.
    load_plugins(plugins, include_entry_points=False)
    torch.set_num_threads(threads)
    seed_everything(scenario.seed)
    _WORKER.update(datasets=datasets, scenario=scenario, device=device, checkpoint_dir=checkpoint_dir)


def _init_process_worker(*args: Any) -> None:
    die_with_parent()  # a killed run must not leave its workers waiting forever
    _init_worker(*args)


def _worker_task(task: FoldTask) -> TaskResult:
    worker = _WORKER
    return run_task(task, worker["datasets"], worker["scenario"], worker["device"], worker["checkpoint_dir"])


class ProcessExecutor(_RemoteExecutor):
    """Run the tasks in ``workers`` spawned processes, each with its own torch thread budget.

    On a CUDA device the workers share the GPU: that is how the folds of a
    variant train concurrently on one device (each process its own CUDA
    context and stream), since one fold's batches leave most of it idle.

    Parameters
    ----------
    workers
        Worker processes.
    threads_per_worker
        Torch threads in each worker (default: CPU cores / workers).
    """

    def __init__(self, workers: int, threads_per_worker: int | None = None) -> None:
        if workers < 1:
            raise ConfigError(f"compute.workers must be at least 1, got {workers}")
        self.workers = workers
        self.threads = thread_budget(workers, threads_per_worker)

    def _run(self, tasks, datasets, scenario, device, checkpoint_dir) -> Iterator[TaskResult]:
        import multiprocessing

        from alphacheck.features import loaded_plugins

        args = (datasets, scenario, str(device), checkpoint_dir, self.threads, loaded_plugins())
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_init_process_worker, initargs=args
        )
        with pool:
            try:
                pending = {pool.submit(_worker_task, task) for task in tasks}
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
            except BaseException:  # Ctrl-C, a failed fold, a closed generator: do not wait for the others
                stop_pool(pool)
                raise

    def close(self) -> None:
        """The pool closes with each :meth:`map`."""


class RayExecutor(_RemoteExecutor):
    """Run the tasks as Ray tasks, on a cluster or on a local one started here.

    Parameters
    ----------
    address
        A running cluster (``ray://host:10001`` or ``host:6379``); ``None`` starts
        a local cluster on the loopback address, shut down by :meth:`close`.
    workers
        CPUs of the local cluster (ignored with an address).
    threads_per_worker
        Torch threads in each task (default: CPU cores / workers).
    """

    def __init__(self, address: str | None = None, workers: int = 2, threads_per_worker: int | None = None):
        try:
            import ray
        except ImportError:
            raise ConfigError(
                "compute.executor 'ray' needs Ray: pip install 'alphacheck[ray]' (or pick 'processes')"
            ) from None
        self.workers = workers
        self.threads = thread_budget(workers, threads_per_worker)
        self._started = not ray.is_initialized()
        # Ray puts the driver's working directory first on every worker's sys.path, and a local
        # cluster's processes keep it as theirs: start from an empty folder, kept until close(), so a
        # torch.py lying in the user's folder is not imported by the workers instead of torch.
        self._empty = tempfile.TemporaryDirectory(prefix="alphacheck-ray-")
        self._reaper: ClusterReaper | None = None
        if self._started:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            with _working_directory(self._empty.name):
                if address:
                    _connect_ray(ray, address, options)
                else:
                    # Watching from before the start: a run killed while the cluster starts leaves nothing.
                    self._reaper = ClusterReaper()
                    try:
                        ray.init(num_cpus=workers, _node_ip_address="127.0.0.1", **options)
                    except BaseException:
                        self._reaper.stop()
                        raise
        self._remote = ray.remote(num_cpus=1)(_ray_task)

    def _run(self, tasks, datasets, scenario, device, checkpoint_dir) -> Iterator[TaskResult]:
        import ray

        from alphacheck.features import loaded_plugins

        shared = ray.put((datasets, scenario, loaded_plugins()))
        pending = [
            self._remote.remote(task, shared, str(device), checkpoint_dir, self.threads) for task in tasks
        ]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])

    def close(self) -> None:
        """Shut down the local cluster if this executor started it."""
        import ray

        if self._started and ray.is_initialized():
            ray.shutdown()
        if self._reaper is not None:
            self._reaper.stop()
            self._reaper = None
        self._empty.cleanup()


def _ray_task(
    task: FoldTask, shared: Any, device: str, checkpoint_dir: Path | None, threads: int
) -> TaskResult:
    datasets, scenario, plugins = shared
    _init_worker(datasets, scenario, device, checkpoint_dir, threads, plugins)
    return _worker_task(task)


@contextlib.contextmanager
def _working_directory(folder: str) -> Iterator[None]:
    """Change the working directory for the block."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _connect_ray(ray: Any, address: str, options: dict[str, Any]) -> None:
    """``ray.init(address=...)`` that fails within :data:`RAY_CONNECT_TIMEOUT_S` with a clear error."""
    hint = "start it (ray start --head) or drop --ray-address / compute.ray_address to start a local cluster"
    host, port = _host_port(address)
    if host is not None:
        try:
            socket.create_connection((host, port), timeout=RAY_CONNECT_TIMEOUT_S).close()
        except OSError as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
            raise ConfigError(
                f"cannot reach the Ray cluster at {address!r} ({host}:{port}: {reason}); {hint}"
            ) from None
    outcome: dict[str, BaseException] = {}

    def connect() -> None:
        try:
            ray.init(address=address, **options)
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="alphacheck-ray-connect", daemon=True)
    thread.start()
    thread.join(RAY_CONNECT_TIMEOUT_S)
    if thread.is_alive():
        raise ConfigError(
            f"the Ray cluster at {address!r} did not answer within {RAY_CONNECT_TIMEOUT_S:.0f}s "
            f"(is it a Ray head node of the same Ray version?); {hint}"
        )
    if "error" in outcome:
        error = outcome["error"]
        raise ConfigError(
            f"cannot connect to the Ray cluster at {address!r}: {type(error).__name__}: {error}; {hint}"
        ) from error


def _host_port(address: str) -> tuple[str | None, int]:
    """Host and port of ``ray://host:port`` or ``host:port``; ``(None, 0)`` for ``auto`` and the like."""
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(
            f"compute.ray_address {address!r} has no valid port; write host:port or ray://host:port"
        ) from None
    if not parts.hostname:
        return None, 0
    return parts.hostname, port or (10001 if parts.scheme == "ray" else 6379)


def make_executor(
    name: str, workers: int = 1, ray_address: str | None = None, threads_per_worker: int | None = None
) -> Executor:
    """The executor called ``name`` (``local``, ``processes`` or ``ray``).

    Raises
    ------
    ConfigError
        For an unknown name, or ``ray`` when Ray is not installed.
    """
    if name == "local":
        return LocalExecutor()
    if name == "processes":
        return ProcessExecutor(workers, threads_per_worker)
    if name == "ray":
        return RayExecutor(ray_address, workers, threads_per_worker)
    from alphacheck.exceptions import did_you_mean

    raise ConfigError(
        f"compute.executor {name!r} is unknown{did_you_mean(name, EXECUTORS)}; pick one of {EXECUTORS}"
    )
