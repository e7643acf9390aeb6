"""Build a run's report from its folder: tearsheets, plots, ``summary.md``, ``index.html``.

The pipeline calls :func:`build_report` after the metrics are written, and
``alphacheck report RUN_DIR`` calls it again later: both read only the run
folder's files, so a report is rebuilt without retraining.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alphacheck.exceptions import AlphacheckError, ReportError
from alphacheck.profiling import profiled
from alphacheck.rundir import (
    INDEX_FILE,
    METRICS_FILE,
    PLOTS_DIR,
    PREDICTIONS_FILE,
    RETURNS_FILE,
    SUMMARY_FILE,
    RunResult,
    portfolio_tearsheet_file,
    read_run,
    tearsheet_file,
)

if TYPE_CHECKING:
    from alphacheck.report.tearsheet_pool import TearsheetJob

__all__ = ["ReportFiles", "build_report", "report_stage"]


@dataclass
class ReportFiles:
    """Paths of what :func:`build_report` wrote, inside the run folder."""

    index: Path
    summary: Path
    plots: dict[str, Path] = field(default_factory=dict)
    tearsheets: dict[tuple[str, str], Path] = field(default_factory=dict)


def build_report(
    run_dir: Path | RunResult,
    tearsheets: bool = True,
    on_progress: Callable[[str], None] | None = None,
    plots: bool = True,
    backtest: bool = False,
) -> ReportFiles:
    """Write every report file of a run folder and return their paths.

    Parameters
    ----------
    run_dir
        A run folder (or one already read with :func:`alphacheck.rundir.read_run`).
    tearsheets
        Also write the quantstats tearsheets the scenario's ``report.tearsheets``
        asks for (seconds each; in worker processes when cores are free, see
        :mod:`alphacheck.report.tearsheet_pool`).
    on_progress
        Receives one line per step.
    plots
        Also draw the PNG plots (``plots/``); ``summary.md`` and ``index.html`` are always written.
    backtest
        For a folder without ``returns.parquet``: reload the prices (may
        download) and re-run the backtest from the predictions. Without it the
        report never does either.

    Raises
    ------
    ConfigError
        When the run folder lacks its config, predictions, metrics or returns.
    ReportError
        When drawing a part fails, naming the part; the run's results stay as they are.
    """
    from alphacheck.report.summary import render_markdown, run_tables
    from alphacheck.report.verdicts import verdict_markdown

    say = on_progress or (lambda message: None)
    run = run_dir if isinstance(run_dir, RunResult) else read_run(Path(run_dir), backtest=backtest)
    threshold = run.scenario.backtest.threshold
    with profiled("summary"), report_stage("the tables", run.output_dir):
        tables = run_tables(run.metrics, run.predictions, threshold)
        folds, min_days = _fold_accuracy(run)
    drawn, written, books = _draw_plots_and_tearsheets(run, folds, plots, tearsheets, say)
    summary = run.output_dir / SUMMARY_FILE
    verdicts = run.metrics.get("verdict") or {}
    verdict_section = verdict_markdown(verdicts) if verdicts else ""
    with profiled("summary"), report_stage("summary.md", run.output_dir):
        summary.write_text(_summary_header(run) + verdict_section + render_markdown(tables))
    index = run.output_dir / INDEX_FILE
    with profiled("summary"), report_stage("index.html", run.output_dir):
        index.write_text(_index_page(run, folds, min_days, drawn, written, books))
    return ReportFiles(index, summary, drawn, written)


def _fold_accuracy(run: RunResult) -> tuple[Any, float]:
    """Accuracy per fold with the stub folds marked, and the stub threshold (days) that marked them."""
    from alphacheck.report.layout import stub_days
    from alphacheck.report.summary import fold_accuracy

    folds = fold_accuracy(run.predictions, run.scenario.backtest.threshold)
    min_days = stub_days(run.scenario.walkforward, folds["n"].tolist() if len(folds) else [])
    if len(folds):
        folds["stub"] = folds["n"] < min_days
    return folds, min_days


def _index_page(
    run: RunResult, folds, min_days: float, plots: dict[str, Path], tearsheets: dict[tuple[str, str], Path],
    books: dict[str, Path],
) -> str:
    """``index.html``'s HTML (see :mod:`alphacheck.report.html` for its layout)."""
    from alphacheck.report.html import Page, render_index
    from alphacheck.report.layout import page_sections
    from alphacheck.report.tearsheet_figures import tearsheet_table
    from alphacheck.report.verdicts import verdict_html

    links = {f"{variant} on {ticker}": path for (ticker, variant), path in tearsheets.items()}
    links.update({f"portfolio of {variant} (against equal weight)": path for variant, path in books.items()})
    verdicts = run.metrics.get("verdict") or {}
    page = Page(
        title=run.scenario.name,
        scenario_line=_scenario_line(run, folds),
        verdicts=verdict_html(verdicts) if verdicts else "",
        sections=page_sections(run.metrics, run.predictions, run.scenario.backtest.threshold, min_days),
        plots=plots,
        tearsheets=links,
        tearsheet_figures=tearsheet_table(
            run.strategy_returns(), run.metrics.get("metrics", {}), list(tearsheets)
        ),
        settings=_settings(run.scenario.model_dump(mode="json"), run.metrics.get("evaluated")),
    )
    return render_index(page, run.output_dir)


def _scenario_line(run: RunResult, folds) -> str:
    """The scenario in one line: what was trained on what, over which dates, how it traded."""
    scenario, walk, backtest = run.scenario, run.scenario.walkforward, run.scenario.backtest
    dates = run.predictions["date"] if len(run.predictions) else None
    span = "no predictions" if dates is None else (
        f"out of sample {dates.min():%Y-%m-%d}..{dates.max():%Y-%m-%d}"
    )
    n_folds = folds["fold"].nunique() if len(folds) else 0
    stubs = sorted(set(folds.loc[folds["stub"], "n"])) if len(folds) else []
    stub = f", the last one a {stubs[0]}-day stub" if len(stubs) == 1 else ""
    length = (f"one per {_PERIODS[walk.retrain_frequency]}" if walk.retrain_frequency
              else f"test {walk.test_days}")
    made = (f"in {n_folds} {walk.mode} walk-forward folds (train {walk.train_days}, {length} trading days"
            f"{stub})")
    evaluated = run.metrics.get("evaluated")
    if evaluated:  # nothing was trained: the scenario's folds did not make these predictions
        made = f"read from {evaluated['source']} (alphacheck evaluate)"
    return (
        f"{scenario.name}: {', '.join(run.variants)} on {', '.join(run.tickers)} "
        f"({scenario.data.source} data), "
        f"{span} {made}; filled at {backtest.execution.replace('_', ' ')}, long when P(up) > "
        f"{backtest.threshold:g}, {run.costs_bps:g} bps per side; seed {scenario.seed}."
    )


_PERIODS = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def _settings(scenario: dict[str, Any], evaluated: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scenario's settings for the page; for ``evaluate``, the file's variants and decision instead."""
    backtest, data = scenario.get("backtest", {}), scenario.get("data", {})
    walk = scenario.get("walkforward", {})
    settings = {
        "description": scenario.get("description", ""),
        "data": f"{data.get('source')}: {', '.join(data.get('tickers', []))}, "
        f"{data.get('start') or 'first bar'} to {data.get('end') or 'last bar'}",
        "variants": ", ".join(v["name"] for v in scenario.get("variants", [])),
        "walk-forward": f"{walk.get('mode')}: train {walk.get('train_days')} / "
        f"test {walk.get('test_days')} days, "
        f"purge {walk.get('purge_days')}, embargo {walk.get('embargo_days')}, validation "
        f"{walk.get('validation_days')}, sequence length {walk.get('sequence_length')}",
        "training": ", ".join(f"{k} {v}" for k, v in scenario.get("training", {}).items()),
        "execution": f"{backtest.get('execution')}, {backtest.get('policy')}, long when P(up) > "
        f"{backtest.get('threshold')}",
        "costs per side": f"fees {backtest.get('fees_bps')} bps + "
        f"slippage {backtest.get('slippage_bps')} bps",
        "seed": scenario.get("seed"),
    }
    if evaluated:  # nothing was trained: the scenario's variants, folds and training did not make them
        settings["variants"] = ", ".join(evaluated["variants"])
        settings["walk-forward"] = f"none: predictions read from {evaluated['source']}"
        settings["training"] = "none"
        settings["decision"] = evaluated["decision"]
    return settings


def _draw_plots_and_tearsheets(
    run: RunResult, folds, plots: bool, tearsheets: bool, say: Callable[[str], None]
) -> tuple[dict[str, Path], dict[tuple[str, str], Path], dict[str, Path]]:
    """The plots, the tearsheets of each (ticker, variant) and of each book: title or key -> path.

    The tearsheets start first, in worker processes when cores are free, and
    are collected once the plots are drawn. A tearsheet not drawn by this build
    (``report.tearsheets``, or ``tearsheets=False``) keeps its link when an
    earlier build wrote it.
    """
    from alphacheck.report.tearsheet_pool import TearsheetBatch, tearsheet_workers

    which = run.scenario.report.tearsheets if tearsheets else "none"
    jobs, books = _tearsheet_jobs(run, which), _book_jobs(run, which)
    if jobs or books:
        say(f"writing {len(jobs) + len(books)} tearsheet(s)")
    every = [*jobs.values(), *books.values()]
    pending = TearsheetBatch(every, tearsheet_workers(len(every), run.scenario.report.workers))
    try:
        with profiled("tearsheets"):
            pending.start()
        drawn = {}
        if plots:
            say("writing plots")
            with profiled("plots"):
                drawn = _write_plots(run, folds)
                drawn.update(_portfolio_plots(run))
        with profiled("tearsheets"):
            paths = iter(pending.finish(lambda label: report_stage(label, run.output_dir)))
    except BaseException:
        pending.close()
        raise
    written = {key: next(paths) for key in jobs}
    written.update({(t, v): tearsheet_file(run.output_dir, t, v) for t in run.tickers for v in run.variants
                    if (t, v) not in written and tearsheet_file(run.output_dir, t, v).is_file()})
    drawn_books = {variant: next(paths) for variant in books}
    if run.portfolio is not None:
        drawn_books.update({v: portfolio_tearsheet_file(run.output_dir, v) for v in run.variants
                            if v not in drawn_books and portfolio_tearsheet_file(run.output_dir, v).is_file()})
    return drawn, written, drawn_books


def _tearsheet_jobs(run: RunResult, which: str) -> dict[tuple[str, str], TearsheetJob]:
    """Each variant on each ticker against buy-and-hold, unless ``report.tearsheets`` is ``none``."""
    from alphacheck.report.tearsheet_pool import TearsheetJob

    if which not in ("all", "variants"):
        return {}
    returns = run.strategy_returns()
    return {
        (ticker, variant): TearsheetJob(
            label=f"the tearsheet of {variant} on {ticker}",
            strategy=returns[(ticker, variant)],
            benchmark=returns[(ticker, "buy_and_hold")],
            path=tearsheet_file(run.output_dir, ticker, variant),
            title=f"{run.scenario.name}: {variant} on {ticker}, {run.costs_bps:g} bps per side",
            strategy_name=f"{variant} strategy",
            benchmark_name=f"{ticker} buy-and-hold",
        )
        for ticker in run.tickers
        for variant in run.variants
    }


def _book_jobs(run: RunResult, which: str) -> dict[str, TearsheetJob]:
    """Each portfolio book against equal weight, with ``report.tearsheets: all`` and a portfolio."""
    if which != "all" or run.portfolio is None:
        return {}
    from alphacheck.report.portfolio import portfolio_tearsheet_jobs

    title = f"{run.scenario.name}, {len(run.tickers)} tickers"
    jobs = portfolio_tearsheet_jobs(run.portfolio, run.variants, run.output_dir, title)
    return dict(zip(run.variants, jobs, strict=True))


def _portfolio_plots(run: RunResult) -> dict[str, Path]:
    """The books' plots, when the run has a portfolio."""
    if run.portfolio is None or run.portfolio_weights is None:
        return {}
    from alphacheck.report.portfolio import write_portfolio_plots

    books, weights = run.portfolio, run.portfolio_weights
    with report_stage("the portfolio plots", run.output_dir):
        return write_portfolio_plots(books, weights, run.variants, run.output_dir / PLOTS_DIR)


def _write_plots(run: RunResult, folds) -> dict[str, Path]:
    from alphacheck.report import plots as p
    from alphacheck.report.summary import section_frame

    folder = run.output_dir / PLOTS_DIR
    returns = run.strategy_returns()
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("Equity curves", lambda: p.equity_plot(returns, run.tickers, folder / "equity.png")),
        ("Drawdowns", lambda: p.drawdown_plot(returns, run.tickers, folder / "drawdowns.png")),
        ("Accuracy per fold", lambda: p.fold_accuracy_plot(folds, folder / "fold_accuracy.png")),
    ]
    if "cost_sweep" in run.metrics:
        sweep = section_frame("cost_sweep", run.metrics["cost_sweep"])
        steps.append(("Cost sensitivity", lambda: p.cost_sensitivity_plot(sweep, folder / "costs.png")))
    steps.append(("Reliability of P(up)", lambda: _reliability_plots(run, folder)))
    if "stress" in run.metrics:
        stress = section_frame("stress", run.metrics["stress"])
        steps.append(("Stress windows", lambda: p.stress_plot(stress, folder / "stress.png")))
    written: dict[str, Path] = {}
    for title, draw in steps:
        with report_stage(f"the plot {title!r}", run.output_dir):
            drawn = draw()
        if isinstance(drawn, dict):
            written.update(drawn)
        elif drawn is not None:
            written[title] = drawn
    return written


@contextlib.contextmanager
def report_stage(stage: str, run_path: Path) -> Iterator[None]:
    """Turn a failure while drawing ``stage`` into a :class:`ReportError` that names it.

    The run's results are on disk before the report is drawn; the message
    says where, and how to draw the report again from them.
    """
    try:
        yield
    except AlphacheckError:
        raise
    except Exception as exc:
        raise ReportError(
            f"drawing the report failed at {stage} ({type(exc).__name__}: {exc}); the results are kept in "
            f"{run_path} ({PREDICTIONS_FILE}, {RETURNS_FILE}, {METRICS_FILE}): draw the report again with "
            f"`alphacheck report {run_path}`"
        ) from exc


def _reliability_plots(run: RunResult, folder: Path) -> dict[str, Path]:
    """``plots/reliability-<variant>.png`` for each variant, from the saved predictions."""
    from alphacheck.backtest.reliability import reliability_section
    from alphacheck.report.plots import reliability_plot

    written = {}
    for variant, bins in reliability_section(run.predictions).items():
        path = reliability_plot(bins, variant, folder / f"reliability-{variant}.png")
        if path is not None:
            written[f"Reliability of P(up): {variant}"] = path
    return written


def _summary_header(run: RunResult) -> str:
    backtest = run.scenario.backtest
    return (
        f"# alphacheck report: {run.scenario.name}\n\n"
        f"{run.scenario.description}\n\n"
        f"- tickers: {', '.join(run.tickers)}; variants: {', '.join(run.variants)}\n"
        f"- execution {backtest.execution}, long when P(up) > {backtest.threshold:g}, "
        f"costs {backtest.fees_bps:g} + {backtest.slippage_bps:g} bps per side\n"
        f"- seed {run.scenario.seed}; returns compounded, 252 periods a year\n"
        + _proba_line(run)
        + ", ".join(f"[{v}](plots/reliability-{v}.png)" for v in run.variants)
        + "\n\n"
    )


def _proba_line(run: RunResult) -> str:
    """Where P(up) came from: the walk-forward's calibrated models, or a file given to ``evaluate``."""
    evaluated = run.metrics.get("evaluated")
    if evaluated:
        return (
            f"- P(up) as read from {evaluated['source']} (alphacheck evaluate: {evaluated['decision']}); "
            "reliability plots: "
        )
    return (
        f"- P(up) is calibrated per fold on its validation tail "
        f"(training.calibration: {run.scenario.training.calibration}); reliability plots: "
    )
