"""Every run prints and stores its verdicts: the default scenario, and four Yahoo tickers with two variants."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from alphacheck.backtest.verdict import LABELS, NO_EDGE
from alphacheck.cli.main import cli

YAHOO_TICKERS = ["SPY", "AAPL", "MSFT", "XBI"]
YAHOO_SCENARIO = {
    "name": "four_tickers",
    "description": "SPY, AAPL, MSFT and XBI 2018-2023 (Yahoo), two variants.",
    "seed": 5,
    "device": "cpu",
    "data": {"source": "yahoo", "tickers": YAHOO_TICKERS, "start": "2018-01-01", "end": "2023-12-31"},
    "walkforward": {"train_days": 500, "test_days": 250, "purge_days": 2, "validation_days": 100,
                    "sequence_length": 10},
    "training": {"epochs": 2, "batch_size": 128, "patience": 1},
    "variants": ["baseline", "lightweight"],
    "backtest": {"null_draws": 100, "bootstrap_reps": 300},
}


def check_printed_and_stored(output: str, run_dir, tickers: list[str], variants: list[str]) -> dict:
    """The verdicts come before the tables, the summary line last; metrics.json and the report hold them."""
    lines = output.rstrip("\n").splitlines()
    assert output.index("Verdict: is there a tradable edge?") < output.index("ticker  strategy")
    assert lines[-1].startswith(f"verdict over {len(tickers) * len(variants)} strategies: ")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    verdict = metrics["verdict"]
    assert sorted(verdict) == sorted(tickers)
    for ticker in tickers:
        assert sorted(verdict[ticker]) == sorted(variants)
        for variant, record in verdict[ticker].items():
            assert record["label"] in LABELS and record["reasons"], record
            assert f"{ticker} {variant}" in output
            assert record["evidence"]["trials"] == metrics["trials"]["counted"] == len(tickers) * len(variants)
            assert metrics["matched_null"][ticker][variant]["draws"] == metrics["matched_null"][ticker][variant][
                "null_draws_requested"
            ]
            assert "dsr" in metrics["metrics"][ticker][variant]
        for baseline in ("buy_and_hold", "always_long", "random"):
            assert not {"psr", "dsr"} & set(metrics["metrics"][ticker][baseline])
    page = (run_dir / "index.html").read_text()
    assert page.index('id="verdict"') < page.index("<table")
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


@pytest.mark.slow
def test_four_yahoo_tickers_and_two_variants_get_eight_verdicts(shared_yahoo_dir, tmp_path, isolated_home) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["data", "import", *[str(shared_yahoo_dir / f"{t}.csv") for t in YAHOO_TICKERS]])
    assert result.exit_code == 0, result.output
    scenario = tmp_path / "four.yaml"
    scenario.write_text(yaml.safe_dump(YAHOO_SCENARIO))
    out = tmp_path / "run"
    result = runner.invoke(cli, ["run", str(scenario), "--no-tracking", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    check_printed_and_stored(result.output, out, YAHOO_TICKERS, ["baseline", "lightweight"])
    summary = (out / "summary.md").read_text()
    assert summary.index("## Verdict") < summary.index("## Variants and baselines")
