"""``alphacheck ui``: the MLflow UI on the tracking store, on this machine only.

``mlflow ui`` starts a server that starts workers of its own. They run in a
process group (a session) of their own, which ``alphacheck ui`` ends as a
whole, first politely then by force, when it exits, on Ctrl-C and on
SIGTERM: no server is left holding the port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from alphacheck.cli.options import complete_scenario

__all__ = ["experiment_url", "ui"]

#: Seconds the server's process group gets to end after SIGTERM before SIGKILL.
STOP_GRACE_S = 10.0


@click.command()
@click.argument("scenario", required=False, metavar="[SCENARIO]", shell_complete=complete_scenario)
@click.option(
    "--tracking-uri", metavar="URI", envvar="MLFLOW_TRACKING_URI",
    help="Store to browse (default: MLflow's own default, sqlite:///mlflow.db).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=5000, show_default=True, help="Port on 127.0.0.1."
)
def ui(scenario: str | None, tracking_uri: str | None, port: int) -> None:
    """Start the MLflow UI on 127.0.0.1 for the tracking store; Ctrl-C stops it.

    It opens on the runs of SCENARIO's experiment (default: the experiment of
    the latest `alphacheck run`).
    """
    if tracking_uri and tracking_uri.startswith(("http://", "https://")):
        raise click.ClickException(
            f"--tracking-uri {tracking_uri!r} is a server, which has its own UI: open it in a browser"
        )
    from alphacheck.exceptions import AlphacheckError
    from alphacheck.tracking.mlflow_recorder import default_tracking_uri
    from alphacheck.tracking.stores import require_existing_store

    store = tracking_uri or default_tracking_uri()
    try:
        require_existing_store(store)  # the UI would create an empty store here
        url = experiment_url(store, scenario, f"http://127.0.0.1:{port}")
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    artifacts = os.environ.get("MLFLOW_ARTIFACTS_DESTINATION", "mlartifacts")
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", _absolute(store),
               "--artifacts-destination", _absolute(artifacts), "--host", "127.0.0.1", "--port", str(port)]
    click.echo(f"MLflow UI for {store} at {url} (Ctrl-C stops it)", err=True)
    # `python -m mlflow`, the `python -m uvicorn` it starts and uvicorn's own --app-dir all put the working
    # directory first on sys.path: a mlflow.py or yaml.py lying there would run. So the server runs from an
    # empty folder, with the store and artifact paths made absolute, and PYTHONSAFEPATH for any Python below.
    with tempfile.TemporaryDirectory(prefix="alphacheck-ui-") as empty:
        code = _serve(command, cwd=empty, env={**os.environ, "PYTHONSAFEPATH": "1"})
    if code not in (0, -signal.SIGINT, -signal.SIGTERM, 130):
        raise click.ClickException(f"mlflow ui exited with status {code}; is port {port} already in use?")


def experiment_url(store: str, scenario: str | None, root: str) -> str:
    """The UI's page of the runs of ``scenario``'s experiment (default: the latest alphacheck run's).

    ``workflowType=machine_learning`` keeps MLflow 3's UI on the runs rather
    than on its GenAI traces. ``root`` alone when the store holds no run yet.

    Raises
    ------
    TrackingError
        For a scenario with no experiment in the store, naming those it holds.
    """
    from alphacheck.tracking.mlflow_recorder import experiment_id, recent_runs

    if scenario is None:
        latest = recent_runs(store, 1)
        if not latest:
            return root
        scenario = latest[0].experiment
    return f"{root}/#/experiments/{experiment_id(store, scenario)}/runs?workflowType=machine_learning"


def _serve(command: list[str], cwd: str, env: dict[str, str]) -> int:
    """Run ``command`` in a session of its own until it exits; end its whole process group on any exit.

    SIGTERM and SIGINT (Ctrl-C) stop the group, then this process exits as
    the signal asks (SIGINT: KeyboardInterrupt, exit status 130).
    """
    process = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True)

    def stop(signum, frame):  # noqa: ARG001 (a signal handler's signature)
        raise _Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return process.wait()
    except _Stopped as stopped:
        _end_group(process)
        if stopped.signum == signal.SIGINT:
            raise KeyboardInterrupt from None
        raise SystemExit(128 + stopped.signum) from None
    finally:
        _end_group(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _end_group(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL after :data:`STOP_GRACE_S`; reap the server."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)  # the session's group id is the server's pid
        except ProcessLookupError:
            break  # nothing left of the group
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_alive(process.pid):
                return
            time.sleep(0.05)
    process.poll()


def _group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (zombies left to a non-reaping init do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():  # no procfs (macOS): ask the kernel
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we read
        if fields[0] != "Z" and int(fields[2]) == group:  # state, then ppid, then pgrp
            return True
    return False


def _absolute(location: str) -> str:
    """``location`` (a store URI or an artifact folder) with a relative local path made absolute."""
    if location.startswith("sqlite:///"):
        path, _, query = location.removeprefix("sqlite:///").partition("?")
        if path and path != ":memory:" and not Path(path).is_absolute():
            return f"sqlite:///{Path(path).absolute()}" + (f"?{query}" if query else "")
        return location
    if location.startswith("file:") and not location.startswith("file:/"):
        return Path(location.removeprefix("file:")).absolute().as_uri()
    if "://" not in location and not location.startswith("file:"):
        return str(Path(location).absolute())
    return location
