"""What one audit check concluded: a verdict, a one-line summary and the evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FAIL", "PASS", "VERDICTS", "WARN", "AuditReport", "Check", "format_audit_table"]

PASS, WARN, FAIL = "pass", "warn", "fail"
VERDICTS = (PASS, WARN, FAIL)


@dataclass(frozen=True)
class Check:
    """The outcome of one check.

    Attributes
    ----------
    name
        The check, e.g. ``feature_causality``.
    verdict
        ``pass``, ``warn`` (worth a look, not a failure) or ``fail``.
    summary
        One line a user reads first.
    evidence
        Lines that back the verdict: the feature, date, score or fold concerned.
    details
        The same figures as numbers, for ``audit.json``.
    """

    name: str
    verdict: str
    summary: str
    evidence: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclass
class AuditReport:
    """Every check of an audit, in the order they ran."""

    scenario: str
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        """The checks whose verdict is ``fail``."""
        return [c for c in self.checks if c.verdict == FAIL]

    @property
    def warned(self) -> list[Check]:
        """The checks whose verdict is ``warn``."""
        return [c for c in self.checks if c.verdict == WARN]

    @property
    def exit_code(self) -> int:
        """1 when any check failed, else 0 (warnings do not fail a CI pipeline)."""
        return self.exit_status()

    def exit_status(self, strict: bool = False) -> int:
        """1 when any check failed (with ``strict``, or warned), else 0."""
        return 1 if self.failed or (strict and self.warned) else 0

    def verdict_of(self, name: str) -> str | None:
        """The verdict of the check called ``name``; ``None`` when it did not run.

        ``report.verdict_of("too_good_to_be_true") == WARN`` says it fired.
        """
        return next((c.verdict for c in self.checks if c.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form: scenario, overall verdict and each check."""
        overall = FAIL if self.failed else WARN if any(c.verdict == WARN for c in self.checks) else PASS
        return {
            "scenario": self.scenario,
            "verdict": overall,
            "checks": [
                {
                    "name": c.name,
                    "verdict": c.verdict,
                    "summary": c.summary,
                    "evidence": list(c.evidence),
                    "details": c.details,
                }
                for c in self.checks
            ],
        }


def format_audit_table(report: AuditReport, evidence_lines: int = 5) -> str:
    """A terminal listing: one line per check with its verdict, then its evidence indented."""
    width = max((len(c.name) for c in report.checks), default=0)
    lines = []
    for check in report.checks:
        lines.append(f"{check.verdict.upper():4}  {check.name.ljust(width)}  {check.summary}")
        shown = check.evidence[:evidence_lines]
        lines.extend(f"{'':4}  {'':{width}}    {line}" for line in shown)
        if len(check.evidence) > len(shown):
            lines.append(f"{'':4}  {'':{width}}    ... {len(check.evidence) - len(shown)} more in audit.json")
    counts = {v: sum(c.verdict == v for c in report.checks) for v in VERDICTS}
    lines.append("")
    lines.append(f"{report.scenario}: {counts[PASS]} passed, {counts[WARN]} warned, {counts[FAIL]} failed")
    return "\n".join(lines)
