"""``index.html``: one static page per run (no scripts, no remote resources).

From the top: the scenario in one line, the verdicts, the equity, drawdown
and accuracy plots, then one compact table per section (every figure under a
``<details>``), the other plots, the tearsheet links with the figures they
define otherwise, a glossary of every figure shown, and the full settings.
Every table fits a 1400-px-wide window (tests/report check it in Chromium).
Plots and tearsheets are linked by paths relative to the run folder, so the
folder can be moved, zipped or logged to MLflow and still open.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphacheck.report.glossary import define, glossary_html
from alphacheck.report.layout import PageSection
from alphacheck.report.summary import Table

__all__ = ["IDENTITY_COLUMNS", "TOP_PLOTS", "Page", "page_names", "render_index"]

#: Plots shown right after the verdicts; the others follow the tables.
TOP_PLOTS = ("Equity curves", "Drawdowns", "Accuracy per fold", "Portfolio equity and drawdown")
#: Columns that name a row rather than hold a figure (no glossary entry).
IDENTITY_COLUMNS = frozenset({
    "ticker", "strategy", "variant", "fold", "window", "shock", "year", "check", "test", "measure",
    "probability", "baseline", "metric", "costs_bps", "figure",
})

_CSS = """
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 1.5em auto; max-width: 76em; padding: 0 1em;
       color: #222; }
p.scenario { font-size: 1.05em; margin: 0 0 1em; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.88em; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
td.key { overflow-wrap: anywhere; }
th { background: #f3f3f3; font-weight: 600; } td.key, th.key { text-align: left; }
th a { color: inherit; text-decoration: none; border-bottom: 1px dotted #888; }
details { margin: 0 0 1.2em; } summary { cursor: pointer; color: #0550ae; }
img { max-width: 100%; border: 1px solid #eee; margin-bottom: 1em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
#glossary dl { grid-template-columns: minmax(10em, max-content) auto; }
dt { font-weight: bold; overflow-wrap: anywhere; }
.note { color: #555; font-size: 0.9em; }
.verdict h3 { margin: 0.6em 0 0.2em; } .verdict small { font-weight: normal; color: #555; }
.verdict.edge strong { color: #1a7f37; } .verdict.no_edge strong { color: #b42318; }
.verdict.inconclusive strong { color: #9a6700; } .verdict.leak_suspected strong { color: #fff; background: #b42318; }
"""


@dataclass
class Page:
    """What ``index.html`` shows, in page order (see the module docstring)."""

    title: str
    scenario_line: str
    verdicts: str
    sections: list[PageSection]
    plots: dict[str, Path] = field(default_factory=dict)
    tearsheets: dict[str, Path] = field(default_factory=dict)
    tearsheet_figures: Table | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def render_index(page: Page, run_dir: Path) -> str:
    """The page's HTML; paths are written relative to ``run_dir``."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>alphacheck: {html.escape(page.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>alphacheck report: {html.escape(page.title)}</h1>",
        f'<p class="scenario" id="scenario-line">{html.escape(page.scenario_line)}</p>',
        page.verdicts,
    ]
    top = {t: p for t, p in page.plots.items() if t in TOP_PLOTS}
    parts.append(_plots_html("Equity, drawdown and accuracy", "plots-top", top, run_dir))
    parts.append('<h2 id="tables">Results</h2>')
    parts.extend(_section_html(section) for section in page.sections)
    rest = {t: p for t, p in page.plots.items() if t not in TOP_PLOTS}
    parts.append(_plots_html("More plots", "plots-more", rest, run_dir))
    parts.append(_tearsheets_html(page.tearsheets, page.tearsheet_figures, run_dir))
    parts.append(glossary_html(page_names(page)))
    parts.append(_settings_html(page.settings))
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def page_names(page: Page) -> set[str]:
    """Every figure name a table of the page shows (headers, and the rows of transposed tables).

    Columns that name a row (:data:`IDENTITY_COLUMNS`, ``level N``) are left out.
    """
    tables = [t for s in page.sections for t in (s.headline, *s.full)]
    if page.tearsheet_figures is not None:
        tables.append(page.tearsheet_figures)
    names = set()
    for table in tables:
        if table.columns[:1] == ["figure"]:  # transposed: one figure a row
            names.update(row[0] for row in table.rows)
        else:
            names.update(table.columns)
    return {n for n in names if n not in IDENTITY_COLUMNS and not n.startswith("level ")}


def _plots_html(heading: str, anchor: str, plots: dict[str, Path], run_dir: Path) -> str:
    if not plots:
        return ""
    parts = [f'<h2 id="{anchor}">{html.escape(heading)}</h2>']
    for title, path in plots.items():
        src = html.escape(path.relative_to(run_dir).as_posix())
        parts.append(f'<h3>{html.escape(title)}</h3><img src="{src}" alt="{html.escape(title)}">')
    return "\n".join(parts)


def _section_html(section: PageSection) -> str:
    parts = [f'<h3 id="{html.escape(section.key)}">{html.escape(section.title)}</h3>']
    if section.note:
        parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    parts.append(table_html(section.headline))
    if section.full:
        figures = len(section.full[0].rows)
        title = html.escape(section.title.lower())
        parts.append(f"<details><summary>all {figures} figures of {title}</summary>")
        parts.extend(table_html(table) for table in section.full)
        parts.append("</details>")
    return "\n".join(parts)


def _tearsheets_html(tearsheets: dict[str, Path], figures: Table | None, run_dir: Path) -> str:
    if not tearsheets:
        return ""
    parts = ['<h2 id="tearsheets">Tearsheets (quantstats)</h2><ul>']
    for text, path in tearsheets.items():
        href = html.escape(path.relative_to(run_dir).as_posix())
        parts.append(f'<li><a href="{href}">{html.escape(text)}</a></li>')
    parts.append("</ul>")
    if figures is not None:
        parts.append(
            '<p class="note">Three of the tearsheet&rsquo;s figures share a name with alphacheck&rsquo;s '
            "but not "
            "its definition: its <em>Time in Market</em> counts bars with a non-zero return (entry and exit "
            "bars included), not bars holding a position at the close; its <em>Longest DD Days</em> are "
            "calendar days (<code>max_drawdown_calendar_days</code>), not bars; its <em>Profit Factor</em> "
            "is per day, not per closed trade. Both, for each tearsheet:</p>"
        )
        parts.append(table_html(figures))
    return "\n".join(parts)


def _settings_html(settings: dict[str, Any]) -> str:
    if not settings:
        return ""
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in settings.items())
    return f'<h2 id="scenario">Scenario settings</h2><dl>{rows}</dl>'


def table_html(table: Table) -> str:
    """A table whose figure names link to their glossary entries; text columns left-aligned, numbers right."""
    transposed = table.columns[:1] == ["figure"]
    text = [
        not all(_numeric(row[i]) or row[i] in ("", "-") for row in table.rows)
        for i in range(len(table.columns))
    ]
    text[0] = text[0] or transposed
    head = "".join(_header(c, left) for c, left in zip(table.columns, text))
    body = "".join(
        "<tr>"
        + "".join(_cell(c, left, transposed and i == 0) for i, (c, left) in enumerate(zip(row, text)))
        + "</tr>"
        for row in table.rows
    )
    key = html.escape(table.key)
    return f'<table class="{key}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _breakable(name: str) -> str:
    """Escaped text that may wrap after an underscore or between the two dates of a range."""
    return html.escape(name).replace("_", "_<wbr>").replace("..", "..<wbr>")


def _header(name: str, left: bool) -> str:
    css = ' class="key"' if left else ""
    if define(name) is not None and name not in IDENTITY_COLUMNS:
        return f'<th{css}><a href="#g-{html.escape(name)}">{_breakable(name)}</a></th>'
    return f"<th{css}>{_breakable(name)}</th>"


def _cell(value: str, left: bool, figure_name: bool) -> str:
    css = ' class="key"' if left else ""
    if figure_name and define(value) is not None:
        return f'<td{css}><a href="#g-{html.escape(value)}">{_breakable(value)}</a></td>'
    return f"<td{css}>{_breakable(value)}</td>"


def _numeric(cell: str) -> bool:
    return cell.replace(".", "", 1).replace("%", "").replace("+", "").replace("-", "", 1).isdigit()
