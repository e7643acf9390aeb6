"""Ray tasks on a local cluster started by the test give the in-process runner's predictions.

A local Ray cluster's servers listen on every interface. Where ``unshare -rn``
works (Linux with user namespaces), the cluster runs in a child process inside
its own network namespace, which holds only the loopback interface, so nothing
is reachable from outside; elsewhere the child runs directly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

import ray  # noqa: F401,E402  (make test installs the ray extra: a missing install must fail, not skip)

CHILD = r"""
import sys
sys.path.remove("")  # `python -c` runs from the folder of planted modules: only Ray may put it back
from pathlib import Path
import ray
from alphacheck.features import build_dataset
from alphacheck.walkforward import RayExecutor, run_walkforward
from tests.conftest import synthetic_prices
from tests.walkforward.test_executors import _reference, _same, _scenario

prices = {"A": synthetic_prices(230, seed=21), "B": synthetic_prices(230, seed=22)}
datasets = {t: build_dataset(p, "basic", "next_open") for t, p in prices.items()}
scenario = _scenario(training={"checkpoint": True})
reference = _reference(datasets, scenario)  # in-process, writes every fold's checkpoint
removed = list((Path(sys.argv[1]) / "folds").glob("*/fold-0000.pt"))
assert len(removed) == 2, removed
for path in removed:
    path.unlink()
seen = {}
executor = RayExecutor(workers=2, threads_per_worker=1)
assert ray.cluster_resources()["CPU"] == 2
result = run_walkforward(
    datasets, scenario, "cpu", executor=executor,
    on_fold=lambda variant, fold, record: seen.update({(variant, fold.index): record["resumed"]}),
)
executor.close()
assert not ray.is_initialized()
assert seen == {(v, f): f != 0 for v in ("baseline", "lightweight") for f in range(3)}, seen
assert all(path.is_file() for path in removed)
_same(result, reference)
print("identical")
"""


def _isolated() -> list[str]:
    """``unshare`` into a loopback-only network namespace, when this machine allows it."""
    if shutil.which("unshare") and shutil.which("ip"):
        probe = subprocess.run(["unshare", "-rn", "ip", "link", "set", "lo", "up"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    return []


@pytest.mark.slow
def test_ray_tasks_equal_the_runner_and_resume(tmp_path):
    home = tmp_path / "home"
    # Ray puts the driver's working directory first on its workers' sys.path: the workers must not
    # import the torch.py and vectorbt.py planted there (issue 14).
    work = tmp_path / "work"
    work.mkdir()
    trap = "import pathlib; pathlib.Path(__file__).with_suffix('.executed').touch()\n"
    for name in ("torch", "vectorbt"):
        (work / f"{name}.py").write_text(trap)
    env = {**os.environ, "ALPHACHECK_HOME": str(home), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [*_isolated(), sys.executable, "-c", CHILD, str(home)],
        env=env, capture_output=True, text=True, timeout=600, cwd=work,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert done.stdout.strip().splitlines()[-1] == "identical"
    assert not list(work.glob("*.executed"))
