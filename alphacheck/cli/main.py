"""The ``alphacheck`` command group; subcommands are imported only when run.

``alphacheck --help`` must answer fast, so this module imports click and
nothing heavy; each subcommand lives in its own module, loaded on use.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys

import click

from alphacheck import __version__

__all__ = ["cli", "headless_matplotlib"]

# name -> (module, attribute, one-line help shown by `alphacheck --help`)
_COMMANDS = {
    "run": ("alphacheck.cli.run", "run", "Run a scenario walk-forward, backtest it and report."),
    "models": ("alphacheck.cli.models", "models", "List the model variants, hyperparameters and sizes."),
    "data": ("alphacheck.cli.data", "data", "Fetch, import, list and inspect cached prices."),
    "features": ("alphacheck.cli.features", "features", "List feature sets; compute feature matrices."),
    "audit": ("alphacheck.cli.audit", "audit", "Check a scenario for leakage and degenerate models."),
    "compare": ("alphacheck.cli.compare", "compare", "Paired tests, A/B test length and capital split of variants."),
    "report": ("alphacheck.cli.report", "report", "Rebuild a run folder's report from its saved files."),
    "runs": ("alphacheck.cli.runs", "runs", "List recent runs logged to MLflow, with headline metrics."),
    "ui": ("alphacheck.cli.ui", "ui", "Start the MLflow UI on the tracking store."),
    "reproduce": ("alphacheck.cli.reproduce", "reproduce", "Re-run a logged run and check its predictions."),
    "predict": ("alphacheck.cli.predict", "predict", "The next trading day's signal of a run's last models."),
    "evaluate": ("alphacheck.cli.evaluate", "evaluate", "Backtest and judge a file of your own predictions."),
    "audit-predictions": (
        "alphacheck.cli.audit_predictions", "audit_predictions",
        "Compare predictions made on all prices with ones made on prices cut at a date.",
    ),
    "scenarios": ("alphacheck.cli.scenarios", "scenarios", "List, show and validate scenario files."),
    "warm-up": ("alphacheck.cli.warmup", "warm_up", "Compile vectorbt's kernels once, ahead of the first run."),
}


# At exit, the interpreter's last garbage collection walks every object the libraries made (torch,
# vectorbt, numba): seconds after the last line is printed. Freezing them first skips that walk; the
# exit handlers registered later (the libraries') still run before this one, and memory goes back to
# the system with the process.
atexit.register(gc.freeze)


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is invoked.

    It also ends every command the same way (:mod:`alphacheck.cli.errors`):
    one ``Error: ...`` line and a non-zero exit, the traceback only with
    ``-v``, exit status 130 after Ctrl-C.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from alphacheck.cli.errors import one_line_warnings, run_command, wants_traceback

        argv = list(sys.argv[1:] if args is None else args)
        with one_line_warnings():
            code = run_command(
                lambda: super(LazyGroup, self).main(argv, prog_name, complete_var, False, **extra),
                verbose=wants_traceback(argv),
            )
        sys.exit(code)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attribute, _ = _COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from the table above, so listing commands imports nothing.
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="alphacheck")
@click.option(
    "-v", "--verbose", "show_traceback", is_flag=True, expose_value=False,
    help="On an error, print its traceback (any command; `run -v` and others also log detail).",
)
def cli() -> None:
    """Does a market-direction model have a real, tradable edge?

    alphacheck retrains model variants walk-forward, trades their out-of-sample
    predictions with costs, and reports classification and trading metrics next
    to naive baselines.
    """


def headless_matplotlib() -> None:
    """Draw with matplotlib's file-only ``Agg`` backend in this command's process.

    A command writes its plots and tearsheets to files, so it should start no
    GUI toolkit; a backend chosen with ``MPLBACKEND``, or pyplot already in use
    (a command run inside another program), is left alone. The Python API
    never calls this: it keeps the caller's backend.
    """
    if "MPLBACKEND" in os.environ or "matplotlib.pyplot" in sys.modules:
        return
    import matplotlib

    matplotlib.use("Agg")
