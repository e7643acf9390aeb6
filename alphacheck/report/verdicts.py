"""The verdicts of a run, written for the terminal, ``summary.md`` and ``index.html``.

Each renders ``metrics.json``'s ``verdict`` section,
``{ticker: {strategy: {"label", "reasons", "evidence"}}}``, first of all
outputs: the answer before the tables it rests on.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

__all__ = ["format_verdicts", "verdict_html", "verdict_markdown", "verdict_summary"]

#: Labels in the order a summary names them: the ones to act on first.
_ORDER = ("leak_suspected", "edge", "inconclusive", "no_edge")
_MEANING = {
    "edge": "passes every test of a tradable edge after costs",
    "no_edge": "an edge worth trading is ruled out",
    "inconclusive": "too little evidence either way",
    "leak_suspected": "results a leak or a pipeline error would produce: audit before trusting anything",
}
_TITLE = 'Verdict: is there a tradable edge? (rules: README, "The verdict")'


def _entries(section: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (str(ticker), str(strategy), verdict)
        for ticker, strategies in section.items()
        for strategy, verdict in strategies.items()
    ]


def format_verdicts(section: Mapping[str, Any]) -> str:
    """One block per strategy: ticker, strategy and label, then each reason indented."""
    entries = _entries(section)
    width = max((len(f"{t} {s}") for t, s, _ in entries), default=0)
    lines = [_TITLE]
    for ticker, strategy, verdict in entries:
        lines.append(f"{f'{ticker} {strategy}'.ljust(width)}  {verdict['label'].upper()}")
        lines.extend(f"{'':{width}}  - {reason}" for reason in verdict["reasons"])
    return "\n".join(lines)


def verdict_summary(section: Mapping[str, Any]) -> str:
    """One line: how many strategies got each label, naming those that got ``edge`` or ``leak_suspected``."""
    entries = _entries(section)
    parts = []
    for label in _ORDER:
        names = [f"{s} on {t}" for t, s, v in entries if v["label"] == label]
        if not names:
            continue
        named = f" ({', '.join(names)})" if label in ("edge", "leak_suspected") else ""
        parts.append(f"{len(names)} {label}{named}")
    return f"verdict over {len(entries)} strateg{'y' if len(entries) == 1 else 'ies'}: {', '.join(parts)}"


def verdict_markdown(section: Mapping[str, Any]) -> str:
    """A ``## Verdict`` section: the summary line, then a table of labels and reasons."""
    lines = [f"## {_TITLE.split(' (')[0]}", "", verdict_summary(section), ""]
    lines += ["| ticker | strategy | verdict | reasons |", "|---|---|---|---|"]
    for ticker, strategy, verdict in _entries(section):
        reasons = "<br>".join(r.replace("|", "\\|") for r in verdict["reasons"])
        lines.append(f"| {ticker} | {strategy} | **{verdict['label']}** | {reasons} |")
    return "\n".join(lines) + "\n\n"


def verdict_html(section: Mapping[str, Any]) -> str:
    """The verdicts as a definition list, each label with what it means and its reasons."""
    parts = [f'<section id="verdict"><h2>{html.escape(_TITLE.split(" (")[0])}</h2>']
    parts.append(f'<p class="verdict-summary">{html.escape(verdict_summary(section))}</p>')
    for ticker, strategy, verdict in _entries(section):
        label = html.escape(verdict["label"])
        heading = (
            f"{html.escape(strategy)} on {html.escape(ticker)}: <strong>{label}</strong> "
            f"<small>{html.escape(_MEANING.get(verdict['label'], ''))}</small>"
        )
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in verdict["reasons"])
        parts.append(f'<div class="verdict {label}"><h3>{heading}</h3><ul>{reasons}</ul></div>')
    parts.append("</section>")
    return "\n".join(parts)
