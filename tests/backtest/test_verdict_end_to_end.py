"""Every run prints and stores its verdicts: the default scenario here; four Yahoo tickers with two variants
and their books in tests/cli/test_portfolio_demo.py (one run checks both)."""

from __future__ import annotations

import json

import pytest

from alphacheck.backtest.verdict import LABELS, NO_EDGE


def check_printed_and_stored(
    output: str, run_dir, tickers: list[str], variants: list[str], books: bool = False
) -> dict:
    """The verdicts come before the tables, the summary line last; metrics.json and the report hold them.

    ``books``: the run has a portfolio, one book per variant, judged and counted with the per-ticker strategies.
    """
    strategies = len(tickers) * len(variants) + (len(variants) if books else 0)
    lines = output.rstrip("\n").splitlines()
    assert output.index("Verdict: is there a tradable edge?") < output.index("ticker  strategy")
    assert lines[-1].startswith(f"verdict over {strategies} strategies: ")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    verdict = metrics["verdict"]
    assert sorted(verdict) == sorted([*tickers, *(["portfolio"] if books else [])])
    for ticker in verdict:
        assert sorted(verdict[ticker]) == sorted(variants)
        for variant, record in verdict[ticker].items():
            assert record["label"] in LABELS and record["reasons"], record
            assert f"{ticker} {variant}" in output
            assert record["evidence"]["trials"] == metrics["trials"]["counted"] == strategies
            null = metrics["portfolio_matched_null" if ticker == "portfolio" else "matched_null"]
            null = null[variant] if ticker == "portfolio" else null[ticker][variant]
            assert null["draws"] == null["null_draws_requested"]
    for ticker in tickers:
        for variant in variants:
            assert "dsr" in metrics["metrics"][ticker][variant]
        for baseline in ("buy_and_hold", "always_long", "random"):
            assert not {"psr", "dsr"} & set(metrics["metrics"][ticker][baseline])
    page = (run_dir / "index.html").read_text()
    assert page.index('id="verdict"') < page.index("<table")
    summary = (run_dir / "summary.md").read_text()
    assert summary.index("## Verdict") < summary.index("## Variants and baselines")
    return metrics


@pytest.mark.slow
def test_the_default_scenario_has_no_edge(default_run) -> None:
    out, output = default_run
    metrics = check_printed_and_stored(output, out, ["NASDAQ", "SP500"], ["baseline"])
    for ticker in ("SP500", "NASDAQ"):
        scores = metrics["metrics"][ticker]
        # the premise: after costs the model loses to buy-and-hold on every ticker
        assert scores["baseline"]["sharpe"] < scores["buy_and_hold"]["sharpe"]
        assert metrics["verdict"][ticker]["baseline"]["label"] == NO_EDGE, metrics["verdict"][ticker]
    assert output.rstrip("\n").splitlines()[-1] == "verdict over 2 strategies: 2 no_edge"
