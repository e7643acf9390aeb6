"""The verdicts come first: terminal block and summary line, summary.md and index.html."""

from __future__ import annotations

import json

from alphacheck.report.builder import build_report
from alphacheck.report.verdicts import format_verdicts, verdict_html, verdict_markdown, verdict_summary

SECTION = {
    "SP500": {
        "baseline": {
            "label": "no_edge",
            "reasons": ["an edge is ruled out: the 95% interval of its Sharpe, -0.55..0.24, ends below 0.5",
                        "PSR 0.23 (1 trial: nothing to deflate) below 0.95"],
            "evidence": {"sharpe": -0.17},
        },
        "enhanced": {"label": "edge", "reasons": ["DSR 0.97 over 4 trials >= 0.95"], "evidence": {}},
    },
    "NASDAQ": {
        "baseline": {"label": "leak_suspected", "reasons": ["too good to be true: <accuracy> 90%"], "evidence": {}},
        "enhanced": {"label": "no_edge", "reasons": ["it never held a position"], "evidence": {}},
    },
}


def test_terminal_block_names_each_strategy_its_label_and_reasons() -> None:
    assert format_verdicts(SECTION).splitlines() == [
        'Verdict: is there a tradable edge? (rules: README, "The verdict")',
        "SP500 baseline   NO_EDGE",
        "                 - an edge is ruled out: the 95% interval of its Sharpe, -0.55..0.24, ends below 0.5",
        "                 - PSR 0.23 (1 trial: nothing to deflate) below 0.95",
        "SP500 enhanced   EDGE",
        "                 - DSR 0.97 over 4 trials >= 0.95",
        "NASDAQ baseline  LEAK_SUSPECTED",
        "                 - too good to be true: <accuracy> 90%",
        "NASDAQ enhanced  NO_EDGE",
        "                 - it never held a position",
    ]


def test_summary_line_counts_labels_and_names_the_ones_to_act_on() -> None:
    assert verdict_summary(SECTION) == (
        "verdict over 4 strategies: 1 leak_suspected (baseline on NASDAQ), 1 edge (enhanced on SP500), 2 no_edge"
    )
    one = {"SPY": {"baseline": SECTION["SP500"]["baseline"]}}
    assert verdict_summary(one) == "verdict over 1 strategy: 1 no_edge"


def test_markdown_and_html_escape_and_keep_every_reason() -> None:
    markdown = verdict_markdown(SECTION)
    assert markdown.startswith("## Verdict: is there a tradable edge?\n\nverdict over 4 strategies")
    assert "| SP500 | baseline | **no_edge** | an edge is ruled out" in markdown
    assert "<br>PSR 0.23 (1 trial: nothing to deflate) below 0.95 |" in markdown
    page = verdict_html(SECTION)
    assert "too good to be true: &lt;accuracy&gt; 90%" in page
    assert page.count('<div class="verdict') == 4 and '<div class="verdict leak_suspected">' in page


def test_report_shows_the_verdicts_above_every_table(run_dir) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    metrics["verdict"] = {"SP500": {"baseline": SECTION["SP500"]["baseline"]},
                          "NASDAQ": {"baseline": SECTION["NASDAQ"]["enhanced"]}}
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    files = build_report(run_dir, tearsheets=False)
    page = files.index.read_text()
    assert page.index('id="scenario-line"') < page.index('id="verdict"') < page.index("<table")
    assert "verdict over 2 strategies: 2 no_edge" in page
    summary = files.summary.read_text()
    assert summary.index("## Verdict") < summary.index("| ticker | strategy | accuracy")
    assert "| level 1" not in summary and "# Verdict\n" not in summary  # not flattened into a generic table


def test_a_run_without_verdicts_still_builds(run_dir) -> None:
    files = build_report(run_dir, tearsheets=False)
    assert 'id="verdict"' not in files.index.read_text()
    assert "## Verdict" not in files.summary.read_text()
