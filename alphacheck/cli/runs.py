"""``alphacheck runs list``: recent runs in the tracking store, with headline metrics."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import click

from alphacheck.cli.options import echo_json, json_option
from alphacheck.exceptions import AlphacheckError

__all__ = ["headline_records", "headline_rows", "runs"]

#: Strategies every run adds beside its variants (metrics.json's baselines).
_BASELINES = ("buy_and_hold", "always_long", "random")
_HEADERS = ("run_id", "scenario", "started (UTC)", "status", "ticker", "variant", "acc", "return", "sharpe",
            "b&h return")


@click.group()
def runs() -> None:
    """Browse runs logged to MLflow."""


@runs.command("list")
@click.option(
    "--tracking-uri", metavar="URI", envvar="MLFLOW_TRACKING_URI",
    help="MLflow tracking store or server (default: MLflow's own default, sqlite:///mlflow.db); a local "
    "store that does not exist is refused, never created.",
)
@click.option(
    "-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many runs."
)
@json_option
def list_runs(tracking_uri: str | None, limit: int, as_json: bool) -> None:
    """List the most recent `alphacheck run`s, one line per variant and ticker (baselines left out)."""
    from alphacheck.tracking.mlflow_recorder import recent_runs

    try:
        logged = recent_runs(tracking_uri, limit)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    records = [record for run in logged for record in headline_records(run)]
    if as_json:
        echo_json(records)
        return
    if not logged:
        click.echo("no alphacheck runs in this store yet; start one with `alphacheck run`", err=True)
        return
    rows = [list(_HEADERS)] + [_cells(record) for record in records]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS))]
    for row in rows:
        cells = (c.ljust(w) if i < 6 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        click.echo("  ".join(cells))


def headline_records(run) -> list[dict[str, Any]]:
    """One record per variant and ticker of a :class:`~alphacheck.tracking.mlflow_recorder.LoggedRun`.

    The variants are those the run's config names; the baselines
    (buy-and-hold, always-long, random) are not variants, and only
    buy-and-hold's return is kept, as the yardstick beside each variant's.
    """
    started = dt.datetime.fromtimestamp(run.start_time_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M")
    head = {"run_id": run.run_id, "scenario": run.experiment, "started": started, "status": run.status}
    variants = re.findall(r"'name': '([^']+)'", run.params.get("variants", ""))
    pairs = sorted({tuple(k.split(".")[:2]) for k in run.metrics if k.count(".") == 2})
    records = []
    for strategy, ticker in pairs:
        if strategy in _BASELINES or (variants and strategy not in variants):
            continue
        value = lambda s, name: run.metrics.get(f"{s}.{ticker}.{name}")  # noqa: E731
        records.append({
            **head, "ticker": ticker, "variant": strategy, "accuracy": value(strategy, "accuracy"),
            "total_return": value(strategy, "total_return"), "sharpe": value(strategy, "sharpe"),
            "buy_and_hold_return": value("buy_and_hold", "total_return"),
        })
    return records or [{**head, "ticker": None, "variant": None, "accuracy": None, "total_return": None,
                        "sharpe": None, "buy_and_hold_return": None}]


def headline_rows(run) -> list[list[str]]:
    """The table's rows of a run: :func:`headline_records` formatted."""
    return [_cells(record) for record in headline_records(run)]


def _cells(record: dict[str, Any]) -> list[str]:
    return [
        record["run_id"], record["scenario"], record["started"], record["status"], record["ticker"] or "-",
        record["variant"] or "-", _fmt(record["accuracy"], "{:.1%}"), _fmt(record["total_return"], "{:+.1%}"),
        _fmt(record["sharpe"], "{:.2f}"), _fmt(record["buy_and_hold_return"], "{:+.1%}"),
    ]


def _fmt(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)
