"""Workers end with the run that started them (issue 14, finding 8).

Workers of ``--executor processes`` used to wait forever, about 470 MB each,
when their parent was killed. Each test starts a walk-forward in a child
process, waits for its workers, kills the child with SIGKILL (no cleanup can
run) and requires every process it started to be gone within a bounded time.
Linux only: the processes are found through /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, require

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

_WALK = r"""
import sys
from alphacheck.features import build_dataset
from alphacheck.scenarios import validate_scenario
from alphacheck.walkforward import run_walkforward
from tests.conftest import synthetic_prices

datasets = {"A": build_dataset(synthetic_prices(420, seed=1), "basic", "next_open")}
scenario = validate_scenario({
    "name": "orphans", "seed": 1,
    "walkforward": {"train_days": 200, "test_days": 60, "purge_days": 2, "validation_days": 40,
                    "sequence_length": 5},
    # Long enough that the workers are still training when the parent is killed.
    "training": {"epochs": 100000, "patience": 100000, "batch_size": 16, "checkpoint": False},
    "variants": ["baseline", "lightweight"],
    "compute": {"executor": sys.argv[1], "workers": 2, "threads_per_worker": 1},
})
run_walkforward(datasets, scenario, "cpu")
"""


def _processes() -> dict[int, tuple[int, str, str]]:
    """Every process: pid -> (parent pid, state, command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), fields[0], command)
    return found


def _descendants(pid: int) -> dict[int, str]:
    table = _processes()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _, command) in table.items():
            if ppid == parent and child not in found:
                found[child] = command
                frontier.append(child)
    return found


def _alive(pids) -> list[int]:
    table = _processes()
    return [pid for pid in pids if pid in table and table[pid][1] != "Z"]  # a zombie holds no memory


def _kill_parent_and_wait(tmp_path: Path, executor: str, ready, grace_s: float) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "ALPHACHECK_HOME": str(tmp_path / "home")}
    child = subprocess.Popen([sys.executable, "-c", _WALK, executor], env=env, cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    workers: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and child.poll() is None:
            workers = _descendants(child.pid)
            if ready(workers):
                break
            time.sleep(0.5)
        assert child.poll() is None and ready(workers), f"workers never started: {workers}"
        time.sleep(3)  # let them get well into training
        workers = _descendants(child.pid)
        child.send_signal(signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + grace_s
        while _alive(workers) and time.monotonic() < deadline:
            time.sleep(0.25)
        left = {pid: workers[pid][:120] for pid in _alive(workers)}
        assert not left, f"still running {grace_s:.0f}s after the parent was killed: {left}"
    finally:
        for pid in _alive(workers):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_process_workers_exit_when_the_parent_is_killed(tmp_path):
    def ready(found):
        return sum("multiprocessing" in command for command in found.values()) >= 2

    _kill_parent_and_wait(tmp_path, "processes", ready, grace_s=10)


@pytest.mark.slow
def test_a_local_ray_cluster_exits_when_the_parent_is_killed(tmp_path):
    require("ray")

    def ready(found):
        return any("raylet" in c for c in found.values()) and any("_ray_task" in c for c in found.values())

    _kill_parent_and_wait(tmp_path, "ray", ready, grace_s=60)
