"""``alphacheck compare``: is variant B really better than variant A? The offline A/B test."""

from __future__ import annotations

from pathlib import Path

import click

from alphacheck.cli.features import plugin_option, split_names
from alphacheck.cli.options import check_tracking_flags, tracking_options
from alphacheck.exceptions import AlphacheckError

__all__ = ["compare"]


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="RUN_DIR")
@click.option(
    "--variants", metavar="A,B", help="The incumbent A and the challenger B (default: the run's first two)."
)
@click.option(
    "--split",
    "split_text",
    default="70/30",
    show_default=True,
    metavar="A/B",
    help="Capital shares of A and B for the blended strategy.",
)
@click.option("--reps", type=int, help="Bootstrap repetitions (default: the run's backtest.bootstrap_reps).")
@tracking_options
@plugin_option
def compare(
    run_dir: Path,
    variants: str | None,
    split_text: str,
    reps: int | None,
    tracking_uri: str | None,
    no_tracking: bool,
    tracking_mode: str,
    plugins: tuple[str, ...],
) -> None:
    """Compare two variants of RUN_DIR on the same out-of-sample dates.

    McNemar on right/wrong calls, Diebold-Mariano on log loss, a bootstrap
    interval for the Sharpe difference, the model confidence set of all
    variants, how long a live A/B test would need to tell them apart at 95%,
    and the blended strategy of a capital split. Writes
    compare-A-vs-B.json/.txt into RUN_DIR and logs an MLflow run.
    """
    check_tracking_flags(tracking_uri, no_tracking)
    names = split_names(variants)
    if variants is not None and len(names) != 2:
        raise click.BadParameter(f"give two variant names as A,B, got {variants!r}", param_hint="--variants")
    try:
        from alphacheck.compare import compare_run, format_comparison, parse_split, write_comparison
        from alphacheck.features import load_plugins

        load_plugins(plugins)  # a run of a plugin's variant reads back with the same --plugin
        try:
            split = parse_split(split_text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--split") from None
        comparison = compare_run(run_dir, tuple(names) if names else None, split, reps)
        path = write_comparison(comparison, run_dir)
        location = "tracking disabled"
        if not no_tracking:
            location = _track(comparison, path, tracking_uri, tracking_mode == "fallback")
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_comparison(comparison))
    click.echo(f"\nwritten: {path}", err=True)
    click.echo(f"tracking: {location}", err=True)


def _track(comparison, path: Path, tracking_uri: str | None, fallback: bool) -> str:
    from alphacheck.tracking.mlflow_recorder import MlflowRecorder

    notice = lambda line: click.echo(line, err=True)  # noqa: E731
    recorder = MlflowRecorder(tracking_uri, fallback=fallback, on_notice=notice)
    recorder.start(
        experiment=comparison.scenario, run_name=f"compare {comparison.variant_a} vs {comparison.variant_b}"
    )
    try:
        recorder.log_params(
            {
                "variant_a": comparison.variant_a,
                "variant_b": comparison.variant_b,
                "split_a": comparison.split[0],
                "split_b": comparison.split[1],
                "run_dir": str(path.parent),
            }
        )
        recorder.log_metrics(comparison.flat_metrics())
        recorder.log_artifact(path)
        recorder.log_artifact(path.with_suffix(".txt"))
    except BaseException:
        recorder.end("FAILED")
        raise
    recorder.end("FINISHED")
    return recorder.location
