"""A real ``mlflow server`` on 127.0.0.1 for the session, and a hand-made run folder."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "tracking_runfolder", Path(__file__).parents[1] / "report" / "runfolder.py"
)
runfolder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runfolder)

_READY_TIMEOUT_S = 300  # a loaded 2-core machine took over 3 minutes once


def free_port() -> int:
    """A port nothing listens on right now, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory) -> str:
    """URI of an ``mlflow server`` with a temporary sqlite store and served artifacts."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{root / 'store.db'}",
         "--serve-artifacts", "--artifacts-destination", str(root / "artifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        # Background job execution (GenAI evaluation jobs) is not needed here and slows the start.
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + _READY_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"mlflow server exited with {process.returncode}: {(root / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"mlflow server not ready after {_READY_TIMEOUT_S}s: {(root / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield uri
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A hand-made run folder (see tests/report/runfolder.py)."""
    return runfolder.write_run_folder(tmp_path / "run")


@pytest.fixture(autouse=True)
def _restore_mlflow_uri(monkeypatch):
    """The recorder sets MLflow's process-wide tracking URI; put it back after each test."""
    from mlflow.tracking._tracking_service import utils

    monkeypatch.setattr(utils, "_tracking_uri", utils._tracking_uri)


@pytest.fixture
def closed_uri() -> str:
    """An http URI on 127.0.0.1 where no server listens."""
    return f"http://127.0.0.1:{free_port()}"
