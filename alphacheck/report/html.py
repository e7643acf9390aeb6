"""``index.html``: one static page per run (no scripts, no remote resources).

It links plots and tearsheets by paths relative to the run folder, so the
folder can be moved, zipped or logged to MLflow and still open.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from alphacheck.report.summary import Table

__all__ = ["render_index"]

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.key { text-align: left; }
img { max-width: 100%; border: 1px solid #eee; margin-bottom: 1em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
.verdict h3 { margin: 0.6em 0 0.2em; } .verdict small { font-weight: normal; color: #555; }
.verdict.edge strong { color: #1a7f37; } .verdict.no_edge strong { color: #b42318; }
.verdict.inconclusive strong { color: #9a6700; } .verdict.leak_suspected strong { color: #fff; background: #b42318; }
"""


def render_index(
    scenario: dict[str, Any],
    tables: list[Table],
    plots: dict[str, Path],
    tearsheets: dict[str, Path],
    run_dir: Path,
    verdicts: str = "",
    evaluated: dict[str, Any] | None = None,
) -> str:
    """The page's HTML.

    Parameters
    ----------
    scenario
        The resolved config as a mapping (``config.yaml``).
    tables
        Report tables, variants first.
    plots
        Title -> PNG path.
    tearsheets
        Link text -> tearsheet path.
    run_dir
        The run folder; paths are written relative to it.
    verdicts
        The verdicts block (:func:`alphacheck.report.verdicts.verdict_html`), shown first.
    evaluated
        ``metrics.json``'s ``evaluated`` section for a folder of ``alphacheck evaluate``:
        the predictions' source replaces the walk-forward the scenario describes.
    """
    name = html.escape(str(scenario.get("name", "")))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>alphacheck: {name}</title><style>{_CSS}</style></head><body>",
        f"<h1>alphacheck report: {name}</h1>",
        verdicts,
        _scenario_block(scenario, evaluated),
    ]
    for table in tables:
        parts.append(f'<h2 id="{html.escape(table.key)}">{html.escape(table.title)}</h2>')
        parts.append(_table_html(table))
    if plots:
        parts.append("<h2>Plots</h2>")
        for title, path in plots.items():
            src = html.escape(path.relative_to(run_dir).as_posix())
            parts.append(f'<h3>{html.escape(title)}</h3><img src="{src}" alt="{html.escape(title)}">')
    if tearsheets:
        parts.append("<h2>Tearsheets</h2><ul>")
        for text, path in tearsheets.items():
            href = html.escape(path.relative_to(run_dir).as_posix())
            parts.append(f'<li><a href="{href}">{html.escape(text)}</a></li>')
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _scenario_block(scenario: dict[str, Any], evaluated: dict[str, Any] | None = None) -> str:
    backtest = scenario.get("backtest", {})
    data = scenario.get("data", {})
    walk = scenario.get("walkforward", {})
    facts = {
        "description": scenario.get("description", ""),
        "data": f"{data.get('source')}: {', '.join(data.get('tickers', []))}, "
        f"{data.get('start') or 'first bar'} to {data.get('end') or 'last bar'}",
        "variants": ", ".join(v["name"] for v in scenario.get("variants", [])),
        "walk-forward": f"train {walk.get('train_days')} / test {walk.get('test_days')} days, "
        f"purge {walk.get('purge_days')}, validation {walk.get('validation_days')}",
        "execution": f"{backtest.get('execution')}, long when P(up) > {backtest.get('threshold')}",
        "costs per side": f"fees {backtest.get('fees_bps')} bps + slippage {backtest.get('slippage_bps')} bps",
        "seed": scenario.get("seed"),
    }
    if evaluated:  # nothing was trained: the scenario's variants and folds did not make these predictions
        facts["variants"] = ", ".join(evaluated["variants"])
        facts["walk-forward"] = f"none: predictions read from {evaluated['source']}"
        facts["decision"] = evaluated["decision"]
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in facts.items())
    return f'<h2 id="scenario">Scenario</h2><dl>{rows}</dl>'


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="key">{html.escape(c)}</td>' if not _numeric(c) else f"<td>{html.escape(c)}</td>"
            for c in row
        ) + "</tr>"
        for row in table.rows
    )
    return f'<table class="{html.escape(table.key)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _numeric(cell: str) -> bool:
    return cell.replace(".", "", 1).replace("%", "").replace("+", "").replace("-", "", 1).isdigit()
