"""The verdict on one strategy: ``edge``, ``no_edge``, ``inconclusive`` or ``leak_suspected``.

A pure function from the evidence gathered for a strategy (a variant on a
ticker, or a portfolio) to a label and the reasons behind it, each a short
sentence quoting the figures. The rules, in the order they apply:

1. ``leak_suspected``: an audit check known for the strategy failed, or its
   ``too_good_to_be_true`` check fired (warned): the checks a finished run can
   have without training again (``alphacheck.audit.audit_without_training``).
2. ``inconclusive``: fewer than ``MIN_PREDICTIONS`` predictions.
3. ``no_edge``: the strategy never held a position.
4. ``edge``: all four gates pass: the deflated Sharpe ratio (the PSR with one
   trial) over the counted trials is at least ``DEFLATED_SHARPE_MIN``;
   Hansen's SPA test against buy-and-hold has ``p < SPA_P_MAX``; the Sharpe
   ratio is above at least ``NULL_QUANTILE`` of the matched null's draws (at
   or above its 95th percentile; a draw that earns the same counts against
   it); the break-even cost is above the cost the scenario charges.
5. ``no_edge``: an edge worth trading is ruled out: the upper end of the 95%
   bootstrap interval of the Sharpe ratio, or of its excess over
   buy-and-hold's, is below ``MEANINGFUL_SHARPE``. An edge of that size over
   the hurdle ``max(0, buy-and-hold's Sharpe)`` needs both the Sharpe ratio and
   its excess over buy-and-hold to reach it; either interval ending below it
   excludes it (an equivalence test's logic, one-sided at 97.5%).
6. ``inconclusive``: otherwise: not proven, and the intervals are too wide to
   rule out an edge of ``MEANINGFUL_SHARPE`` (more data is needed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Protocol

from alphacheck.backtest.significance import MIN_PREDICTIONS

__all__ = [
    "DEFLATED_SHARPE_MIN",
    "EDGE",
    "INCONCLUSIVE",
    "LABELS",
    "LEAK_SUSPECTED",
    "MEANINGFUL_SHARPE",
    "NO_EDGE",
    "NULL_QUANTILE",
    "SPA_P_MAX",
    "Evidence",
    "Finding",
    "Verdict",
    "decide",
]

EDGE, NO_EDGE, INCONCLUSIVE, LEAK_SUSPECTED = "edge", "no_edge", "inconclusive", "leak_suspected"
LABELS = (EDGE, NO_EDGE, INCONCLUSIVE, LEAK_SUSPECTED)
DEFLATED_SHARPE_MIN = 0.95
SPA_P_MAX = 0.05
NULL_QUANTILE = 0.95
MEANINGFUL_SHARPE = 0.5
"""Smallest annualised Sharpe ratio above the hurdle worth trading: what ``no_edge`` rules out."""


class Finding(Protocol):
    """An audit check's outcome: ``alphacheck.audit.verdict.Check`` has this shape."""

    name: str
    verdict: str
    summary: str


@dataclass(frozen=True)
class Evidence:
    """What the verdict on one strategy rests on. Sharpe ratios are annualised, after costs.

    ``benchmark`` names what the strategy must beat (buy-and-hold of its
    ticker; a portfolio's equal-weight book); ``excess_sharpe_ci`` is the
    interval of Sharpe(strategy) - Sharpe(benchmark) from a paired bootstrap;
    ``deflated_kind`` names the deflated figure (``dsr``, or ``psr`` with one
    trial); ``null_percentile`` is the share of the matched null's draws
    (percent) whose Sharpe ratio is below the strategy's, ``null_quantile``
    the null's ``NULL_QUANTILE`` quantile; ``break_even_bps`` is the cost per
    side at which the Sharpe ratio falls to the hurdle ``max(0, benchmark_sharpe)``
    (``break_even_status`` ``above_sweep``: still above it at the sweep's
    highest level, a lower bound).
    ``stale_opens`` lists (year, share of days whose open equals the previous
    close) for the years where the fills depend on such opens.
    """

    n_predictions: int
    exposure: float
    sharpe: float
    sharpe_ci: tuple[float, float]
    benchmark_sharpe: float
    excess_sharpe_ci: tuple[float, float]
    deflated_sharpe: float
    deflated_kind: str
    trials: int
    spa_p_value: float
    null_percentile: float
    null_quantile: float
    null_draws: int
    break_even_bps: float
    cost_bps: float
    break_even_status: str = "crossed"
    accuracy: float = math.nan
    majority_rate: float = math.nan
    binomial_p_value: float = math.nan
    stale_opens: tuple[tuple[int, float], ...] = ()
    benchmark: str = "buy-and-hold"
    audit: tuple[Finding, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, object]:
        """The figures as a flat JSON-ready mapping (audit findings by name and verdict)."""
        record = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("audit", "stale_opens")
        }
        for key in ("sharpe_ci", "excess_sharpe_ci"):
            low, high = record.pop(key)
            record.update({f"{key}_low": low, f"{key}_high": high})
        record["hurdle_sharpe"] = _hurdle(self)
        record["stale_opens"] = {str(year): share for year, share in self.stale_opens}
        record["audit"] = {f.name: f.verdict for f in self.audit}
        return record


@dataclass(frozen=True)
class Verdict:
    """A label and the reasons for it, first the decisive ones."""

    label: str
    reasons: tuple[str, ...]
    evidence: Evidence

    def as_dict(self) -> dict[str, object]:
        """``{"label", "reasons", "evidence"}`` as written to ``metrics.json``."""
        return {"label": self.label, "reasons": list(self.reasons), "evidence": self.evidence.as_dict()}


def decide(evidence: Evidence) -> Verdict:
    """Label a strategy from its evidence (rules in the module docstring).

    Parameters
    ----------
    evidence
        Gathered by :func:`alphacheck.backtest.evidence.gather_evidence`, with
        the audit findings known for the run in ``evidence.audit``.

    Returns
    -------
    Verdict
    """
    gates = _gates(evidence)
    context = [reason for _, reason in gates] + _stale_reasons(evidence)
    leaks = _leak_reasons(evidence.audit)
    if leaks:
        return Verdict(LEAK_SUSPECTED, (*leaks, *context), evidence)
    if evidence.n_predictions < MIN_PREDICTIONS:
        reason = f"only {evidence.n_predictions} predictions, fewer than {MIN_PREDICTIONS}: too few to tell"
        return Verdict(INCONCLUSIVE, (reason, *context), evidence)
    if not evidence.exposure > 0:
        return Verdict(NO_EDGE, ("it never held a position", *context), evidence)
    if all(passed for passed, _ in gates):
        return Verdict(EDGE, tuple(context), evidence)
    ruled_out = _ruled_out(evidence)
    if ruled_out:
        return Verdict(NO_EDGE, (ruled_out, *context), evidence)
    return Verdict(INCONCLUSIVE, (_too_wide(evidence), *context), evidence)


def _gates(e: Evidence) -> list[tuple[bool, str]]:
    """The four gates an edge must pass, each with the sentence that quotes it."""
    name = e.deflated_kind.upper()
    trials = f"over {e.trials} trials" if e.deflated_kind == "dsr" else "(1 trial: nothing to deflate)"
    deflated = _at_least(e.deflated_sharpe, DEFLATED_SHARPE_MIN)
    spa = _finite(e.spa_p_value) and e.spa_p_value < SPA_P_MAX
    null = _at_least(e.null_percentile, NULL_QUANTILE * 100)
    break_even = _finite(e.break_even_bps) and e.break_even_bps > e.cost_bps
    return [
        (deflated, f"{name} {_num(e.deflated_sharpe)} {trials} {_cmp(deflated)} {DEFLATED_SHARPE_MIN:g}"),
        (
            spa,
            f"SPA test against {e.benchmark}: p = {_num(e.spa_p_value, '.3f')} ({_cmp_p(spa)} {SPA_P_MAX:g})",
        ),
        (
            null,
            f"Sharpe {_num(e.sharpe)} above {_num(e.null_percentile, '.0f')}% of {e.null_draws} circular "
            f"shifts of its own positions (needs {NULL_QUANTILE:.0%}; their {NULL_QUANTILE:.0%} quantile "
            f"{_num(e.null_quantile)})",
        ),
        (
            break_even,
            f"break-even cost {'at least ' if e.break_even_status == 'above_sweep' else ''}"
            f"{_num(e.break_even_bps, '.1f')} bps per side (Sharpe falls to {_num(_hurdle(e))}), "
            f"{'above' if break_even else 'not above'} the {e.cost_bps:g} bps charged",
        ),
    ]


def _ruled_out(e: Evidence) -> str:
    """The sentence that rules an edge out, or '' when the intervals still allow one."""
    if _finite(e.sharpe_ci[1]) and e.sharpe_ci[1] < MEANINGFUL_SHARPE:
        return (
            f"an edge is ruled out: the 95% interval of its Sharpe, {_interval(e.sharpe_ci)}, "
            f"ends below {MEANINGFUL_SHARPE:g}"
        )
    if _finite(e.excess_sharpe_ci[1]) and e.excess_sharpe_ci[1] < MEANINGFUL_SHARPE:
        return (
            f"an edge over {e.benchmark} is ruled out: the 95% interval of its Sharpe minus {e.benchmark}'s "
            f"({_num(e.benchmark_sharpe)}), {_interval(e.excess_sharpe_ci)}, ends below {MEANINGFUL_SHARPE:g}"
        )
    return ""


def _too_wide(e: Evidence) -> str:
    return (
        "not proven, and too uncertain to rule out: the 95% intervals of its Sharpe, "
        f"{_interval(e.sharpe_ci)}, and of its excess over {e.benchmark}, {_interval(e.excess_sharpe_ci)}, "
        f"both reach {MEANINGFUL_SHARPE:g}"
    )


def _leak_reasons(findings: Sequence[Finding]) -> list[str]:
    reasons = []
    for f in findings:
        if f.verdict == "fail":
            reasons.append(f"audit check {f.name} failed: {f.summary}")
        elif f.name == "too_good_to_be_true" and f.verdict != "pass":
            reasons.append(f"too good to be true: {f.summary}")
    return reasons


def _stale_reasons(e: Evidence) -> list[str]:
    if not e.stale_opens:
        return []
    shares = [share for _, share in e.stale_opens]
    share = f"{min(shares):.0%}" if len(shares) == 1 else f"{min(shares):.0%}-{max(shares):.0%}"
    return [
        f"fills at opens that equal the previous close on {share} of days in "
        f"{_years(sorted(year for year, _ in e.stale_opens))}: there the fill is the signal's own close"
    ]


def _years(years: list[int]) -> str:
    """``[1999, 2000, 2001, 2004]`` -> ``"1999-2001, 2004"``."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _hurdle(e: Evidence) -> float:
    return max(0.0, e.benchmark_sharpe) if _finite(e.benchmark_sharpe) else 0.0


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(value)


def _at_least(value: float, bound: float) -> bool:
    return _finite(value) and _finite(bound) and value >= bound


def _cmp(passed: bool) -> str:
    return ">=" if passed else "below"


def _cmp_p(passed: bool) -> str:
    return "below" if passed else "not below"


def _num(value: float, fmt: str = ".2f") -> str:
    return format(value, fmt) if _finite(value) else "undefined"


def _interval(bounds: tuple[float, float]) -> str:
    return f"{_num(bounds[0])}..{_num(bounds[1])}"
