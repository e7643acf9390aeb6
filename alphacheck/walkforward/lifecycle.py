"""Worker processes that end with their parent, and a pool that stops at once.

A ``ProcessPoolExecutor`` worker waits on its task queue forever: when the
run that started it is killed (``kill -9``, an out-of-memory kill, a closed
terminal) nothing tells it, and it keeps its memory (about 470 MB with torch)
until someone finds it. Each worker therefore watches its parent and exits as
soon as the parent is gone. Ctrl-C is the parent's to handle: workers ignore
it, and the parent stops the pool without waiting for the folds in training.

A local Ray cluster's raylet and GCS die with the run (Ray starts them so),
but its agents outlive it by minutes, and its workers need the raylet to
notice. :class:`ClusterReaper` is a small watcher process that learns the
run's process tree while the run lives and ends what is left of it the moment
the run dies without closing the cluster.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

__all__ = ["ClusterReaper", "die_with_parent", "stop_pool"]


def die_with_parent() -> bool:
    """In a spawned worker: exit the moment the parent process ends; ignore Ctrl-C.

    Returns
    -------
    bool
        False when this process has no multiprocessing parent (nothing to watch).
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return False
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool; a worker must not print
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])  # readable once the parent is gone
        os._exit(1)  # no cleanup to run: the parent that wanted the results is dead

    threading.Thread(target=watch, name="alphacheck-parent-watch", daemon=True).start()
    return True


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the tasks not yet started and end the workers now (finished folds stay checkpointed)."""
    pool.shutdown(wait=False, cancel_futures=True)
    # The executor keeps its processes in a private mapping; without it, the workers end with this process.
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()


# The watcher: a separate interpreter (-I: nothing from the working directory), in its own session so
# that Ctrl-C in the terminal reaches the run, not it. Its stdin is a pipe from the run: end of file
# without "stop" means the run died. psutil comes with Ray.
_REAPER = r"""
import os, signal, sys, threading
import psutil

run = psutil.Process(int(sys.argv[1]))
me, seen, told = os.getpid(), {}, {}
ended = threading.Event()

def listen():
    told["stop"] = sys.stdin.buffer.read() == b"stop"
    ended.set()

threading.Thread(target=listen, daemon=True).start()
while not ended.wait(0.5):
    try:
        for child in run.children(recursive=True):
            if child.pid != me:
                seen[child.pid] = child.create_time()
    except psutil.Error:
        break
ended.wait(2)
if not told.get("stop"):
    for pid, created in seen.items():
        try:
            process = psutil.Process(pid)
            if process.create_time() == created:  # the same process, not a reused pid
                process.kill()
        except psutil.Error:
            pass
"""


class ClusterReaper:
    """Ends the processes a run started (a local Ray cluster) if the run dies without :meth:`stop`."""

    def __init__(self) -> None:
        read_end, self._write_end = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _REAPER, str(os.getpid())],
            stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        os.close(read_end)

    def stop(self) -> None:
        """The run closes the cluster itself: tell the watcher to leave everything alone and exit."""
        if self._write_end is None:
            return
        try:
            os.write(self._write_end, b"stop")
        finally:
            os.close(self._write_end)
            self._write_end = None
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
