"""``alphacheck run``: one scenario, end to end."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import click

from alphacheck.cli.features import plugin_options, split_names
from alphacheck.exceptions import AlphacheckError

__all__ = ["run"]


@click.command()
@click.argument("scenario", default="scenarios/default.yaml", metavar="[SCENARIO.yaml]")
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default: runs/<scenario>-<timestamp>/).",
)
@click.option("--seed", type=int, help="Seed for weights and batch order (overrides the scenario).")
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]),
    help="Where to train: auto picks CUDA, then MPS, then CPU. FORCE_CPU=1 forces the CPU.",
)
@click.option(
    "--tracking-uri", metavar="URI", envvar="MLFLOW_TRACKING_URI",
    help="MLflow tracking store or server (default: MLflow's own default, sqlite:///mlflow.db).",
)
@click.option("--no-tracking", is_flag=True, help="Do not log to MLflow.")
@click.option(
    "--source", type=click.Choice(["sample", "yahoo", "csv"]),
    help="Price source (overrides data.source).",
)
@click.option(
    "--ticker", "tickers", multiple=True,
    help="Ticker to study; repeat for several (overrides data.tickers).",
)
@click.option(
    "--start", type=click.DateTime(["%Y-%m-%d"]), help="First date, YYYY-MM-DD (overrides data.start).",
)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last date, YYYY-MM-DD (overrides data.end).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the results table.")
@click.option("-v", "--verbose", is_flag=True, help="Log each step in detail.")
@plugin_options
def run(
    scenario: str,
    output: Path | None,
    seed: int | None,
    device: str | None,
    tracking_uri: str | None,
    no_tracking: bool,
    source: str | None,
    tickers: tuple[str, ...],
    start: dt.datetime | None,
    end: dt.datetime | None,
    quiet: bool,
    verbose: bool,
    plugins: tuple[str, ...],
    add_features: str | None,
) -> None:
    """Run SCENARIO (a YAML file or a shipped scenario's name) and write a run folder.

    The folder holds config.yaml, predictions.parquet, metrics.json and one
    quantstats tearsheet per ticker and variant; the run is also logged to MLflow.
    """
    if tracking_uri and no_tracking:
        raise click.UsageError("--tracking-uri and --no-tracking exclude each other")
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        from alphacheck import pipeline
        from alphacheck.report import format_metrics_table
        from alphacheck.features import load_plugins
        from alphacheck.scenarios import load_scenario

        load_plugins(plugins)
        config = load_scenario(scenario)
        overrides = {k: v for k, v in {"seed": seed, "device": device}.items() if v is not None}
        data_flags = {"data.source": source, "data.tickers": list(tickers) or None,
                      "data.start": start and start.date(), "data.end": end and end.date()}
        overrides.update({k: v for k, v in data_flags.items() if v is not None})
        if add_features:
            overrides["features.add"] = [*config.features.add, *split_names(add_features)]
        if overrides:
            config = config.override(**overrides)
        recorder = None
        if not no_tracking:
            from alphacheck.tracking.mlflow_recorder import MlflowRecorder

            recorder = MlflowRecorder(tracking_uri)
        say = None if quiet else (lambda message: click.echo(message, err=True))
        result = pipeline.run(config, output, recorder, on_progress=say)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_metrics_table(result.metrics["metrics"]))
    if not quiet:
        click.echo(f"\nrun folder: {result.output_dir}", err=True)
        click.echo(f"tracking:   {result.tracking}", err=True)
