"""``alphacheck ui``: the MLflow UI on the tracking store, on this machine only."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

__all__ = ["ui"]


@click.command()
@click.option(
    "--tracking-uri", metavar="URI", envvar="MLFLOW_TRACKING_URI",
    help="Store to browse (default: MLflow's own default, sqlite:///mlflow.db).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True, help="Port on 127.0.0.1.")
def ui(tracking_uri: str | None, port: int) -> None:
    """Start the MLflow UI on 127.0.0.1 for the tracking store; Ctrl-C stops it."""
    if tracking_uri and tracking_uri.startswith(("http://", "https://")):
        raise click.ClickException(
            f"--tracking-uri {tracking_uri!r} is a server, which has its own UI: open it in a browser"
        )
    from alphacheck.tracking.mlflow_recorder import default_tracking_uri, require_existing_store

    store = tracking_uri or default_tracking_uri()
    require_existing_store(store)  # the UI would create an empty store here
    artifacts = os.environ.get("MLFLOW_ARTIFACTS_DESTINATION", "mlartifacts")
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", _absolute(store),
               "--artifacts-destination", _absolute(artifacts), "--host", "127.0.0.1", "--port", str(port)]
    click.echo(f"MLflow UI for {store} at http://127.0.0.1:{port} (Ctrl-C stops it)", err=True)
    # `python -m mlflow`, the `python -m uvicorn` it starts and uvicorn's own --app-dir all put the working
    # directory first on sys.path: a mlflow.py or yaml.py lying there would run. So the server runs from an
    # empty folder, with the store and artifact paths made absolute, and PYTHONSAFEPATH for any Python below.
    with tempfile.TemporaryDirectory(prefix="alphacheck-ui-") as empty:
        try:
            code = subprocess.call(command, cwd=empty, env={**os.environ, "PYTHONSAFEPATH": "1"})
        except KeyboardInterrupt:
            code = 0
    if code not in (0, -2, 130):
        raise click.ClickException(f"mlflow ui exited with status {code}; is port {port} already in use?")


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
