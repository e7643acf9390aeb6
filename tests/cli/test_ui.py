"""``alphacheck ui`` ends the server's whole process group on SIGTERM and Ctrl-C, and opens on the runs.

No real MLflow server is started: a stand-in that starts two workers of its
own (as ``mlflow ui`` starts uvicorn's) takes its place through the one seam,
``alphacheck.cli.ui._serve``'s command. Every process the test starts lives in
a session the test kills at the end, whatever happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

SERVER = r"""
import os, subprocess, sys, time
workers = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]) for _ in range(2)]
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(" ".join(str(pid) for pid in [os.getpid(), *(w.pid for w in workers)]))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
"""

DRIVER = r"""
import sys
from alphacheck.cli import ui

serve = ui._serve
ui._serve = lambda command, cwd, env: serve([sys.executable, sys.argv[1], sys.argv[2]], cwd, env)
from alphacheck.cli.main import cli

cli.main(["ui", "--tracking-uri", sys.argv[3], "--port", "59998"])
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_the_server_and_its_workers(tmp_path, signum, status):
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    MlflowClient(tracking_uri=uri).search_experiments()  # an existing, empty store
    server, pids_file = tmp_path / "server.py", tmp_path / "pids"
    server.write_text(SERVER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(server), str(pids_file), uri], env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not pids_file.exists() and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        started = pids_file.exists()
        assert started, driver.communicate(timeout=10)[0] if driver.poll() is not None else "no start"
        pids = [int(p) for p in pids_file.read_text().split()]
        assert len(pids) == 3 and all(_running(p) for p in pids)
        driver.send_signal(signum)
        output, _ = driver.communicate(timeout=60)
        assert driver.returncode == status, output
        assert [p for p in pids if _running(p)] == []  # the server and both workers are gone
        assert "MLflow UI for" in output
    finally:  # never leave a process behind, whatever failed above
        for group in {driver.pid, *pids[:1]}:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        driver.wait(timeout=10)


def test_the_ui_opens_on_the_runs_of_the_scenarios_experiment(tmp_path):
    from mlflow import MlflowClient

    from alphacheck.cli.ui import experiment_url
    from alphacheck.exceptions import TrackingError

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    root = "http://127.0.0.1:5000"
    client.search_experiments()
    assert experiment_url(uri, None, root) == root  # no run yet: the home page
    quick = client.create_experiment("quick")
    default = client.create_experiment("default")
    client.create_run(quick, tags={"alphacheck.role": "parent"})
    runs = "/runs?workflowType=machine_learning"
    assert experiment_url(uri, None, root) == f"{root}/#/experiments/{quick}{runs}"  # the latest run's
    assert experiment_url(uri, "default", root) == f"{root}/#/experiments/{default}{runs}"
    message = r"no experiment 'quik' in .* \(did you mean 'quick'\?\); it holds"
    with pytest.raises(TrackingError, match=message):
        experiment_url(uri, "quik", root)
