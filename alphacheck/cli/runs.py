"""``alphacheck runs list``: recent runs in the tracking store, with headline metrics."""

from __future__ import annotations

import datetime as dt

import click

from alphacheck.exceptions import AlphacheckError

__all__ = ["headline_rows", "runs"]

_BASELINES = ("buy_and_hold", "always_long")
_HEADERS = ("run_id", "scenario", "started (UTC)", "status", "ticker", "variant", "acc", "return", "sharpe",
            "b&h return")


@click.group()
def runs() -> None:
    """Browse runs logged to MLflow."""


@runs.command("list")
@click.option(
    "--tracking-uri", metavar="URI", envvar="MLFLOW_TRACKING_URI",
    help="MLflow tracking store or server (default: MLflow's own default, sqlite:///mlflow.db).",
)
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many runs.")
def list_runs(tracking_uri: str | None, limit: int) -> None:
    """List the most recent `alphacheck run`s, one line per variant and ticker."""
    from alphacheck.tracking.mlflow_recorder import recent_runs

    try:
        logged = recent_runs(tracking_uri, limit)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    if not logged:
        click.echo("no alphacheck runs in this store yet; start one with `alphacheck run`", err=True)
        return
    rows = [list(_HEADERS)] + [row for run in logged for row in headline_rows(run)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) if i < 6 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


def headline_rows(run) -> list[list[str]]:
    """Rows of a :class:`~alphacheck.tracking.mlflow_recorder.LoggedRun`: one per variant and ticker."""
    started = dt.datetime.fromtimestamp(run.start_time_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M")
    pairs = sorted({tuple(k.split(".")[:2]) for k in run.metrics if k.count(".") == 2})
    head = [run.run_id, run.experiment, started, run.status]
    rows = []
    for strategy, ticker in pairs:
        if strategy in _BASELINES:
            continue
        value = lambda s, name: run.metrics.get(f"{s}.{ticker}.{name}")  # noqa: E731
        rows.append(head + [ticker, strategy, _fmt(value(strategy, "accuracy"), "{:.1%}"),
                            _fmt(value(strategy, "total_return"), "{:+.1%}"),
                            _fmt(value(strategy, "sharpe"), "{:.2f}"),
                            _fmt(value("buy_and_hold", "total_return"), "{:+.1%}")])
    return rows or [head + ["-"] * 6]


def _fmt(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)
