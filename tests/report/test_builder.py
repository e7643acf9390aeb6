"""The report builder: every file from a run folder, and the pages render in Chromium."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.report.builder import build_report
from alphacheck.rundir import read_run

_spec = importlib.util.spec_from_file_location("report_browser", Path(__file__).with_name("browser.py"))
browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(browser)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_read_run_round_trips_returns(run_dir):
    run = read_run(run_dir)
    assert run.variants == ["baseline"] and run.tickers == ["SP500", "NASDAQ"]
    frame = pd.read_parquet(run_dir / "returns.parquet")
    pd.testing.assert_frame_equal(run.returns, frame)
    assert set(run.strategy_returns()) == set(zip(frame["ticker"], frame["variant"]))
    for (ticker, strategy), series in run.strategy_returns().items():
        rows = frame[(frame["ticker"] == ticker) & (frame["variant"] == strategy)].sort_values("date")
        assert series.index.equals(pd.DatetimeIndex(rows["date"]))
        np.testing.assert_array_equal(series.to_numpy(), rows["net_return"].to_numpy())


def test_missing_files_name_the_folder_and_the_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"lacks config.yaml, predictions.parquet, metrics.json; give a folder"):
        read_run(tmp_path)


def test_build_without_tearsheets_writes_summary_plots_and_index(run_dir):
    files = build_report(run_dir, tearsheets=False)
    assert sorted(files.plots) == ["Accuracy per fold", "Cost sensitivity", "Drawdowns", "Equity curves",
                                   "Reliability of P(up): baseline", "Stress windows"]
    for path in files.plots.values():
        assert path.parent == run_dir / "plots" and path.read_bytes()[:8] == PNG_MAGIC
    summary = files.summary.read_text()
    assert summary.startswith("# alphacheck report: fabricated")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    sp500 = metrics["metrics"]["SP500"]["baseline"]
    assert f"| SP500 | baseline | {sp500['accuracy']:.2%} | {sp500['total_return']:.2%} |" in summary
    page = files.index.read_text()
    assert "[baseline](plots/reliability-baseline.png)" in summary
    for anchor in ('id="scenario"', 'id="metrics"', 'id="stress"', 'id="cost_sweep"', 'src="plots/equity.png"',
                   'src="plots/reliability-baseline.png"'):
        assert anchor in page
    assert "tearsheets/" not in page  # none written, none linked


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A fabricated run folder with its full report, tearsheets included (quantstats: ~8 s each)."""
    spec = importlib.util.spec_from_file_location("report_runfolder2", Path(__file__).with_name("runfolder.py"))
    runfolder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runfolder)
    run_dir = runfolder.write_run_folder(tmp_path_factory.mktemp("built") / "run")
    return run_dir, build_report(run_dir)


@pytest.mark.slow
def test_tearsheets_one_per_ticker_and_variant_titled(built):
    run_dir, files = built
    assert sorted(files.tearsheets) == [("NASDAQ", "baseline"), ("SP500", "baseline")]
    text = files.tearsheets[("SP500", "baseline")].read_text()
    assert "fabricated: baseline on SP500, 10 bps per side" in text
    assert "SP500 buy-and-hold" in text
    # quantstats labels the CAGR with U+FE6A SMALL PERCENT SIGN, a box in Chromium's fonts
    assert "CAGR%" in text and "\ufe6a" not in text


@pytest.mark.slow
def test_index_renders_in_chromium_with_tables_images_and_links(built):
    run_dir, files = built
    report = browser.render(files.index)
    assert report["errors"] == []
    # metrics, accuracy per fold, training folds, stress, cost sweep, the tearsheets' namesakes
    assert report["tables"] == 6 and report["rows"] > 10
    # equity, drawdowns, accuracy per fold, cost sensitivity, stress windows, reliability of P(up)
    assert report["images"] == 6 and report["broken"] == []
    files_linked = sorted(link for link in report["links"] if not link.startswith("#g-"))
    assert files_linked == ["tearsheets/NASDAQ-baseline.html", "tearsheets/SP500-baseline.html"]


@pytest.mark.slow
def test_tearsheet_renders_in_chromium(built):
    run_dir, files = built
    report = browser.render(files.tearsheets[("SP500", "baseline")])
    assert report["errors"] == []
    assert report["tables"] >= 3 and report["rows"] > 20
    assert report["images"] + report["svgs"] >= 5 and report["broken"] == []


@pytest.mark.slow
def test_a_broken_image_is_caught(built, tmp_path):
    # The check itself must be able to fail: a page whose plot is missing.
    run_dir, files = built
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "plots" / "equity.png").unlink()
    report = browser.render(copy / "index.html")
    assert len(report["broken"]) == 1 and report["broken"][0].endswith("plots/equity.png")
    assert any("equity.png" in e for e in report["errors"])


@pytest.mark.slow
def test_a_script_error_is_caught(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><head></head><body><table><tr><td>1</td></tr></table>"
                    "<script>notDefinedAnywhere();</script></body></html>")
    report = browser.render(page)
    assert report["tables"] == 1
    assert len(report["errors"]) == 1 and "notDefinedAnywhere" in report["errors"][0]

