"""Open an HTML file in headless Chromium and report script errors, tables and images.

A collector script is injected at the top of a copy of the page (next to it, so
relative links resolve); ``--dump-dom`` prints the DOM after the page loaded,
including the JSON the collector appended.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--virtual-time-budget=10000"]
_COLLECTOR = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var what = e.message || (e.target && (e.target.src || e.target.href)) || 'resource failed';
  window.__errors.push('error: ' + what);
}, true);
window.addEventListener('unhandledrejection', function (e) { window.__errors.push('rejection: ' + e.reason); });
var __consoleError = console.error;
console.error = function () {
  window.__errors.push('console: ' + Array.prototype.join.call(arguments, ' '));
  __consoleError.apply(console, arguments);
};
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var report = {
    errors: window.__errors,
    tables: document.querySelectorAll('table').length,
    rows: document.querySelectorAll('table tr').length,
    images: images.length,
    broken: images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).map(function (i) { return i.src; }),
    svgs: document.querySelectorAll('svg').length,
    links: Array.prototype.map.call(document.querySelectorAll('a[href]'), function (a) { return a.getAttribute('href'); })
  };
  var pre = document.createElement('pre');
  pre.id = '__alphacheck_check';
  pre.textContent = JSON.stringify(report);
  document.body.appendChild(pre);
});
</script>"""


def chromium() -> str:
    """Path of Chromium; skips the test when it is missing (fails under CI=true)."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} not found: `make test` installs it (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def render(page: Path, timeout_s: float = 120) -> dict:
    """Load ``page`` in headless Chromium; return the collector's report."""
    return _run_probe(page, _COLLECTOR, "__alphacheck_check", [], timeout_s)


def _run_probe(page: Path, script: str, marker: str, flags: list[str], timeout_s: float) -> dict:
    """Inject ``script`` into a copy of ``page`` beside it; return the JSON left in ``<pre id=marker>``."""
    text = page.read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", text, flags=re.IGNORECASE)
    at = head.end() if head else 0
    probe = page.with_name(f"{marker}__{page.name}")
    probe.write_text(text[:at] + script + text[at:], encoding="utf-8")
    profile = tempfile.mkdtemp(prefix="alphacheck-chromium-")
    try:
        done = subprocess.run(
            [chromium(), *_FLAGS, *flags, f"--user-data-dir={profile}", "--dump-dom",
             probe.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        probe.unlink()
    found = re.search(rf'<pre id="{marker}">(.*?)</pre>', done.stdout, flags=re.DOTALL)
    assert found, f"chromium printed no {marker} report (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


_LAYOUT = """<script>
window.addEventListener('load', function () {
  if (%(open)s) {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  }
  var viewport = document.documentElement.clientWidth;
  var tables = Array.prototype.map.call(document.querySelectorAll('table'), function (t) {
    var box = t.getBoundingClientRect();
    return {cls: t.className, right: box.right, width: box.width, hidden: box.width === 0,
            columns: t.rows.length ? t.rows[0].cells.length : 0, folded: t.closest('details') !== null};
  });
  var report = {
    scrollWidth: document.scrollingElement.scrollWidth,
    viewport: viewport,
    innerWidth: window.innerWidth,
    details: document.querySelectorAll('details').length,
    tables: tables,
    order: Array.prototype.map.call(
      document.querySelectorAll('h1, h2, p.scenario, section#verdict, img, table'),
      function (e) {
        return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
          + (e.tagName === 'IMG' ? '[' + e.getAttribute('src') + ']' : '');
      })
  };
  var pre = document.createElement('pre');
  pre.id = '__alphacheck_layout';
  pre.textContent = JSON.stringify(report);
  document.body.appendChild(pre);
});
</script>"""


def layout(page: Path, width: int = 1400, open_details: bool = False, timeout_s: float = 120) -> dict:
    """Load ``page`` in a ``width``-px-wide headless window; return its widths and every table's box.

    ``scrollWidth`` is ``document.scrollingElement.scrollWidth``, ``viewport``
    the document's client width: the page scrolls sideways when the first
    exceeds the second. ``open_details`` opens every ``<details>`` first.
    Each table reports its class, right edge, width, columns (cells of its
    first row) and whether it sits in a ``<details>`` (``folded``); ``order``
    lists the headings, scenario line, verdict, images and tables top down.
    """
    script = _LAYOUT % {"open": "true" if open_details else "false"}
    return _run_probe(page, script, "__alphacheck_layout", [f"--window-size={width},1000"], timeout_s)
