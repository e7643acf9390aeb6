"""``alphacheck audit-predictions FULL CUT --cut-date D``: the prediction causality audit on your files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from alphacheck.exceptions import AlphacheckError

__all__ = ["audit_predictions"]


@click.command("audit-predictions")
@click.argument("full", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("cut", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--cut-date",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="The date the CUT file's prices end at, YYYY-MM-DD.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    default=1e-6,
    show_default=True,
    help="Largest |P(up) difference| taken as the same prediction (float rounding).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the check, every difference included, as JSON.")
def audit_predictions(full: Path, cut: Path, cut_date: dt.datetime, tolerance: float, as_json: bool) -> None:
    """Report every prediction before --cut-date that differs between FULL and CUT.

    FULL holds predictions made by your pipeline on all prices; CUT the same
    pipeline's predictions made on prices that end at the cut date. A model
    and features that read only the past give the same P(up) on every date
    before the cut, whatever comes after; a prediction that changes, or that
    CUT cannot make, read later prices. Both files have the columns of
    `alphacheck evaluate` (date, ticker, proba, optionally variant). Exits 1
    when any prediction before the cut differs or is missing from CUT.
    """
    try:
        import pandas as pd

        from alphacheck.audit.predictions import prediction_causality
        from alphacheck.external import read_predictions

        day = pd.Timestamp(cut_date.date())
        full_rows = read_predictions(full)
        cut_rows = read_predictions(cut)
        if "variant" not in _columns(full) or "variant" not in _columns(cut):
            # Each file would take its own stem as the variant: compare them as one model.
            full_rows, cut_rows = (
                full_rows.assign(variant="predictions"),
                cut_rows.assign(variant="predictions"),
            )
        before = full_rows[full_rows["date"] < day]
        check = prediction_causality(before, cut_rows, day, atol=tolerance, before=True)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "name": check.name,
                    "verdict": check.verdict,
                    "summary": check.summary,
                    "evidence": list(check.evidence),
                    "details": check.details,
                },
                indent=2,
            )
        )
    else:
        click.echo(f"{check.verdict.upper()}  {check.summary}")
        for line in check.evidence:
            click.echo(f"      {line}")
        for row in check.details.get("differences", [])[:20]:
            click.echo(
                f"      {row['date']}  {row['ticker']}  {row['variant']}  "
                f"full {row['proba_full']:.6f}  cut {row['proba_cut']:.6f}"
            )
    if check.verdict == "fail":
        raise SystemExit(1)


def _columns(path: Path) -> list[str]:
    """The column names of a predictions file (read again: read_predictions adds variant)."""
    import pandas as pd

    if path.suffix.lower() == ".csv":
        return list(pd.read_csv(path, nrows=0).columns)
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)
