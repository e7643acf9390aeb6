"""``alphacheck ui``: the MLflow UI on the tracking store, on this machine only."""

from __future__ import annotations

import subprocess
import sys

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
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", store,
               "--host", "127.0.0.1", "--port", str(port)]
    click.echo(f"MLflow UI for {store} at http://127.0.0.1:{port} (Ctrl-C stops it)", err=True)
    try:
        code = subprocess.call(command)
    except KeyboardInterrupt:
        code = 0
    if code not in (0, -2, 130):
        raise click.ClickException(f"mlflow ui exited with status {code}; is port {port} already in use?")
