"""``alphacheck scenarios``: list the shipped scenarios, show one, validate files."""

from __future__ import annotations

import os
from pathlib import Path

import click

from alphacheck.cli.features import plugin_option
from alphacheck.cli.options import complete_scenario, echo_json, json_option
from alphacheck.exceptions import AlphacheckError

__all__ = ["scenarios"]


@click.group()
def scenarios() -> None:
    """List, show and validate scenario files (YAML studies)."""


@scenarios.command("list")
@json_option
def list_scenarios(as_json: bool) -> None:
    """List the scenarios shipped with alphacheck, with what each one studies."""
    from alphacheck.scenarios import load_scenario, shipped_scenarios

    shipped = shipped_scenarios()
    if not shipped:
        raise click.ClickException(
            "no shipped scenarios found (alphacheck/scenarios/shipped/ is missing: reinstall alphacheck)"
        )
    records = []
    for name, path in shipped.items():
        try:
            scenario = load_scenario(path)
        except AlphacheckError as exc:
            records.append({"name": name, "error": str(exc)})
            continue
        data = scenario.data
        records.append({
            "name": name, "source": data.source, "tickers": data.tickers,
            "start": data.start, "end": data.end,
            "windows": len(scenario.stress.windows), "shocks": len(scenario.stress.shocks),
            "description": scenario.description,
        })
    if as_json:
        echo_json(records)
        return
    width = max(len(name) for name in shipped)
    for record in records:
        name = record["name"].ljust(width)
        if "error" in record:
            click.echo(f"{name}  INVALID: {record['error']}")
            continue
        dates = f"{record['start'] or 'first'}..{record['end'] or 'last'}"
        stress = f"{record['windows']} windows, {record['shocks']} shocks"
        click.echo(
            f"{name}  {record['source']}:{','.join(record['tickers'])} {dates}; {stress}\n"
            f"{' ' * width}  {record['description']}"
        )


@scenarios.command()
@click.argument("name", metavar="NAME_OR_FILE", shell_complete=complete_scenario)
@click.option(
    "--resolved",
    is_flag=True,
    help="Print the validated configuration with every default and the environment overrides filled in.",
)
def show(name: str, resolved: bool) -> None:
    """Print a scenario: a shipped scenario's NAME or a FILE, with its comments."""
    from alphacheck.scenarios import find_scenario, load_scenario

    try:
        path = find_scenario(name)
        if not resolved:
            click.echo(path.read_text(), nl=False)
            return
        import yaml

        scenario = _with_environment(load_scenario(path))
        click.echo(yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False), nl=False)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None


@scenarios.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE...")
@plugin_option
def validate(files: tuple[Path, ...], plugins: tuple[str, ...]) -> None:
    """Check scenario FILEs as a run would before reading prices; non-zero exit if any is invalid.

    Every value is range-checked, the variants' hyperparameters against their
    declarations and the feature names against the registry, so a file that
    passes here does not fail a run on its configuration.
    """
    from alphacheck.features import load_plugins, resolve_features
    from alphacheck.scenarios import load_scenario

    try:
        load_plugins(plugins)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    failed = []
    for file in files:
        try:
            scenario = load_scenario(file)
            _check_features(scenario, file, resolve_features)
        except AlphacheckError as exc:
            failed.append(str(exc))
            click.echo(f"invalid: {exc}", err=True)
            continue
        variants = ", ".join(v.name for v in scenario.variants)
        click.echo(
            f"ok: {file} ({scenario.name}: variants {variants}; {len(scenario.stress.windows)} stress windows, "
            f"{len(scenario.stress.shocks)} shocks, {len(scenario.backtest.cost_levels_bps)} cost levels)"
        )
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(files)} scenario file(s) invalid")


def _check_features(scenario, file: Path, resolve_features) -> None:
    """The feature names and windows, checked against the registry as the run's dataset step does."""
    from alphacheck.exceptions import ConfigError

    try:
        resolve_features(scenario.features)
    except AlphacheckError as exc:
        raise ConfigError(f"{file}: {exc}") from None


def _with_environment(scenario):
    """The scenario with the original project's environment variables applied (see ``overrides``)."""
    from alphacheck.scenarios.overrides import apply_overrides

    return apply_overrides(scenario, environ=os.environ)
