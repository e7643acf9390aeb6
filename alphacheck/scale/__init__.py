"""Scale and speed: executors for the walk-forward's tasks, and the numba disk cache."""

from alphacheck.scale.executors import EXECUTORS, LocalExecutor, ProcessExecutor, RayExecutor, make_executor
from alphacheck.scale.numba_cache import enable_numba_cache, numba_cache_dir
from alphacheck.scale.tasks import FoldTask, TaskResult, plan_tasks, run_task
from alphacheck.scale.walkforward import run_walkforward_scaled

__all__ = [
    "EXECUTORS",
    "FoldTask",
    "LocalExecutor",
    "ProcessExecutor",
    "RayExecutor",
    "TaskResult",
    "enable_numba_cache",
    "make_executor",
    "numba_cache_dir",
    "plan_tasks",
    "run_task",
    "run_walkforward_scaled",
]
