"""``alphacheck audit``: leakage and sanity checks on a scenario; non-zero exit when one fails."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

from alphacheck.cli.features import plugin_options, split_names
from alphacheck.cli.options import complete_scenario, output_file_option
from alphacheck.exceptions import AlphacheckError

__all__ = ["audit"]


@click.command()
@click.argument("scenario", metavar="FILE_OR_NAME", shell_complete=complete_scenario)
@click.option(
    "--folds", type=int, default=2, show_default=True, help="Walk-forward folds the training checks train."
)
@click.option("--epochs", type=int, help="Training epochs for the training checks (default: the scenario's).")
@click.option(
    "--cuts", type=int, default=5, show_default=True, help="Cut dates of the feature causality check."
)
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda", "mps"]),
    help="Where to train: auto picks CUDA, then MPS, then CPU. FORCE_CPU=1 forces the CPU.",
)
@output_file_option("Also write the checks and their evidence as JSON to this file.")
@click.option(
    "--strict",
    is_flag=True,
    envvar="ALPHACHECK_AUDIT_STRICT",
    help="Warnings fail too: exit 1 when any check warns or fails.",
)
@click.option("--variants", metavar="A,B", help="Variants to audit (shipped or a plugin's): baseline,hgb.")
@click.option(
    "--param", "params", multiple=True, metavar="KEY=VALUE",
    help="A variant hyperparameter (hgb.max_iter=50) or any scenario field, as for `run`; repeatable.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the checks.")
@click.option("-v", "--verbose", is_flag=True, help="Log each step in detail.")
@plugin_options
@click.pass_context
def audit(
    ctx: click.Context,
    scenario: str,
    folds: int,
    epochs: int | None,
    cuts: int,
    device: str | None,
    output_file: Path | None,
    strict: bool,
    variants: str | None,
    params: tuple[str, ...],
    quiet: bool,
    verbose: bool,
    plugins: tuple[str, ...],
    add_features: str | None,
) -> None:
    """Audit FILE_OR_NAME (a scenario YAML or a shipped scenario's name) for leakage and degenerate models.

    Prints pass / warn / fail per check with its evidence: feature causality,
    target leakage, prediction causality, shuffled-label control, degenerate
    predictor, split hygiene, too good to be true, drift. Exits with status 1
    when a check fails (with --strict, also when one warns), so it can guard a
    CI pipeline.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        from alphacheck.audit import format_audit_table, run_audit
        from alphacheck.features import load_plugins
        from alphacheck.scenarios import load_scenario
        from alphacheck.scenarios.overrides import apply_overrides, environment_changes, parse_params

        load_plugins(plugins)
        config = load_scenario(scenario)
        flags: dict[str, object] = {"device": device, "variants": split_names(variants) or None}
        if add_features:
            flags["features.add"] = [*config.features.add, *split_names(add_features)]
        flags.update(parse_params(params))
        # The same resolution as `run`: the file < the environment (EPOCHS, TICKERS, ...) < these flags.
        for line in environment_changes(config, os.environ, flags).values():
            click.echo(f"environment: {line}", err=True)
        config = apply_overrides(config, flags, environ=os.environ, source="command-line flags")
        if output_file:  # a folder that cannot be made fails now, not after the training checks
            output_file.parent.mkdir(parents=True, exist_ok=True)
        say = None if quiet else (lambda message: click.echo(message, err=True))
        report = run_audit(config, folds=folds, epochs=epochs, cuts=cuts, on_progress=say)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_audit_table(report))
    if output_file:
        output_file.write_text(json.dumps(report.as_dict(), indent=2, default=str))
    ctx.exit(report.exit_status(strict))
