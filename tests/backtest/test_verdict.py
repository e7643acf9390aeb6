"""The verdict rules, one at a time, on evidence written by hand."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from alphacheck.audit.verdict import Check
from alphacheck.backtest.verdict import (
    EDGE,
    INCONCLUSIVE,
    LEAK_SUSPECTED,
    NO_EDGE,
    Evidence,
    decide,
)

#: A strategy that passes every gate: an edge.
STRONG = Evidence(
    n_predictions=1500,
    exposure=0.55,
    sharpe=1.40,
    sharpe_ci=(0.70, 2.10),
    benchmark_sharpe=0.40,
    excess_sharpe_ci=(0.30, 1.70),
    deflated_sharpe=0.97,
    deflated_kind="dsr",
    trials=8,
    spa_p_value=0.01,
    null_percentile=99.0,
    null_quantile=0.60,
    null_draws=200,
    break_even_bps=24.0,
    cost_bps=10.0,
    accuracy=0.54,
    majority_rate=0.53,
    binomial_p_value=0.2,
)


def with_(**changes) -> Evidence:
    return dataclasses.replace(STRONG, **changes)


def test_every_gate_passed_is_an_edge_and_each_gate_is_quoted() -> None:
    verdict = decide(STRONG)
    assert verdict.label == EDGE
    assert verdict.reasons == (
        "DSR 0.97 over 8 trials >= 0.95",
        "SPA test against buy-and-hold: p = 0.010 (below 0.05)",
        "Sharpe 1.40 above 99% of 200 circular shifts of its own positions (needs 95%; their 95% quantile 0.60)",
        "break-even cost 24.0 bps per side (Sharpe falls to 0.40), above the 10 bps charged",
    )


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"deflated_sharpe": 0.94}, "DSR 0.94 over 8 trials below 0.95"),
        ({"deflated_sharpe": math.nan}, "DSR undefined over 8 trials below 0.95"),
        ({"spa_p_value": 0.05}, "SPA test against buy-and-hold: p = 0.050 (not below 0.05)"),
        ({"null_percentile": 94.5}, "Sharpe 1.40 above 94% of 200 circular shifts"),
        ({"break_even_bps": 10.0}, "break-even cost 10.0 bps per side (Sharpe falls to 0.40), not above"),
    ],
)
def test_one_failing_gate_is_no_edge(changes, failing) -> None:
    # The intervals still allow an edge of 0.5: with one gate failing, the label is inconclusive...
    verdict = decide(with_(**changes))
    assert verdict.label == INCONCLUSIVE
    assert any(failing in reason for reason in verdict.reasons), verdict.reasons
    # ...and no_edge once the excess over buy-and-hold is known to stay below 0.5.
    ruled_out = decide(with_(excess_sharpe_ci=(-0.3, 0.45), **changes))
    assert ruled_out.label == NO_EDGE
    assert ruled_out.reasons[0] == (
        "an edge over buy-and-hold is ruled out: the 95% interval of its Sharpe minus buy-and-hold's "
        "(0.40), -0.30..0.45, ends below 0.5"
    )


def test_a_break_even_beyond_the_sweep_is_a_lower_bound() -> None:
    verdict = decide(with_(break_even_bps=50.0, break_even_status="above_sweep"))
    assert verdict.reasons[3] == (
        "break-even cost at least 50.0 bps per side (Sharpe falls to 0.40), above the 10 bps charged"
    )


def test_one_trial_is_labelled_psr() -> None:
    verdict = decide(with_(deflated_kind="psr", trials=1, deflated_sharpe=0.99))
    assert verdict.reasons[0] == "PSR 0.99 (1 trial: nothing to deflate) >= 0.95"
    assert not any("DSR" in r for r in verdict.reasons)


def test_a_sharpe_interval_below_the_meaningful_edge_is_no_edge() -> None:
    # The default scenario's SP500 figures: Sharpe -0.17 (-0.55..0.24) against buy-and-hold's 0.26.
    verdict = decide(
        with_(
            sharpe=-0.17,
            sharpe_ci=(-0.55, 0.24),
            benchmark_sharpe=0.26,
            excess_sharpe_ci=(-0.8, 0.6),
            deflated_sharpe=0.23,
            spa_p_value=0.52,
            null_percentile=20.0,
            break_even_bps=0.0,
        )
    )
    assert verdict.label == NO_EDGE
    assert verdict.reasons[0] == (
        "an edge is ruled out: the 95% interval of its Sharpe, -0.55..0.24, ends below 0.5"
    )


def test_wide_intervals_are_inconclusive() -> None:
    verdict = decide(
        with_(
            n_predictions=250,
            sharpe=0.8,
            sharpe_ci=(-1.2, 2.9),
            excess_sharpe_ci=(-1.0, 2.2),
            deflated_sharpe=0.8,
        )
    )
    assert verdict.label == INCONCLUSIVE
    assert verdict.reasons[0] == (
        "not proven, and too uncertain to rule out: the 95% intervals of its Sharpe, -1.20..2.90, "
        "and of its excess over buy-and-hold, -1.00..2.20, both reach 0.5"
    )


def test_too_few_predictions_are_inconclusive_even_when_the_gates_pass() -> None:
    verdict = decide(with_(n_predictions=99))
    assert verdict.label == INCONCLUSIVE
    assert verdict.reasons[0] == "only 99 predictions, fewer than 100: too few to tell"


def test_never_in_the_market_is_no_edge() -> None:
    verdict = decide(with_(exposure=0.0, sharpe=math.nan, sharpe_ci=(math.nan, math.nan)))
    assert (verdict.label, verdict.reasons[0]) == (NO_EDGE, "it never held a position")


def test_a_failed_audit_check_is_a_suspected_leak_before_anything_else() -> None:
    check = Check("target_leakage", "fail", "feature ext_mean predicts the label: 64.0% vs 56.4%")
    verdict = decide(with_(audit=(check, Check("drift", "warn", "features drift"))))
    assert verdict.label == LEAK_SUSPECTED
    assert verdict.reasons[0] == (
        "audit check target_leakage failed: feature ext_mean predicts the label: 64.0% vs 56.4%"
    )
    assert len(verdict.reasons) == 5  # the gates follow, for the record
    # a warning of another check is not a leak
    assert decide(with_(audit=(Check("drift", "warn", "features drift"),))).label == EDGE


def test_a_too_good_warning_is_a_suspected_leak_and_other_warnings_are_not() -> None:
    # The original project: 90.2% against an up-day share of 52.7% (audit's too_good_to_be_true warns).
    fired = Check("too_good_to_be_true", "warn", "review before trusting: baseline on SP500: accuracy 90.2%")
    verdict = decide(with_(audit=(fired,)))
    assert verdict.label == LEAK_SUSPECTED
    assert (
        verdict.reasons[0] == "too good to be true: review before trusting: baseline on SP500: accuracy 90.2%"
    )
    quiet = Check("too_good_to_be_true", "pass", "accuracy within 5% of the majority rate")
    assert decide(with_(audit=(quiet,))).label == EDGE


def test_stale_opens_add_a_reason_without_changing_the_label() -> None:
    stale = ((1999, 0.96), (2000, 0.98), (2001, 0.95), (2004, 0.97))
    verdict = decide(with_(stale_opens=stale))
    assert verdict.label == EDGE
    assert verdict.reasons[-1] == (
        "fills at opens that equal the previous close on 95%-98% of days in 1999-2001, 2004: "
        "there the fill is the signal's own close"
    )


def test_the_record_is_json_ready_and_flat() -> None:
    record = decide(with_(stale_opens=((2003, 0.97),), audit=(Check("too_good_to_be_true", "pass", ""),)))
    record = json.loads(json.dumps(record.as_dict()))
    assert record["label"] == EDGE and len(record["reasons"]) == 5  # four gates and the stale opens
    evidence = record["evidence"]
    assert evidence["sharpe_ci_low"] == 0.70 and evidence["excess_sharpe_ci_high"] == 1.70
    assert evidence["hurdle_sharpe"] == 0.40 and evidence["deflated_kind"] == "dsr"
    assert evidence["stale_opens"] == {"2003": 0.97}
    assert evidence["audit"] == {"too_good_to_be_true": "pass"}
    assert all(not isinstance(v, list) for v in evidence.values())


def test_the_hurdle_is_zero_when_buy_and_hold_loses() -> None:
    evidence = with_(benchmark_sharpe=-0.6).as_dict()
    assert evidence["hurdle_sharpe"] == 0.0
    assert "(Sharpe falls to 0.00)" in decide(with_(benchmark_sharpe=-0.6)).reasons[3]


def test_a_portfolio_names_its_own_benchmark() -> None:
    verdict = decide(with_(benchmark="equal_weight", excess_sharpe_ci=(-0.2, 0.3), spa_p_value=0.4))
    assert verdict.label == NO_EDGE
    assert verdict.reasons[0].startswith(
        "an edge over equal_weight is ruled out: the 95% interval of its Sharpe minus"
    )
    assert "SPA test against equal_weight: p = 0.400 (not below 0.05)" in verdict.reasons
