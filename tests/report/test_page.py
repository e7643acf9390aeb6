"""index.html as a reader meets it: order, compact tables, a glossary for every figure, readable plots."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from alphacheck.report import plots
from alphacheck.report.builder import build_report
from alphacheck.report.glossary import define, undefined_names
from alphacheck.report.html import Page, page_names
from alphacheck.report.layout import MAX_COLUMNS, RECORDS_ACROSS, page_sections, section_page, stub_days
from alphacheck.report.summary import fold_accuracy
from alphacheck.report.tearsheet_figures import daily_profit_factor, time_in_market

_VERDICT = {"SP500": {"baseline": {"label": "no_edge", "reasons": ["an edge is ruled out"], "evidence": {}}}}


def _with_verdict(run_dir):
    path = run_dir / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["verdict"] = _VERDICT
    path.write_text(json.dumps(metrics))
    return run_dir


def test_page_reads_top_down_scenario_verdict_plots_tables_glossary(run_dir):
    page = build_report(_with_verdict(run_dir), tearsheets=False).index.read_text()
    marks = [
        'id="scenario-line"',
        'id="verdict"',
        'src="plots/equity.png"',
        'src="plots/drawdowns.png"',
        'src="plots/fold_accuracy.png"',
        'id="tables"',
        '<table class="metrics"',
        'src="plots/costs.png"',
        'id="glossary"',
        'id="scenario"',
    ]
    positions = [page.index(mark) for mark in marks]
    assert positions == sorted(positions), dict(zip(marks, positions))
    line = re.search(r'<p class="scenario" id="scenario-line">(.*?)</p>', page).group(1)
    assert line.startswith("fabricated: baseline on SP500, NASDAQ (sample data), out of sample 2018-01-02..")
    assert "3 rolling walk-forward folds (train 200, test 80 trading days)" in line


def test_headline_tables_have_at_most_ten_columns_and_details_hold_every_figure():
    record = {f"figure_{i}": float(i) for i in range(40)} | {"accuracy": 0.5, "sharpe": 1.0}
    section = {"SPY": {f"s{k}": dict(record) for k in range(11)}}
    shown = section_page("metrics", section)
    assert len(shown.headline.columns) <= MAX_COLUMNS
    assert shown.headline.columns[:4] == ["ticker", "strategy", "accuracy", "sharpe"]
    # every figure once per record, at most RECORDS_ACROSS records side by side
    assert [len(t.columns) - 1 for t in shown.full] == [RECORDS_ACROSS, 11 - RECORDS_ACROSS]
    rows = {row[0] for table in shown.full for row in table.rows}
    assert rows == set(record)
    narrow = section_page("audit", {"check": {"verdict": "pass", "summary": "ok"}})
    assert narrow.full == [] and narrow.headline.columns == ["check", "verdict", "summary"]


def test_the_fabricated_run_keeps_every_headline_table_narrow(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    predictions = pd.read_parquet(run_dir / "predictions.parquet")
    for section in page_sections(metrics, predictions, 0.5, 20):
        assert len(section.headline.columns) <= MAX_COLUMNS, section.key
        assert all(len(t.columns) <= RECORDS_ACROSS + 1 for t in section.full), section.key


def test_the_glossary_defines_every_figure_on_the_page(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    predictions = pd.read_parquet(run_dir / "predictions.parquet")
    page = Page("x", "", "", page_sections(metrics, predictions, 0.5, 20))
    names = page_names(page)
    assert {"accuracy", "total_return", "sharpe", "max_drawdown", "epochs_run"} <= names
    assert undefined_names(names) == []
    # the check can fail: a figure nobody defined
    metrics["metrics"]["SP500"]["baseline"]["mystery_ratio"] = 1.0
    page = Page("x", "", "", page_sections(metrics, predictions, 0.5, 20))
    assert undefined_names(page_names(page)) == ["mystery_ratio"]


def test_derived_names_take_their_base_definition():
    assert define("whole_window_sharpe").startswith("over the whole stress window")
    assert define("whole_window_sharpe").endswith(define("sharpe"))
    assert define("sharpe_change") == "change from the unshocked run of: " + define("sharpe")
    assert define("no_such_figure") is None


def test_glossary_states_how_the_tearsheet_namesakes_differ(run_dir):
    path = run_dir / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["metrics"]["SP500"]["baseline"].update(exposure=0.58, max_drawdown_bars=233, profit_factor=0.56)
    path.write_text(json.dumps(metrics))
    page = build_report(run_dir, tearsheets=False).index.read_text()
    glossary = page[page.index('id="glossary"') :]
    for name, theirs in (
        ("exposure", "Time in Market"),
        ("max_drawdown_bars", "Longest DD Days"),
        ("profit_factor", "Profit Factor"),
    ):
        entry = re.search(rf'<dt id="g-{name}">.*?</dd>', glossary, flags=re.DOTALL).group(0)
        assert f"Not the tearsheet's \u201c{theirs}\u201d" in html.unescape(entry)


def test_tearsheet_figures_are_quantstats_own():
    import quantstats as qs
    rng = np.random.default_rng(3)
    for _ in range(5):
        dates = pd.bdate_range("2021-01-01", periods=300)
        series = pd.Series(rng.normal(0, 0.01, 300) * (rng.random(300) < 0.6), index=dates)
        assert time_in_market(series) == qs.stats.exposure(series)
        assert daily_profit_factor(series) == pytest.approx(qs.stats.profit_factor(series), rel=1e-12)


def test_calendar_day_drawdown_counts_as_quantstats_longest_dd_days():
    import quantstats as qs
    from alphacheck.backtest.metrics import max_drawdown_calendar_days, max_drawdown_duration

    rng = np.random.default_rng(4)
    for k in range(8):
        dates = pd.bdate_range("2021-01-01", periods=250)
        series = pd.Series(rng.normal(0.0005, 0.01, 250), index=dates)
        if k % 2:
            series.iloc[0] = -0.02  # a loss on the first bar opens a spell in both
        details = qs.stats.drawdown_details(qs.stats.to_drawdown_series(series))
        expected = float(details["days"].max())
        assert max_drawdown_calendar_days(series.to_numpy(), series.index.to_numpy()) == expected
    # by hand: under water from Friday 2021-01-08 to Tuesday 2021-01-12, 5 calendar days but 3 bars
    dates = pd.to_datetime(["2021-01-07", "2021-01-08", "2021-01-11", "2021-01-12", "2021-01-13"])
    returns = np.array([0.01, -0.02, 0.005, 0.001, 0.05])
    assert max_drawdown_calendar_days(returns, dates.to_numpy()) == 5.0
    assert max_drawdown_duration(returns) == 3


def _curves():
    dates = pd.bdate_range("2021-01-01", periods=50)
    market = pd.Series(np.random.default_rng(5).normal(0, 0.01, 50), index=dates)
    bh = (1 + market).cumprod()
    return {"baseline": (1 + market * 0.5).cumprod(), "buy_and_hold": bh, "always_long": bh * (1 - 0.001)}


def test_every_baseline_line_has_its_own_style_and_a_coinciding_one_says_so():
    ax = Figure().subplots()
    lines = plots.draw_lines(ax, _curves())
    styles = [(line.get_color(), line.get_linestyle(), line.get_linewidth()) for line in lines]
    assert len(set(styles)) == len(styles)
    labels = {line.get_label().split(" ")[0]: line.get_label() for line in lines}
    assert labels["always_long"] == "always_long (coincides with buy_and_hold, within 0.01)"
    assert labels["baseline"] == "baseline" and labels["buy_and_hold"] == "buy_and_hold"
    # buy-and-hold underneath, the variant on top
    order = {line.get_label().split(" ")[0]: line.get_zorder() for line in lines}
    assert order["buy_and_hold"] < order["always_long"] < order["baseline"]


def test_curves_apart_are_not_called_coinciding():
    curves = _curves()
    curves["always_long"] = curves["buy_and_hold"] * 1.05
    assert plots.coinciding(curves) == {}


def _stub_predictions():
    dates = pd.bdate_range("2020-01-01", periods=256)
    rng = np.random.default_rng(6)
    return pd.DataFrame(
        {
            "date": dates,
            "ticker": "X",
            "variant": "v",
            "fold": np.repeat([0, 1, 2], [125, 125, 6]),
            "proba": rng.uniform(0, 1, 256),
            "label": rng.integers(0, 2, 256),
        }
    )


def test_stub_folds_are_marked_and_left_out_of_the_plot(tmp_path, monkeypatch):
    walkforward = type("W", (), {"test_days": 125, "retrain_frequency": None})()
    folds = fold_accuracy(_stub_predictions(), 0.5, stub_days(walkforward, []))
    assert folds["stub"].tolist() == [False, False, True]
    drawn = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: drawn.append(self))
    plots.fold_accuracy_plot(folds, tmp_path / "f.png")
    ax = drawn[0].axes[0]
    plotted = [bars for bars in ax.containers if bars.get_label() == "v X"]
    assert len(plotted) == 1 and len(plotted[0].lines[0].get_xdata()) == 2  # folds 0 and 1 only
    assert "stub folds left out (6 days)" in ax.get_title()


def test_stub_threshold_follows_calendar_folds():
    calendar = type("W", (), {"test_days": 250, "retrain_frequency": "M"})()
    assert stub_days(calendar, [21, 20, 22, 3]) == 21 / 4
