"""``alphacheck reproduce RUN_ID``: re-run a logged run and compare its predictions."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from alphacheck.exceptions import AlphacheckError

__all__ = ["reproduce"]


@click.command()
@click.argument("run_id")
@click.option(
    "--tracking-uri", metavar="URI", envvar="MLFLOW_TRACKING_URI",
    help="MLflow tracking store or server holding the run (default: MLflow's own default).",
)
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path),
    help="Run folder for the re-run (default: runs/<scenario>-<timestamp>/).",
)
@click.option("--overwrite", is_flag=True, help="Replace a run already in --output.")
def reproduce(run_id: str, tracking_uri: str | None, output: Path | None, overwrite: bool) -> None:
    """Re-run RUN_ID from its logged config and check the predictions are identical.

    The price data must have the fingerprint the run logged; the re-run is not
    logged to MLflow. Exits 1 when the predictions differ.
    """
    from alphacheck.reproduce import reproduce_run

    say = lambda message: click.echo(message, err=True)  # noqa: E731
    try:
        with tempfile.TemporaryDirectory(prefix="alphacheck-reproduce-") as scratch:
            outcome = reproduce_run(
                run_id, Path(scratch), tracking_uri, output, on_progress=say, overwrite=overwrite
            )
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(outcome.describe())
    if not outcome.identical:
        raise SystemExit(1)
