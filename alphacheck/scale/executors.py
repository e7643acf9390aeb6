"""Where fold tasks run: in-process, in worker processes, or as Ray tasks.

Every executor takes the same :class:`~alphacheck.scale.tasks.FoldTask` list
and yields :class:`~alphacheck.scale.tasks.TaskResult` objects as they finish.
Workers get the datasets and the scenario once (process initializer, Ray
object store), seed like the parent (:func:`alphacheck.models.seed_everything`)
and use their own torch thread budget, so a task's predictions do not depend on
where it ran. Worker processes are started with ``spawn``: a forked child of a
process that already ran torch can deadlock in its thread pools.

Ray is imported only inside :class:`RayExecutor`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from alphacheck.exceptions import ConfigError
from alphacheck.scale.tasks import FoldTask, TaskResult, run_task

__all__ = ["EXECUTORS", "LocalExecutor", "ProcessExecutor", "RayExecutor", "make_executor", "thread_budget"]

EXECUTORS = ("local", "processes", "ray")

_WORKER: dict[str, Any] = {}


def thread_budget(workers: int, threads_per_worker: int | None = None) -> int:
    """Torch threads per worker: the given number, else the CPU cores shared out (at least 1)."""
    if threads_per_worker:
        return threads_per_worker
    return max(1, (os.cpu_count() or 1) // max(1, workers))


class LocalExecutor:
    """Run the tasks one after another in this process."""

    workers = 1

    def map(self, tasks, datasets, scenario, device, checkpoint_dir=None) -> Iterator[TaskResult]:
        """Yield each task's result, in order."""
        for task in tasks:
            yield run_task(task, datasets, scenario, device, checkpoint_dir)

    def close(self) -> None:
        """Nothing to release."""


def _init_worker(datasets, scenario, device, checkpoint_dir, threads) -> None:
    import torch

    from alphacheck.models import seed_everything

    torch.set_num_threads(threads)
    seed_everything(scenario.seed)
    _WORKER.update(datasets=datasets, scenario=scenario, device=device, checkpoint_dir=checkpoint_dir)


def _worker_task(task: FoldTask) -> TaskResult:
    worker = _WORKER
    return run_task(task, worker["datasets"], worker["scenario"], worker["device"], worker["checkpoint_dir"])


class ProcessExecutor:
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

    def map(self, tasks, datasets, scenario, device, checkpoint_dir=None) -> Iterator[TaskResult]:
        """Yield each task's result as it finishes."""
        import multiprocessing

        args = (datasets, scenario, str(device), checkpoint_dir, self.threads)
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker, initargs=args)
        with pool:
            pending = {pool.submit(_worker_task, task) for task in tasks}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()

    def close(self) -> None:
        """The pool closes with each :meth:`map`."""


class RayExecutor:
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
        if self._started:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=workers, _node_ip_address="127.0.0.1", **options)
        self._remote = ray.remote(num_cpus=1)(_ray_task)

    def map(self, tasks, datasets, scenario, device, checkpoint_dir=None) -> Iterator[TaskResult]:
        """Yield each task's result as it finishes."""
        import ray

        shared = ray.put((datasets, scenario))
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


def _ray_task(
    task: FoldTask, shared: Any, device: str, checkpoint_dir: Path | None, threads: int
) -> TaskResult:
    datasets, scenario = shared
    _init_worker(datasets, scenario, device, checkpoint_dir, threads)
    return _worker_task(task)


def make_executor(
    name: str, workers: int = 1, ray_address: str | None = None, threads_per_worker: int | None = None
) -> LocalExecutor | ProcessExecutor | RayExecutor:
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
