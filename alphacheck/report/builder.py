"""Build a run's report from its folder: tearsheets, plots, ``summary.md``, ``index.html``.

The pipeline calls :func:`build_report` after the metrics are written, and
``alphacheck report RUN_DIR`` calls it again later: both read only the run
folder's files, so a report is rebuilt without retraining.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alphacheck.report.rundir import RunFolder, read_run_folder

__all__ = ["ReportFiles", "build_report", "tearsheet_name"]


@dataclass
class ReportFiles:
    """Paths of what :func:`build_report` wrote, inside the run folder."""

    index: Path
    summary: Path
    plots: dict[str, Path] = field(default_factory=dict)
    tearsheets: dict[tuple[str, str], Path] = field(default_factory=dict)


def tearsheet_name(ticker: str, variant: str) -> str:
    """File name of the tearsheet of ``variant`` on ``ticker``."""
    return f"{ticker}-{variant}.html"


def build_report(
    run_dir: Path | RunFolder,
    tearsheets: bool = True,
    on_progress: Callable[[str], None] | None = None,
    plots: bool = True,
) -> ReportFiles:
    """Write every report file of a run folder and return their paths.

    Parameters
    ----------
    run_dir
        A run folder (or one already read with :func:`read_run_folder`).
    tearsheets
        Also write the quantstats tearsheets (about 8 s each).
    on_progress
        Receives one line per step.
    plots
        Also draw the PNG plots (``plots/``); ``summary.md`` and ``index.html`` are always written.

    Raises
    ------
    ConfigError
        When the run folder lacks its config, predictions or metrics.
    """
    from alphacheck.report.html import render_index
    from alphacheck.report.summary import fold_accuracy, render_markdown, run_tables
    from alphacheck.report.verdicts import verdict_html, verdict_markdown

    say = on_progress or (lambda message: None)
    run = run_dir if isinstance(run_dir, RunFolder) else read_run_folder(Path(run_dir))
    threshold = run.scenario.backtest.threshold
    tables = run_tables(run.metrics, run.predictions, threshold)
    drawn = {}
    if plots:
        say("writing plots")
        drawn = _write_plots(run, fold_accuracy(run.predictions, threshold))
    written = {}
    if tearsheets:
        say(f"writing {len(run.tickers) * len(run.variants)} tearsheet(s)")
        written = _write_tearsheets(run)
    config = run.scenario.model_dump(mode="json")
    summary = run.path / "summary.md"
    verdicts = run.metrics.get("verdict") or {}
    verdict_section = verdict_markdown(verdicts) if verdicts else ""
    summary.write_text(_summary_header(run) + verdict_section + render_markdown(tables))
    index = run.path / "index.html"
    links = {f"{variant} on {ticker}": path for (ticker, variant), path in written.items()}
    if not tearsheets:  # keep links to tearsheets written by an earlier build
        links = {f"{v} on {t}": run.path / "tearsheets" / tearsheet_name(t, v)
                 for t in run.tickers for v in run.variants
                 if (run.path / "tearsheets" / tearsheet_name(t, v)).is_file()}
    block = verdict_html(verdicts) if verdicts else ""
    index.write_text(render_index(config, tables, drawn, links, run.path, block))
    return ReportFiles(index, summary, drawn, written)


def _write_plots(run: RunFolder, folds) -> dict[str, Path]:
    from alphacheck.report import plots as p
    from alphacheck.report.summary import section_frame

    folder = run.path / "plots"
    written = {
        "Equity curves": p.equity_plot(run.returns, run.tickers, folder / "equity.png"),
        "Drawdowns": p.drawdown_plot(run.returns, run.tickers, folder / "drawdowns.png"),
        "Accuracy per fold": p.fold_accuracy_plot(folds, folder / "fold_accuracy.png"),
    }
    if "cost_sweep" in run.metrics:
        path = p.cost_sensitivity_plot(section_frame("cost_sweep", run.metrics["cost_sweep"]), folder / "costs.png")
        if path is not None:
            written["Cost sensitivity"] = path
    if "stress" in run.metrics:
        path = p.stress_plot(section_frame("stress", run.metrics["stress"]), folder / "stress.png")
        if path is not None:
            written["Stress windows"] = path
    return written


def _write_tearsheets(run: RunFolder) -> dict[tuple[str, str], Path]:
    from alphacheck.report.tearsheet import write_tearsheet

    written = {}
    for ticker in run.tickers:
        benchmark = run.returns[(ticker, "buy_and_hold")]
        for variant in run.variants:
            written[(ticker, variant)] = write_tearsheet(
                run.returns[(ticker, variant)],
                benchmark,
                run.path / "tearsheets" / tearsheet_name(ticker, variant),
                title=f"{run.scenario.name}: {variant} on {ticker}, {run.costs_bps:g} bps per side",
                strategy_name=f"{variant} strategy",
                benchmark_name=f"{ticker} buy-and-hold",
            )
    return written


def _summary_header(run: RunFolder) -> str:
    backtest = run.scenario.backtest
    return (
        f"# alphacheck report: {run.scenario.name}\n\n"
        f"{run.scenario.description}\n\n"
        f"- tickers: {', '.join(run.tickers)}; variants: {', '.join(run.variants)}\n"
        f"- execution {backtest.execution}, long when P(up) > {backtest.threshold:g}, "
        f"costs {backtest.fees_bps:g} + {backtest.slippage_bps:g} bps per side\n"
        f"- seed {run.scenario.seed}; returns compounded, 252 periods a year\n\n"
    )
