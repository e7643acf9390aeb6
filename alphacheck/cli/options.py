"""Options that several commands share, so that each flag means one thing everywhere.

- ``-o/--output`` is always a folder (``run``, ``reproduce``); a command that
  writes one file takes ``--output-file`` (``features compute``, ``audit``).
- ``--json`` prints a list command's rows as a JSON array instead of a table.
- ``--update`` asks Yahoo for the days since a cached ticker's last date.
- ``--tracking-uri``, ``--no-tracking`` and ``--tracking strict|fallback`` mean
  the same on every command that logs to MLflow (``run``, ``compare``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

__all__ = [
    "SHIPPED_DIR",
    "check_tracking_flags",
    "complete_scenario",
    "echo_json",
    "json_option",
    "output_file_option",
    "require_yahoo_for_update",
    "tracking_options",
    "update_option",
    "updated_end",
]


def output_file_option(help_text: str, required: bool = False) -> Callable:
    """``--output-file FILE``: where a command that writes a single file writes it."""
    return click.option(
        "--output-file",
        "output_file",
        required=required,
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


def json_option(command: Callable) -> Callable:
    """``--json``: the rows as a JSON array of objects on stdout, for scripts."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the rows as a JSON array of objects instead of a table.",
    )(command)


def echo_json(rows: Sequence[dict[str, Any]]) -> None:
    """Print ``rows`` as an indented JSON array (dates and paths as text)."""
    click.echo(json.dumps(list(rows), indent=2, default=str))


def update_option(command: Callable) -> Callable:
    """``--update``: with source yahoo, also download the days since the cache's last date."""
    return click.option(
        "--update",
        is_flag=True,
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


def tracking_options(command: Callable) -> Callable:
    """``--tracking-uri URI`` (default ``MLFLOW_TRACKING_URI``), ``--no-tracking`` and ``--tracking MODE``."""
    command = click.option(
        "--tracking", "tracking_mode", type=click.Choice(["strict", "fallback"]), default="strict",
        show_default=True,
        help="When the tracking server cannot be reached: stop before any work (strict) or log to "
        "sqlite:///mlflow.db here and say so (fallback).",
    )(command)
    command = click.option("--no-tracking", is_flag=True, help="Do not log to MLflow.")(command)
    return click.option(
        "--tracking-uri", metavar="URI", envvar="MLFLOW_TRACKING_URI",
        help="MLflow tracking store or server (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db here).",
    )(command)


def check_tracking_flags(tracking_uri: str | None, no_tracking: bool) -> None:
    """Refuse ``--tracking-uri`` with ``--no-tracking`` on one command line.

    ``MLFLOW_TRACKING_URI`` in the environment is only a default, which
    ``--no-tracking`` overrides.
    """
    given = click.get_current_context().get_parameter_source("tracking_uri")
    if tracking_uri and no_tracking and given == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--tracking-uri and --no-tracking exclude each other")


#: The shipped scenarios' folder, read by the shell completion without importing the loader.
SHIPPED_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "shipped"


def complete_scenario(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion of a scenario argument: the shipped scenarios' names, then YAML files."""
    from click.shell_completion import CompletionItem

    names = sorted(path.stem for path in SHIPPED_DIR.glob("*.yaml") if path.stem.startswith(incomplete))
    return [CompletionItem(name) for name in names] + [CompletionItem(incomplete, type="file")]
