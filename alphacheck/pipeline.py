"""One run, end to end: ``run(scenario) -> RunResult``; the CLI and ``alphacheck.run`` call it.

Stages: prices -> features and labels -> walk-forward predictions -> backtest,
verdicts and stress (:mod:`alphacheck.judging`) -> report (plots, tearsheets)
-> tracking. Every output lands in
one run folder. Two halves: :func:`train` (the walk-forward) and
:func:`report_run` (everything after training), which ``alphacheck evaluate``
calls on a file of predictions, so both commands share one path.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alphacheck.exceptions import AlphacheckError, ReportError
from alphacheck.profiling import profiled
from alphacheck.rundir import RunResult, Staging, check_target, stage
from alphacheck.scenarios.schema import Scenario
from alphacheck.tracking.base import NullRecorder, Recorder

if TYPE_CHECKING:
    import pandas as pd
    import torch

    from alphacheck.walkforward import WalkForwardResult
    from alphacheck.walkforward.progress import NullProgress

__all__ = ["RunResult", "default_output_dir", "report_run", "run", "staged", "train"]

log = logging.getLogger(__name__)


def default_output_dir(scenario: Scenario, root: Path = Path("runs")) -> Path:
    """``runs/<scenario>-<YYYYmmdd-HHMMSS>``."""
    return root / f"{scenario.name}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def run(
    scenario: Scenario | str | Path,
    output_dir: Path | None = None,
    recorder: Recorder | None = None,
    on_progress: Callable[[str], None] | None = None,
    progress: NullProgress | None = None,
    report: bool = True,
    overwrite: bool = False,
    fresh: bool = False,
    environment: Mapping[str, str] | None = None,
) -> RunResult:
    """Run a scenario end to end and write its run folder.

    Parameters
    ----------
    scenario
        The resolved configuration, or a shipped scenario's name or a YAML
        file, loaded as it is (:func:`alphacheck.run` also applies the
        environment variables and overrides).
    output_dir
        Run folder; created if missing. Defaults to :func:`default_output_dir`.
    recorder
        Experiment tracker; :class:`NullRecorder` when ``None``.
    on_progress
        Receives one line per finished stage or fold.
    progress
        Walk-forward progress bars (``alphacheck.walkforward.progress``); when
        given, they replace the per-fold lines.
    report
        Also draw the plots and quantstats tearsheets; without them the folder
        still gets predictions, returns, metrics, ``summary.md`` and ``index.html``.
    overwrite
        Replace a run already in ``output_dir`` (refused otherwise). The run
        writes into a temporary sibling folder that takes ``output_dir``'s place
        only once everything succeeded (:mod:`alphacheck.rundir.staging`).
    fresh
        Train every fold again instead of reading the fold checkpoints an
        earlier run of the same data, settings and code left.
    environment
        The environment variables that changed a setting, each with its line
        (:func:`alphacheck.scenarios.overrides.environment_changes`): written
        at the top of ``config.yaml`` and logged as ``environment.*`` params.

    Raises
    ------
    AlphacheckError
        For bad configuration, data, device, output folder or tracking store,
        before training; after a failure the message says where the partial
        output is, and ``output_dir`` is as it was.
    """
    from alphacheck.data import load_prices
    from alphacheck.features import build_dataset
    from alphacheck.models import resolve_device, set_cpu_threads

    if not isinstance(scenario, Scenario):
        from alphacheck.scenarios.loader import load_scenario

        scenario = load_scenario(scenario)
    say = on_progress or (lambda message: None)
    recorder = recorder or NullRecorder()
    output_dir = Path(output_dir or default_output_dir(scenario))
    check_target(output_dir, overwrite)  # a folder holding another run is refused before any work
    if report:
        _warm_up_tearsheets(scenario)
    device = resolve_device(scenario.device)
    if scenario.training.checkpoint:  # an unusable ALPHACHECK_HOME fails here, not after the first fold
        from alphacheck.paths import cache_subdir

        cache_subdir("folds")
    set_cpu_threads(device, scenario.training.cpu_threads)
    with profiled("data"):
        prices = load_prices(scenario.data)
    say(f"prices: {_span(prices)} ({scenario.data.source}); building features and labels")
    with profiled("features"):
        datasets = {
            ticker: build_dataset(frame, scenario.features, scenario.backtest.execution)
            for ticker, frame in prices.items()
        }

    def train_and_report(staging: Staging) -> RunResult:
        from alphacheck.tracking.provenance import walkforward_signature

        walk = train(scenario, datasets, device, say, progress, fresh=fresh)
        return report_run(
            scenario, prices, walk, staging, recorder, say, datasets=datasets, device=str(device),
            report=report, signature=walkforward_signature(scenario, prices), environment=environment,
        )

    if not isinstance(recorder, NullRecorder):
        say("opening the MLflow store (creating a new one takes a few seconds)")
    return staged(scenario.name, output_dir, overwrite, recorder, train_and_report)


def staged(
    experiment: str,
    output_dir: Path,
    overwrite: bool,
    recorder: Recorder,
    body: Callable[[Staging], RunResult],
) -> RunResult:
    """Track and stage a run folder around ``body``, which writes into ``staging.work`` and commits it.

    ``run`` and ``alphacheck evaluate`` both write their folder this way: the
    tracker's run ends FINISHED, FAILED or KILLED, and after a failure the
    error names the partial output while ``output_dir`` stays as it was.
    """
    with profiled("tracking"):
        recorder.start(experiment=experiment, run_name=output_dir.name)
    try:
        staging = stage(output_dir, overwrite)
    except BaseException:
        recorder.end("FAILED")
        raise
    try:
        result = body(staging)
    except KeyboardInterrupt as exc:
        recorder.end("KILLED")  # MLflow's status for a run its user stopped
        raise KeyboardInterrupt(staging.describe_partial()) from exc
    except AlphacheckError as exc:
        recorder.end("FAILED")
        if not staging.work.exists():  # a report that failed: the results were moved into place
            raise
        raise type(exc)(f"{exc}; {staging.describe_partial()}") from exc
    except BaseException as exc:
        recorder.end("FAILED")
        exc.add_note(staging.describe_partial())
        raise
    with profiled("tracking"):
        recorder.end("FINISHED")
    return result


def train(
    scenario: Scenario,
    datasets: dict[str, pd.DataFrame],
    device: torch.device,
    say: Callable[[str], None],
    progress: NullProgress | None = None,
    fresh: bool = False,
) -> WalkForwardResult:
    """The training half of a run: the walk-forward of every variant, seeded.

    Says how many folds each variant read from fold checkpoints, and where;
    ``fresh`` trains them all again.

    Returns
    -------
    WalkForwardResult
        Predictions, fold records, the last model of each variant and every fold's model.
    """
    from alphacheck.models import seed_everything
    from alphacheck.walkforward import run_walkforward

    seed_everything(scenario.seed)
    started = time.perf_counter()
    say(f"training {', '.join(v.name for v in scenario.variants)} walk-forward on {device}")
    with profiled("training"):
        walk = run_walkforward(
            datasets,
            scenario,
            device,
            on_fold=None if progress else lambda variant, fold, rec: say(
                f"  {variant} fold {fold.index}: test {rec['test_start']}..{rec['test_end']}, "
                f"{rec['epochs_run']} epochs, {rec['seconds']:.1f}s"
            ),
            progress=progress,
            fresh=fresh,
        )
    for variant, (reused, total) in walk.reused().items():
        say(f"{variant}: {reused} of {total} folds read from the fold checkpoints in "
            f"{walk.checkpoints[variant]} (same data, settings, seed and code); --fresh trains them again")
    say(f"walk-forward done in {time.perf_counter() - started:.0f}s; backtesting")
    return walk


def report_run(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    walk: WalkForwardResult,
    staging: Staging,
    recorder: Recorder,
    say: Callable[[str], None],
    *,
    datasets: dict[str, pd.DataFrame] | None = None,
    device: str = "none",
    report: bool = True,
    signature: str | None = None,
    evaluated: dict[str, Any] | None = None,
    environment: Mapping[str, str] | None = None,
) -> RunResult:
    """Everything after training: backtest, verdicts, stress, portfolio, run folder, report, tracking.

    ``alphacheck run`` calls it with its walk-forward; ``alphacheck evaluate``
    with the predictions of a file (:mod:`alphacheck.evaluate_predictions`), so
    both write their folder through the same functions.

    Parameters
    ----------
    scenario, prices
        The resolved configuration and the prices per ticker.
    walk
        Predictions (with ``label`` and ``fwd_return``), fold records, and the
        models; without fold models the shocks (which predict again) are skipped.
    staging, recorder, say
        Where the run folder is written (:func:`staged`), the tracker and the progress lines.
    datasets
        The features the walk-forward read, for the shocks; ``None`` when nothing was trained.
    device
        Where the models trained, for ``metrics.json``.
    report
        Also draw the plots and tearsheets.
    signature
        The walk-forward's signature (:func:`~alphacheck.tracking.provenance.walkforward_signature`),
        stored with ``predictions.parquet``; when given, the audit includes the run-wide checks of
        this scenario's features and folds, which made the predictions.
    evaluated
        What ``evaluate`` read (the file, its hash, the decision convention, notes): the ``evaluated``
        section of ``metrics.json``.
    environment
        The settings environment variables changed (:func:`run`), atop ``config.yaml`` and in MLflow.
    """
    from alphacheck.judging import assess
    from alphacheck.report.builder import build_report
    from alphacheck.rundir import write_run
    from alphacheck.tracking.record import record_run

    environment = dict(environment or {})
    assessed = assess(
        scenario, prices, walk, say, datasets=datasets, device=device, signature=signature, evaluated=evaluated
    )
    book = assessed.book
    with profiled("write"):
        run = write_run(
            staging.work, scenario, walk.predictions, assessed.evaluation.frame, assessed.metrics, walk.models,
            portfolio=None if book is None else book.frame,
            portfolio_weights=None if book is None else book.weights,
            signature=signature, environment=environment,
        )

    say("writing the report: " + ("plots, tearsheets, " if report else "") + "summary.md, index.html")
    try:
        build_report(run, tearsheets=report, plots=report, on_progress=say)
    except ReportError as exc:  # the results are complete: they take their place, the report can be redrawn
        run.output_dir = staging.commit()
        raise ReportError(str(exc).replace(str(staging.work), str(run.output_dir))) from exc
    run.output_dir = staging.commit()
    if not isinstance(recorder, NullRecorder):
        say("logging the run to MLflow: params, metrics, the run folder's files, a child run per variant")
    with profiled("tracking"):
        record_run(recorder, run, prices, device)
        if environment:
            recorder.log_params({f"environment.{name}": line for name, line in environment.items()})
        run.tracking = recorder.location
    return run


def _span(prices: dict[str, pd.DataFrame]) -> str:
    """"SP500 2015-06-01..2018-12-31, 896 bars", or a count for more than a few tickers."""
    first = min(frame.index[0] for frame in prices.values())
    last = max(frame.index[-1] for frame in prices.values())
    bars = max(len(frame) for frame in prices.values())
    named = ", ".join(prices) if len(prices) <= 8 else f"{len(prices)} tickers"
    return f"{named} {first:%Y-%m-%d}..{last:%Y-%m-%d}, {bars} bars"


def _warm_up_tearsheets(scenario: Scenario) -> None:
    """Start the tearsheet workers' server now when the report will use workers (it imports meanwhile)."""
    from alphacheck.report.tearsheet_pool import warm_up

    which = scenario.report.tearsheets
    variants = len(scenario.variants)
    jobs = variants * max(1, len(scenario.data.tickers)) if which in ("all", "variants") else 0
    if which == "all" and scenario.portfolio is not None:
        jobs += variants
    warm_up(jobs, scenario.report.workers)

