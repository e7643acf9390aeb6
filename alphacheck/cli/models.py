"""``alphacheck models list``: the registry's variants, hyperparameters and sizes."""

from __future__ import annotations

import json

import click

from alphacheck.cli.features import plugin_option

__all__ = ["models"]


@click.group()
def models() -> None:
    """Inspect the model variants of the registry."""


@models.command("list")
@click.option(
    "--features",
    "n_features",
    type=click.IntRange(min=1),
    default=None,
    help="Input features per time step used to count parameters (default: the 'basic' feature set's).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@plugin_option
def list_variants(n_features: int | None, as_json: bool, plugins: tuple[str, ...]) -> None:
    """List each variant with its kind, default hyperparameters and parameter count.

    An estimator's size is known only once fitted: its count shows as '-'.
    """
    from alphacheck.exceptions import AlphacheckError

    try:
        from alphacheck.features import load_plugins
        from alphacheck.models.registry import VARIANTS, parameter_count

        load_plugins(plugins)
        n_features = n_features or _basic_feature_count()
        rows = [
            {
                "name": name,
                "kind": spec.kind,
                "source": spec.plugin or "alphacheck",
                "parameters": parameter_count(name, n_features),
                "hyperparameters": spec.resolve({}),
                "description": spec.description,
            }
            for name, spec in VARIANTS.items()
        ]
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"n_features": n_features, "variants": rows}, indent=2))
        return
    click.echo(f"parameter counts for {n_features} input features per step")
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        hyper = ", ".join(f"{k}={v}" for k, v in row["hyperparameters"].items())
        count = "-" if row["parameters"] is None else f"{row['parameters']:,d}"
        origin = "" if row["source"] == "alphacheck" else f"  [{row['kind']}, plugin {row['source']}]"
        click.echo(f"{row['name']:<{width}}  {count:>9}  {row['description']}{origin}")
        click.echo(f"{'':<{width}}  {'':>9}  {hyper}")


def _basic_feature_count() -> int:
    import pandas as pd

    from alphacheck.features.sets import compute_features

    dates = pd.bdate_range("2020-01-01", periods=40, name="date")
    close = pd.Series(range(100, 140), index=dates, dtype="float64")
    prices = pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": close}, index=dates
    )
    return compute_features(prices, "basic").shape[1]
