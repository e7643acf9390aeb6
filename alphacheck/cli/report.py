"""``alphacheck report RUN_DIR``: rebuild a run's report without retraining."""

from __future__ import annotations

from pathlib import Path

import click

from alphacheck.cli.features import plugin_option
from alphacheck.exceptions import AlphacheckError

__all__ = ["report"]


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--no-tearsheets", is_flag=True, help="Skip the quantstats tearsheets (about 8 s each).")
@click.option(
    "--backtest", is_flag=True,
    help="For a folder without returns.parquet: reload the prices (may download) and re-run the "
    "backtest from the predictions.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the path of index.html.")
@plugin_option
def report(run_dir: Path, no_tearsheets: bool, backtest: bool, quiet: bool, plugins: tuple[str, ...]) -> None:
    """Rebuild RUN_DIR's plots, tearsheets, summary.md and index.html.

    Reads config.yaml, predictions.parquet, metrics.json and returns.parquet;
    no model is retrained, and no price is loaded unless --backtest asks to
    rebuild a missing returns.parquet. A run of a plugin's variant needs the
    same --plugin as the run.
    """
    from alphacheck.cli.main import headless_matplotlib
    from alphacheck.features import load_plugins
    from alphacheck.report.builder import build_report
    from alphacheck.report.tearsheet_pool import main_is_guarded

    headless_matplotlib()
    main_is_guarded()  # the command line's main module: tearsheet workers may import it

    say = None if quiet else (lambda message: click.echo(message, err=True))
    try:
        load_plugins(plugins)
        files = build_report(run_dir, tearsheets=not no_tearsheets, on_progress=say, backtest=backtest)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        click.echo(f"summary:    {files.summary}", err=True)
        click.echo(f"plots:      {', '.join(p.name for p in files.plots.values())}", err=True)
        click.echo(f"tearsheets: {len(files.tearsheets)}", err=True)
    click.echo(str(files.index))
