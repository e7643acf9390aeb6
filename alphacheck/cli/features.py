"""``alphacheck features list|compute``: the feature sets, and feature matrices for users' own models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from alphacheck.cli.options import (
    echo_json,
    json_option,
    output_file_option,
    require_yahoo_for_update,
    update_option,
    updated_end,
)
from alphacheck.exceptions import AlphacheckError

__all__ = ["features", "plugin_option", "plugin_options", "split_names"]

_SETS = ["basic", "advanced", "all"]


def split_names(value: str | None) -> list[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; ``None`` -> ``[]``."""
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def plugin_option(command):
    """Add ``--plugin MODULE`` (repeatable; ``ALPHACHECK_PLUGINS``) to a click command, as ``plugins``."""
    return click.option(
        "--plugin",
        "plugins",
        metavar="MODULE",
        multiple=True,
        envvar="ALPHACHECK_PLUGINS",
        help="Import MODULE (installed, else MODULE.py in the working directory) or a .py file's path, "
        "to register custom features or variants; repeatable. Nothing else is imported from the working "
        "directory.",
    )(command)


def plugin_options(command):
    """Add ``--plugin MODULE`` (repeatable) and ``--add-features a,b`` to a click command."""
    command = click.option(
        "--add-features",
        metavar="NAME[,NAME...]",
        envvar="ALPHACHECK_ADD_FEATURES",
        help="Add registered features (built-in or from a plugin) to the set, comma-separated.",
    )(command)
    return plugin_option(command)


@click.group()
def features() -> None:
    """List the feature sets and compute feature matrices."""


@features.command("list")
@click.option(
    "--set",
    "set_name",
    type=click.Choice(_SETS),
    default="all",
    show_default=True,
    help="Which feature set to list (all: every registered feature).",
)
@plugin_option
@json_option
def list_features(set_name: str, plugins: tuple[str, ...], as_json: bool) -> None:
    """Print every feature of a set with its window(s) and formula."""
    try:
        from alphacheck.features import FEATURE_SETS, FEATURES, get_feature, load_plugins

        load_plugins(plugins)
        names = list(FEATURES) if set_name == "all" else list(FEATURE_SETS[set_name])
        rows = [get_feature(name) for name in names]
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json([{"name": f.name, "window": f.window_text(), "formula": f.formula,
                    "plugin": None if f.builtin else f.function.__module__} for f in rows])
        return
    width = max(len(f.name) for f in rows)
    window_width = max(len(f.window_text()) for f in rows)
    click.echo(f"{'feature':<{width}}  {'window':<{window_width}}  formula")
    for feature in rows:
        source = "" if feature.builtin else f"  [plugin {feature.function.__module__}]"
        click.echo(
            f"{feature.name:<{width}}  {feature.window_text():<{window_width}}  {feature.formula}{source}"
        )
    click.echo(f"\n{len(rows)} features" + ("" if set_name == "all" else f" in set {set_name!r}"), err=True)


@features.command("compute")
@click.argument("tickers", nargs=-1, required=True, metavar="TICKER...")
@click.option(
    "--set",
    "set_name",
    type=click.Choice(_SETS[:-1]),
    default="basic",
    show_default=True,
    help="The named feature set.",
)
@click.option(
    "--source", type=click.Choice(["sample", "yahoo", "csv"]), default="sample", show_default=True,
    help="Price source (data.source): sample also finds any ticker of the price cache by name.",
)
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --source csv: folder of <TICKER>.csv or .parquet files (data.directory).",
)
@click.option(
    "--start", type=click.DateTime(["%Y-%m-%d"]), help="First date, YYYY-MM-DD (default: the first one held)."
)
@click.option(
    "--end", type=click.DateTime(["%Y-%m-%d"]), help="Last date, YYYY-MM-DD (default: the last one held)."
)
@update_option
@click.option("--drop-features", metavar="NAME[,NAME...]", help="Drop features of the set, comma-separated.")
@plugin_options
@output_file_option("Parquet file to write, index date plus ticker when there are several (default: "
                    "<TICKER>-features.parquet here).")
def compute(
    tickers: tuple[str, ...],
    set_name: str,
    source: str,
    directory: Path | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    update: bool,
    drop_features: str | None,
    plugins: tuple[str, ...],
    add_features: str | None,
    output_file: Path | None,
) -> None:
    """Compute the feature matrix of TICKER... and write it to a parquet file.

    A ticker is found by name: the embedded sample, or any ticker in the price
    cache (imported or fetched), over the dates it holds. Warm-up rows (before
    every feature has its full window) are dropped and counted, never
    back-filled.
    """
    require_yahoo_for_update(update, source)
    output = output_file or Path(f"{'-'.join(t.upper() for t in tickers)}-features.parquet")
    try:
        from alphacheck.data import load_prices
        from alphacheck.features import compute_features, load_plugins, resolve_features
        from alphacheck.scenarios.loader import validate_scenario

        load_plugins(plugins)
        output.parent.mkdir(parents=True, exist_ok=True)  # fails before the prices are read
        data = {"source": source, "tickers": list(tickers)}
        dates = {"start": start.date() if start else None, "end": updated_end(update, end)}
        data.update({k: v for k, v in dates.items() if v is not None})
        if directory is not None:
            data["directory"] = str(directory)
        feature_config = {
            "set": set_name,
            "add": split_names(add_features),
            "drop": split_names(drop_features),
        }
        scenario = validate_scenario({"name": "features", "data": data, "features": feature_config})
        resolve_features(scenario.features)  # unknown names fail here, before any price is loaded
        frames = {}
        for ticker, prices in load_prices(scenario.data).items():
            matrix = compute_features(prices, scenario.features)
            frames[ticker] = _drop_warm_up(matrix, ticker)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    import pandas as pd

    if len(frames) == 1:
        table = next(iter(frames.values()))
    else:
        table = pd.concat(frames, names=["ticker", "date"]).swaplevel().sort_index()
    table.to_parquet(output)
    click.echo(f"wrote {len(table)} rows x {table.shape[1]} features to {output}", err=True)


def _drop_warm_up(matrix, ticker: str):
    import numpy as np

    complete = np.isfinite(matrix.to_numpy(dtype="float64")).all(axis=1)
    if not complete.any():
        from alphacheck.exceptions import DataError

        raise DataError(
            f"{ticker}: {len(matrix)} bars are too few to warm up every feature; widen --start/--end"
        )
    first = int(np.argmax(complete))
    click.echo(f"{ticker}: dropped {first} warm-up rows, kept {len(matrix) - first}", err=True)
    return matrix.iloc[first:]
