"""Options that several commands share, so that each flag means one thing everywhere.

- ``-o/--output`` is always a folder (``run``, ``reproduce``); a command that
  writes one file takes ``--output-file`` (``features compute``, ``audit``).
- ``--json`` prints a list command's rows as a JSON array instead of a table.
- ``--update`` asks Yahoo for the days since a cached ticker's last date.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

__all__ = ["echo_json", "json_option", "output_file_option", "require_yahoo_for_update", "update_option",
           "updated_end"]


def output_file_option(help_text: str, required: bool = False) -> Callable:
    """``--output-file FILE``: where a command that writes a single file writes it."""
    return click.option(
        "--output-file", "output_file", required=required, metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path), help=help_text,
    )


def json_option(command: Callable) -> Callable:
    """``--json``: the rows as a JSON array of objects on stdout, for scripts."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the rows as a JSON array of objects instead of a table."
    )(command)


def echo_json(rows: Sequence[dict[str, Any]]) -> None:
    """Print ``rows`` as an indented JSON array (dates and paths as text)."""
    click.echo(json.dumps(list(rows), indent=2, default=str))


def update_option(command: Callable) -> Callable:
    """``--update``: with source yahoo, also download the days since the cache's last date."""
    return click.option(
        "--update", is_flag=True,
        help="With source yahoo, also download the days since a cached ticker's last date, up to yesterday "
        "(without it a cached ticker is read over the dates it holds).",
    )(command)


def updated_end(update: bool, end: dt.datetime | None) -> dt.date | None:
    """``data.end`` for ``--update`` (yesterday) or ``--end``; None when neither is given."""
    if update and end is not None:
        raise click.UsageError("--update and --end exclude each other: --update reads up to yesterday")
    if update:
        from alphacheck.data.yahoo import last_complete_day

        return last_complete_day()
    return end.date() if end is not None else None


def require_yahoo_for_update(update: bool, source: str) -> None:
    """``--update`` downloads from Yahoo, so it needs ``data.source: yahoo``."""
    if update and source != "yahoo":
        raise click.UsageError(
            f"--update downloads from Yahoo, but the data source is {source!r}: add --source yahoo"
        )
