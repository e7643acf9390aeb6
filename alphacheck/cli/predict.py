"""``alphacheck predict RUN_DIR``: the signal for the next trading day from a run's last models."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from alphacheck.cli.features import plugin_option
from alphacheck.cli.options import update_option
from alphacheck.exceptions import AlphacheckError

__all__ = ["predict"]


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--date", type=click.DateTime(["%Y-%m-%d"]), help="Decision date, YYYY-MM-DD (default: the latest)."
)
@click.option(
    "--ticker",
    "--tickers",
    "tickers",
    multiple=True,
    help="Only these of the run's tickers: repeat, or comma-separate (default: all of them).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (ticker and variant).")
@update_option
@click.option(
    "--backend",
    type=click.Choice(["auto", "onnx", "torch"]),
    default="auto",
    show_default=True,
    help="auto: ONNX Runtime when installed and the variant has an .onnx file, else torch.",
)
@plugin_option
def predict(
    run_dir: Path,
    date: dt.datetime | None,
    tickers: tuple[str, ...],
    as_json: bool,
    update: bool,
    backend: str,
    plugins: tuple[str, ...],
) -> None:
    """Print what each variant's last model of RUN_DIR says for the next trading day.

    Per ticker and variant: the decision date D, P(up) calibrated as in the
    run, and the position the scenario's policy takes. P(up) at D is known at
    the close of D; the position is filled at the next trading day's open
    (execution next_open) or close (next_close). Also the model's age (the
    last day of its training range, and trading days since) with a warning
    once it is older than the scenario's retraining interval. Prices come
    from the cache (offline, as cached) unless --update fetches the missing
    days first. Exits 0 when every signal was computed (a stale model only
    warns); 1 with one line for a date beyond the data, a warm-up the prices
    do not cover, or a folder that is not a run.
    """
    try:
        from alphacheck.features import load_plugins
        from alphacheck.predict import predict_signals

        load_plugins(plugins)
        names = [n.strip() for value in tickers for n in value.split(",") if n.strip()] or None
        signals = predict_signals(run_dir, date and date.date(), names, update, backend)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    for signal in signals:
        if as_json:
            click.echo(json.dumps(signal.as_dict(), allow_nan=False))
            continue
        click.echo(
            f"{signal.decision_date}  {signal.ticker}  {signal.variant}  P(up) {signal.proba:.4f} "
            f"(model's own {signal.proba_raw:.4f})  {signal.position} {abs(signal.weight):.2f} "
            f"{signal.fill}  "
            f"model fold {signal.fold}, trained through {signal.trained_through} "
            f"({signal.trading_days_since_training} trading days ago; retrained {signal.retrain_every})"
        )
    for signal in signals:
        if signal.warning:
            click.echo(f"warning: {signal.variant} on {signal.ticker}: {signal.warning}", err=True)
