"""``alphacheck warm-up``: compile vectorbt's numba kernels once, ahead of the first run.

A new environment's first backtest compiles vectorbt's kernels (about 17 s of
CPU on the development machine). ``make install`` runs this command, so that
no user's first ``alphacheck run`` pays for it: it runs the shipped ``quick``
scenario and a two-ticker portfolio, each cut to one epoch, without a report
or tracking, in a temporary folder, and leaves nothing but the compiled
kernels in the cache (:func:`alphacheck.backtest.numba_cache.numba_cache_dir`).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

__all__ = ["warm_up"]

# The shipped scenarios whose backtests use every kernel a run compiles, and what makes them short.
_RUNS = (
    ("quick", {"training.epochs": 1, "training.checkpoint": False}),
    ("portfolio_demo", {"training.epochs": 1, "training.checkpoint": False, "data.end": "2014-12-31",
                        "stress.windows": []}),  # its window lies after the cut: quick's covers windows
)


@click.command("warm-up")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless it fails.")
def warm_up(quiet: bool) -> None:
    """Compile vectorbt's numba kernels into the cache, so no run has to (make install runs this).

    Runs two tiny offline scenarios (the embedded sample data, one epoch, no
    report, no tracking) in a temporary folder; the cache is the Python
    environment's (or $ALPHACHECK_HOME/numba where the environment is read-only,
    or $NUMBA_CACHE_DIR). Quick when the kernels are compiled already.
    """
    from alphacheck import pipeline
    from alphacheck.backtest.numba_cache import kernels_cached, numba_cache_dir
    from alphacheck.cli.main import headless_matplotlib
    from alphacheck.exceptions import AlphacheckError
    from alphacheck.scenarios import apply_overrides, load_scenario

    headless_matplotlib()
    say = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
    folder = numba_cache_dir()
    say(f"numba cache: {folder} ({'already compiled' if kernels_cached() else 'compiling, about 15-30 s'})")
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="alphacheck-warm-up-") as scratch:
            for name, changes in _RUNS:
                scenario = apply_overrides(load_scenario(name), changes)
                pipeline.run(scenario, Path(scratch) / name, report=False)
    except AlphacheckError as exc:
        raise click.ClickException(str(exc)) from None
    say(f"kernels ready in {folder} ({time.perf_counter() - started:.0f} s)")
