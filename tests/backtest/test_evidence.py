"""gather_evidence: each figure of a verdict's evidence against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from arch.bootstrap import SPA

from alphacheck.audit.verdict import Check
from alphacheck.backtest.evidence import StrategyRecord, gather_evidence, judge_run
from alphacheck.backtest.trials import count_trials
from alphacheck.backtest.verdict import LEAK_SUSPECTED, NO_EDGE, decide


def make_returns(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    benchmark = rng.normal(0.0004, 0.011, n)
    held = rng.random(n) < 0.5
    return np.where(held, benchmark, 0.0) - 0.0001 * held, benchmark


def gather(returns, benchmark, **overrides):
    arguments = dict(
        trials=count_trials({"s": returns}),
        null_sharpes=np.linspace(-1.0, 1.0, 201),
        cost_sweep=([0.0, 10.0, 20.0], [1.0, 0.5, -0.5]),
        cost_bps=10.0,
        n_predictions=len(returns),
        exposure=0.5,
        classification={"accuracy": 0.51, "majority_rate": 0.53, "binomial_p_value": 0.9},
        reps=300,
        seed=5,
    )
    arguments.update(overrides)
    return gather_evidence(returns, benchmark, **arguments)


def sharpe(r: np.ndarray) -> float:
    return float(np.mean(r) / np.std(r, ddof=1) * math.sqrt(252))


def test_figures_agree_with_independent_computations() -> None:
    returns, benchmark = make_returns()
    evidence = gather(returns, benchmark)
    assert evidence.sharpe == pytest.approx(sharpe(returns), rel=1e-12)
    assert evidence.benchmark_sharpe == pytest.approx(sharpe(benchmark), rel=1e-12)
    # the break-even cost is where the sweep's Sharpe falls to buy-and-hold's (it is above 0 here)
    hurdle = sharpe(benchmark)
    assert hurdle > 0
    expected = 10.0 + (0.5 - hurdle) / (0.5 + 0.5) * 10.0 if hurdle < 0.5 else (1.0 - hurdle) / 0.5 * 10.0
    assert evidence.break_even_bps == pytest.approx(expected, rel=1e-12)
    # SPA of this one strategy against buy-and-hold, from arch directly
    spa = SPA(-benchmark, -returns[:, None], reps=300, block_size=10.0, seed=np.random.default_rng(5))
    spa.compute()
    assert evidence.spa_p_value == pytest.approx(float(spa.pvalues.iloc[1]))
    # the null's draws are -1.00, -0.99, ..., 1.00: the percentile is the share below the Sharpe
    below = np.sum(np.linspace(-1.0, 1.0, 201) < evidence.sharpe)
    assert evidence.null_percentile == pytest.approx(100 * below / 201)
    assert evidence.null_quantile == pytest.approx(0.9)
    assert (evidence.null_draws, evidence.deflated_kind, evidence.trials) == (201, "psr", 1)
    low, high = evidence.excess_sharpe_ci
    assert low < evidence.sharpe - evidence.benchmark_sharpe < high


def test_the_hurdle_is_zero_sharpe_when_buy_and_hold_loses() -> None:
    returns, benchmark = make_returns(seed=1)
    benchmark = benchmark - 0.002  # buy-and-hold now loses money
    evidence = gather(returns, benchmark)
    assert evidence.benchmark_sharpe < 0
    assert evidence.break_even_bps == pytest.approx(15.0)  # the sweep crosses Sharpe 0 halfway from 10 to 20


def test_declared_trials_make_the_figure_a_dsr() -> None:
    returns, benchmark = make_returns(seed=2)
    one = gather(returns, benchmark)
    many = gather(returns, benchmark, trials=count_trials({"s": returns}, declared=20))
    assert (many.deflated_kind, many.trials) == ("dsr", 21)
    assert many.deflated_sharpe < one.deflated_sharpe


def test_a_strategy_that_holds_the_market_half_the_time_at_a_cost_has_no_edge() -> None:
    returns, benchmark = make_returns(n=4000, seed=3)
    verdict = decide(gather(returns, benchmark, n_predictions=4000, null_sharpes=np.full(200, 0.3)))
    assert verdict.label == NO_EDGE, verdict.reasons


def test_a_flat_strategy_has_undefined_figures_not_errors() -> None:
    _, benchmark = make_returns()
    evidence = gather(np.zeros(len(benchmark)), benchmark, exposure=0.0)
    assert (
        math.isnan(evidence.sharpe)
        and math.isnan(evidence.spa_p_value)
        and math.isnan(evidence.null_percentile)
    )
    assert decide(evidence).reasons[0] == "it never held a position"


def record(seed: int, **overrides) -> StrategyRecord:
    returns, benchmark = make_returns(n=1200, seed=seed)
    fields = dict(
        returns=returns,
        benchmark_returns=benchmark,
        null_sharpes=np.linspace(-1.0, 1.0, 101),
        cost_sweep=([0.0, 10.0, 20.0], [1.0, 0.5, -0.5]),
        n_predictions=1200,
        exposure=0.5,
        classification={"accuracy": 0.51, "majority_rate": 0.53, "binomial_p_value": 0.9},
    )
    fields.update(overrides)
    return StrategyRecord(**fields)


def test_a_run_is_deflated_by_all_its_strategies_and_each_gets_a_verdict() -> None:
    records = {("SPY", "baseline"): record(1), ("QQQ", "baseline"): record(2)}
    trials, verdicts = judge_run(records, declared_trials=3, cost_bps=10.0, reps=200, seed=1)
    assert (trials.in_run, trials.counted) == (2, 5)
    assert list(verdicts) == ["SPY", "QQQ"]
    for ticker in verdicts:
        evidence = verdicts[ticker]["baseline"].evidence
        assert (evidence.deflated_kind, evidence.trials) == ("dsr", 5)
        assert evidence.audit == ()
        assert verdicts[ticker]["baseline"].reasons[0] != ""


def test_a_failed_run_check_or_a_too_good_strategy_is_a_suspected_leak() -> None:
    too_good = Check("too_good_to_be_true", "warn", "review before trusting: leaky on SPY: accuracy 90.2%")
    records = {("SPY", "leaky"): record(1, audit=(too_good,)), ("SPY", "plain"): record(2)}
    _, verdicts = judge_run(records, 0, 10.0, reps=200)
    assert verdicts["SPY"]["leaky"].label == LEAK_SUSPECTED
    assert verdicts["SPY"]["plain"].label != LEAK_SUSPECTED
    failed = Check("prediction_causality", "fail", "predictions change when later prices are added")
    _, verdicts = judge_run(records, 0, 10.0, reps=200, audit=(failed,))
    assert {v.label for v in verdicts["SPY"].values()} == {LEAK_SUSPECTED}
    assert verdicts["SPY"]["plain"].reasons[0] == (
        "audit check prediction_causality failed: predictions change when later prices are added"
    )


def test_a_portfolio_book_is_judged_against_its_own_benchmark() -> None:
    records = {("portfolio", "baseline"): record(4, benchmark_name="equal_weight", classification=None)}
    _, verdicts = judge_run(records, 0, 10.0, reps=200)
    evidence = verdicts["portfolio"]["baseline"].evidence
    assert evidence.benchmark == "equal_weight" and math.isnan(evidence.accuracy)
    assert any("SPA test against equal_weight" in r for r in verdicts["portfolio"]["baseline"].reasons)
