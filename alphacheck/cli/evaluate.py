"""``alphacheck evaluate PREDICTIONS [SCENARIO]``: a file of predictions through everything after training."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import click

from alphacheck.cli.features import plugin_options, split_names
from alphacheck.cli.options import require_yahoo_for_update, update_option, updated_end
from alphacheck.cli.run import echo_results, names
from alphacheck.exceptions import AlphacheckError

__all__ = ["evaluate"]


@click.command()
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("scenario", required=False, metavar="[SCENARIO.yaml]")
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default: runs/evaluate-<file stem>-<timestamp>/). One that holds another run is "
    "refused unless --overwrite.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace the run in --output (only once this evaluation has succeeded).",
)
@click.option("--source", type=click.Choice(["sample", "yahoo", "csv"]), help="Price source (data.source).")
@click.option(
    "--ticker",
    "--tickers",
    "tickers",
    multiple=True,
    help="Tickers to price: repeat, or comma-separate (default: the scenario's, else the file's).",
)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First price date, YYYY-MM-DD (data.start).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last price date, YYYY-MM-DD (data.end).")
@update_option
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Any scenario field, e.g. backtest.fees_bps=2 or backtest.execution=next_close; repeatable; YAML.",
)
@click.option(
    "--tracking-uri",
    metavar="URI",
    help="MLflow tracking store or server (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db).",
)
@click.option("--no-tracking", is_flag=True, help="Do not log to MLflow.")
@click.option(
    "--no-report", is_flag=True, help="Skip the plots and tearsheets (summary.md and index.html stay)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the results.")
@click.option("-v", "--verbose", is_flag=True, help="Log each step in detail.")
@plugin_options
def evaluate(
    predictions: Path,
    scenario: str | None,
    output: Path | None,
    overwrite: bool,
    source: str | None,
    tickers: tuple[str, ...],
    start: dt.datetime | None,
    end: dt.datetime | None,
    update: bool,
    params: tuple[str, ...],
    tracking_uri: str | None,
    no_tracking: bool,
    no_report: bool,
    quiet: bool,
    verbose: bool,
    plugins: tuple[str, ...],
    add_features: str | None,
) -> None:
    """Backtest and judge PREDICTIONS as `run` judges its walk-forward, without training.

    PREDICTIONS is a parquet or CSV file with columns date, ticker, proba
    (P(up)) and optionally variant (default: the file's stem) and fold.
    Decision convention: proba at date t is known at the close of t; the
    position is filled at the open of t+1 (execution next_open; close of t+1
    with next_close) and earns the return to the next bar's open (close).
    Labels and forward returns are computed from the prices, never read from
    the file. Prices come from SCENARIO's data (a shipped name or a YAML file)
    or from --source/--tickers/--start/--end; without SCENARIO the schema's
    defaults apply, on the file's tickers, from 120 days before its first date.

    Then everything `run` does after training: the backtest with costs, the
    baselines and the matched null, significance, the cost sweep, the
    verdicts, the stress windows on the dates present, the portfolio when the
    scenario has one, the run folder, the report and MLflow. Shocks need the
    models and are skipped, with a note. Predictions without fold are one
    model's, trained before the first date.
    """
    if tracking_uri and no_tracking:
        raise click.UsageError("--tracking-uri and --no-tracking exclude each other")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        from alphacheck import api
        from alphacheck.cli.main import headless_matplotlib
        from alphacheck.external import decision_convention
        from alphacheck.features import load_plugins
        from alphacheck.scenarios.overrides import parse_params
        from alphacheck.scenarios.schema import Scenario

        headless_matplotlib()
        load_plugins(plugins)
        flags = {
            "data.source": source, "data.tickers": names(tickers) or None,
            "data.start": start and start.date(), "data.end": updated_end(update, end),
        }  # fmt: skip
        base = api.resolve_scenario(scenario) if scenario else Scenario(name="evaluate")
        if add_features:  # added to the scenario's, as for run and audit
            flags["features.add"] = [*base.features.add, *split_names(add_features)]
        flags.update(parse_params(params))
        if update:  # the source the prices will come from: the flags', else the scenario's, else the default
            require_yahoo_for_update(update, flags.get("data.source") or base.data.source)
        tracking = False if no_tracking else (tracking_uri or None)
        say = None if quiet else (lambda message: click.echo(message, err=True))
        result = api.evaluate(
            predictions,
            scenario,
            flags,
            output_dir=output,
            tracking=tracking,
            report=not no_report,
            on_progress=say,
            overwrite=overwrite,
        )
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        click.echo(
            f"decision convention: {decision_convention(result.scenario.backtest.execution)}", err=True
        )
    echo_results(result, quiet)
