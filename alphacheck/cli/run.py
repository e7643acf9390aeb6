"""``alphacheck run``: one scenario, end to end."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from alphacheck.cli.features import plugin_options, split_names
from alphacheck.cli.options import (
    check_tracking_flags,
    complete_scenario,
    require_yahoo_for_update,
    tracking_options,
    update_option,
    updated_end,
)
from alphacheck.exceptions import AlphacheckError, Interrupted

if TYPE_CHECKING:
    from alphacheck.profiling import Profile
    from alphacheck.tracking.mlflow_recorder import MlflowRecorder

__all__ = ["echo_results", "names", "run"]


@click.command()
@click.argument("scenario", default="default", metavar="[SCENARIO.yaml]", shell_complete=complete_scenario)
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default: runs/<scenario>-<timestamp>/). One that holds another run is refused "
    "unless --overwrite.",
)
@click.option(
    "--overwrite", is_flag=True,
    help="Replace the run in --output (only once this run has succeeded; a failed run leaves it as it was).",
)
@click.option("--seed", type=int, help="Seed for weights and batch order (overrides the scenario).")
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]),
    help="Where to train: auto picks CUDA, then MPS, then CPU. FORCE_CPU=1 forces the CPU.",
)
@click.option("--variants", metavar="A,B", help="Variants to run side by side, e.g. baseline,enhanced.")
@click.option("--epochs", type=click.IntRange(min=1), help="Maximum epochs per fold (training.epochs).")
@click.option("--batch-size", type=click.IntRange(min=1), help="Training batch size (training.batch_size).")
@click.option(
    "--learning-rate", type=click.FloatRange(min=0, min_open=True), help="Learning rate of every variant."
)
@click.option("--sequence-length", type=click.IntRange(min=1), help="Time steps per sequence.")
@click.option(
    "--param", "params", multiple=True, metavar="KEY=VALUE",
    help="A variant hyperparameter (enhanced.hidden_size=64) or any scenario field (backtest.fees_bps=2); "
    "repeatable, VALUE is YAML.",
)
@tracking_options
@click.option(
    "--source", type=click.Choice(["sample", "yahoo", "csv"]),
    help="Price source (overrides data.source).",
)
@click.option(
    "--ticker", "--tickers", "tickers", multiple=True,
    help="Tickers to study: repeat, or comma-separate as in --tickers SPY,AAPL (overrides data.tickers).",
)
@click.option(
    "--start", type=click.DateTime(["%Y-%m-%d"]), help="First date, YYYY-MM-DD (overrides data.start).",
)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last date, YYYY-MM-DD (overrides data.end).")
@update_option
@click.option(
    "--executor", type=click.Choice(["local", "processes", "ray"]), envvar="ALPHACHECK_EXECUTOR",
    help="Where the (variant, fold-group) tasks run: in-process, in worker processes, or on Ray "
    "(compute.executor). Predictions do not depend on it.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), help="Worker processes, or CPUs of a local Ray cluster."
)
@click.option(
    "--ray-address", metavar="ADDR", envvar="RAY_ADDRESS",
    help="A running Ray cluster (default: start a local one); implies --executor ray.",
)
@click.option(
    "--fold-concurrency", type=click.Choice(["sequential", "batched"]), envvar="ALPHACHECK_FOLD_CONCURRENCY",
    help="Train a variant's folds one after another, or its independent folds at once as one stacked "
    "model (compute.fold_concurrency; batched pays off on a GPU, see the README).",
)
@click.option(
    "--fresh", is_flag=True,
    help="Train every fold again, ignoring (and replacing) the fold checkpoints an earlier run of the same "
    "data, settings and code left.",
)
@click.option(
    "--no-report", is_flag=True,
    help="Skip the plots and tearsheets (about 8 s each); predictions, returns, metrics, summary.md and "
    "index.html are still written. `alphacheck report RUN_DIR` draws them later.",
)
@click.option(
    "--profile", is_flag=True, envvar="ALPHACHECK_PROFILE",
    help="Time each stage (imports, data, features, training, backtest, stress, plots, tearsheets, "
    "tracking, shutdown, ...): print the table at exit and write profile.json to the run folder.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the results table.")
@click.option("-v", "--verbose", is_flag=True, help="Log each step in detail.")
@plugin_options
def run(
    scenario: str,
    output: Path | None,
    overwrite: bool,
    seed: int | None,
    device: str | None,
    variants: str | None,
    epochs: int | None,
    batch_size: int | None,
    learning_rate: float | None,
    sequence_length: int | None,
    params: tuple[str, ...],
    tracking_uri: str | None,
    no_tracking: bool,
    tracking_mode: str,
    source: str | None,
    tickers: tuple[str, ...],
    start: dt.datetime | None,
    end: dt.datetime | None,
    update: bool,
    executor: str | None,
    workers: int | None,
    ray_address: str | None,
    fold_concurrency: str | None,
    fresh: bool,
    no_report: bool,
    profile: bool,
    quiet: bool,
    verbose: bool,
    plugins: tuple[str, ...],
    add_features: str | None,
) -> None:
    """Run SCENARIO (a YAML file or a shipped scenario's name) and write a run folder.

    The folder holds config.yaml, predictions.parquet, returns.parquet,
    metrics.json, plots/, summary.md, index.html, one quantstats tearsheet per
    ticker and variant (plots and tearsheets unless --no-report) and
    models/<variant>.pt/.onnx; the run is also logged to
    MLflow. Settings come from the scenario file, then the original project's
    environment variables (MODEL_VARIANT, EPOCHS, ...), then these flags.
    Finished folds are checkpointed: the same command run again after an
    interruption resumes from the next fold, and says how many folds it read
    and from where (--fresh trains them all again).
    """
    check_tracking_flags(tracking_uri, no_tracking)
    recording = _start_profile() if profile else None
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        from alphacheck import pipeline
        from alphacheck.cli.main import headless_matplotlib
        from alphacheck.features import load_plugins
        from alphacheck.scenarios import load_scenario
        from alphacheck.scenarios.overrides import apply_overrides, environment_changes, parse_params
        from alphacheck.scenarios.overrides import tracking_uri as resolve_tracking_uri
        from alphacheck.report.tearsheet_pool import main_is_guarded
        from alphacheck.walkforward.progress import make_progress

        headless_matplotlib()
        main_is_guarded()  # the command line's main module: tearsheet workers may import it
        load_plugins(plugins)
        config = load_scenario(scenario)
        _refuse_unconfirmed_cluster(config, executor, ray_address)
        flags = {
            "seed": seed, "device": device, "variants": _split(variants), "training.epochs": epochs,
            "training.batch_size": batch_size, "training.learning_rate": learning_rate,
            "walkforward.sequence_length": sequence_length,
            "data.source": source, "data.tickers": names(tickers) or None,
            "data.start": start and start.date(), "data.end": updated_end(update, end),
            "compute.executor": "ray" if ray_address and not executor else executor,
            "compute.workers": workers, "compute.ray_address": ray_address,
            "compute.fold_concurrency": fold_concurrency,
        }
        if add_features:
            flags["features.add"] = [*config.features.add, *split_names(add_features)]
        flags.update(parse_params(params))
        environment = environment_changes(config, os.environ, flags)
        config = apply_overrides(config, flags, environ=os.environ, source="command-line flags")
        for line in environment.values():  # once, before any work: no setting changes unseen
            click.echo(f"environment: {line}", err=True)
        require_yahoo_for_update(update, config.data.source)
        recorder = None if no_tracking else _recorder(resolve_tracking_uri(tracking_uri), tracking_mode)
        say = None if quiet else (lambda message: click.echo(message, err=True))
        result = pipeline.run(
            config, output, recorder, on_progress=say, progress=make_progress(quiet), overwrite=overwrite,
            report=not no_report, fresh=fresh, environment=environment,
        )
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt as exc:
        raise _interrupted(exc) from None
    echo_results(result, quiet)
    if recording is not None:
        recording.folder = result.output_dir
        recording.enter("shutdown")


def echo_results(result, quiet: bool = False) -> None:
    """The verdicts, the results tables, the folder and the verdict line, as ``run`` and ``evaluate`` end."""
    from alphacheck.report import format_metrics_table
    from alphacheck.report.verdicts import format_verdicts, verdict_summary

    verdicts = result.metrics.get("verdict")
    if verdicts:
        click.echo(format_verdicts(verdicts) + "\n")
    click.echo(format_metrics_table(result.metrics["metrics"]))
    _echo_portfolio_table(result.metrics)
    _echo_stress_tables(result.metrics)
    if not quiet:
        click.echo(f"\nrun folder: {result.output_dir}", err=True)
        click.echo(f"tracking:   {result.tracking}", err=True)
    if verdicts:  # the answer is the last line a user sees
        click.echo(verdict_summary(verdicts))


def _recorder(uri: str, tracking_mode: str) -> MlflowRecorder:
    """The MLflow recorder of the store ``uri`` (``--tracking fallback``: a local store if unreachable)."""
    from alphacheck.tracking.mlflow_recorder import MlflowRecorder

    fallback = tracking_mode == "fallback"
    return MlflowRecorder(uri, fallback=fallback, on_notice=lambda line: click.echo(line, err=True))


def _interrupted(stop: KeyboardInterrupt) -> Interrupted:
    """The error a stopped run ends with: where its finished folds are kept, and its partial output."""
    from alphacheck.paths import alphacheck_home

    folds = alphacheck_home() / "folds"
    partial = f"; {stop}" if str(stop) else ""  # where the pipeline left the partial output
    return Interrupted(
        f"the run was stopped; the folds it finished are kept as checkpoints in {folds}: "
        f"run the same command again to resume from the next fold{partial}"
    )


def _start_profile() -> Profile:
    """Start timing the stages; the table and ``profile.json`` come at exit, once the shutdown is timed.

    The exit handler is registered before the libraries are imported, so it
    runs after theirs (exit handlers run last registered, first called).
    """
    from alphacheck.profiling import Profile

    recording = Profile().start()
    atexit.register(_end_profile, recording)
    return recording


def _end_profile(recording: Profile) -> None:
    recording.stop()
    if recording.folder is None:  # the run failed: no run folder to write into
        return
    path = recording.write(recording.folder)
    click.echo(f"\nprofile (wall seconds per stage; also in {path}):\n{recording.format()}", err=True)


def _refuse_unconfirmed_cluster(config, executor: str | None, ray_address: str | None) -> None:
    """A scenario file may name a Ray cluster, but only ``--executor ray`` sends the run there.

    Connecting hands the cluster the data and the training; a scenario file
    passed around must not do that by itself.
    """
    from alphacheck.exceptions import ConfigError

    address = config.compute.ray_address
    if address and executor != "ray" and not ray_address:
        raise ConfigError(
            f"scenario {config.name!r} names a Ray cluster (compute.ray_address: {address!r}); a scenario "
            "file cannot send a run to a cluster by itself: add --executor ray to connect to it, or remove "
            "compute.ray_address to run here"
        )


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def names(values: tuple[str, ...]) -> list[str]:
    """``("SPY,AAPL", "MSFT")`` -> ``["SPY", "AAPL", "MSFT"]``."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _echo_portfolio_table(metrics: dict) -> None:
    """The books across the tickers, after the per-ticker table, when the scenario has a portfolio."""
    if not metrics.get("portfolio"):
        return
    from alphacheck.report.portfolio import format_portfolio_table

    click.echo("\nPortfolio: one book per variant across the tickers, shared cash, against equal weight")
    click.echo(format_portfolio_table(metrics["portfolio"]))


def _echo_stress_tables(metrics: dict) -> None:
    """The cost sweep, then the stress windows and shocks tables, when the run has them."""
    from alphacheck.report import stress_tables

    if metrics.get("cost_sweep"):
        click.echo("\nCost sweep: total return at each cost per side; break-even where Sharpe reaches 0")
        click.echo(stress_tables.format_cost_sweep_table(metrics["cost_sweep"], metrics.get("significance", {})))
    if metrics.get("stress"):
        click.echo(
            "\nStress windows, against buy-and-hold: 'trained before' scores the models trained before the "
            "window began; 'walk-forward' every out-of-sample prediction inside it"
        )
        click.echo(stress_tables.format_stress_table(metrics["stress"]))
    if metrics.get("shocks"):
        click.echo("\nShocks: the fold models on shocked test periods; d_* = change from the unshocked run")
        click.echo(stress_tables.format_shocks_table(metrics["shocks"]))
