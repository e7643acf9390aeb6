"""The case study (examples/case_study.py, docs/case-study.md).

The slow test runs the script's every step on the real CSVs, on shorter
histories (``--small``: the whole study takes minutes, beyond CI's budget), and
checks what the study must show: the leak above 80%, the audit naming each
leaky feature, the clean accuracy at the share of up days, and a document
whose every figure is the script's. The fast tests check the committed
document (the full study) against its committed figures and the same claims
on those figures, the README's link, and the script's refusal without data.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import re
import string
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TEMPLATE = EXAMPLES / "case_study_template.md"
DOCS = REPO / "docs"
LEAKS = ("target_class", "target_class_literal")
PAIR = ("AAPL", "MSFT")
VARIANTS = ("baseline", "advanced")

# How each format writes a value: the number in the text is the value times this.
_SCALE = {"pct": 100, "spct": 100, "pts": 100, "pp": 100, "f2": 1, "p": 1, "bps": 1, "min": 1 / 60, "int": 1}


def document_fields(template: str, document: str) -> list[tuple[str, str, str]]:
    """``(field, format, text)`` for each field of ``template``, read from ``document``.

    The template's literal text must appear in the document unchanged; each
    field's text is what stands between its neighbours, on one line.
    """
    pattern, fields = [], []
    for literal, field, spec, _ in string.Formatter().parse(template):
        pattern.append(re.escape(literal))
        if field is not None:
            pattern.append(r"([^\n]+?)")
            fields.append((field, spec or "s"))
    match = re.fullmatch("".join(pattern), document, flags=re.DOTALL)
    assert match, "the document's text differs from examples/case_study_template.md outside its fields"
    return [(field, spec, text) for (field, spec), text in zip(fields, match.groups(), strict=True)]


def assert_figures_match(template: str, document: str, values: dict) -> int:
    """Each field of the document, parsed back, equals its value as precisely as written; returns a count."""
    checked = 0
    for field, spec, text in document_fields(template, document):
        value = values[field]
        if spec == "s":
            assert text == str(value), field
        else:
            number = re.sub(r" (points|bps|min)$|%$", "", text)
            if number.lstrip("+-") == "nan":
                assert value is None or math.isnan(value), field
                continue
            written = float(number) / _SCALE[spec]
            exponent = Decimal(number.lstrip("+")).as_tuple().exponent
            tolerance = 0.5 * 10.0**exponent / _SCALE[spec] * (1 + 1e-9)
            assert abs(written - float(value)) <= tolerance, f"{field}: document {text!r}, figures {value!r}"
        checked += 1
    return checked


def _case_study():
    """examples/case_study.py, loaded by its path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("case_study", EXAMPLES / "case_study.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_document_matches_its_figures():
    values = json.loads((DOCS / "case-study" / "figures.json").read_text())
    document = (DOCS / "case-study.md").read_text()
    assert assert_figures_match(TEMPLATE.read_text(), document, values) > 150
    for plot in ("equity.png", "cost-sweep.png"):
        assert (DOCS / "case-study" / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(re.findall(r"[A-Za-z0-9][\w'.%+-]*", _prose(document))) < 1500


def test_committed_figures_show_the_leak_the_audit_and_the_clean_accuracy():
    values = json.loads((DOCS / "case-study" / "figures.json").read_text())
    assert values["audit/exit"] == 1 and "feature_causality" in values["audit/failed"]
    for leak in LEAKS:
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", values[f"audit/{leak}/date"])
        assert values[f"{leak}/n_leak"] == values[f"{leak}/n"] == len(PAIR) * len(VARIANTS)
    n = values["clean/n"]
    for ticker in PAIR:
        for variant in VARIANTS:
            assert values[f"target_class/{ticker}/{variant}/acc"] > 0.80
            accuracy = values[f"clean/{ticker}/{variant}/acc"]
            low, high = _wilson(round(accuracy * n), n)
            assert low <= values[f"up/{ticker}"] <= high, (ticker, variant)
    assert re.fullmatch(r"20\d\d-\d\d-\d\d( to 20\d\d-\d\d-\d\d)?", values["run/dates"])
    assert values["time/wall"] < 600  # the study's budget: under 10 minutes on 2 cores


def _prose(document: str) -> str:
    """The document without its tables and code blocks: what a reader reads as text."""
    text = re.sub(r"```.*?```", "", document, flags=re.DOTALL)
    return "\n".join(line for line in text.splitlines() if not line.startswith("|"))


def test_a_changed_figure_is_caught():
    values = json.loads((DOCS / "case-study" / "figures.json").read_text())
    document = (DOCS / "case-study.md").read_text()
    key = "target_class/AAPL/advanced/acc"
    changed = {**values, key: values[key] - 0.01}
    with pytest.raises(AssertionError, match=key):
        assert_figures_match(TEMPLATE.read_text(), document, changed)
    edited = document.replace("## 2. The baseline", "## 2. Baseline")
    with pytest.raises(AssertionError, match="differs from examples/case_study_template.md"):
        assert_figures_match(TEMPLATE.read_text(), edited, values)


def test_readme_links_the_case_study_after_the_setup_commands():
    lines = (REPO / "README.md").read_text().splitlines()
    link = next(i for i, line in enumerate(lines) if "(docs/case-study.md)" in line)
    assert "See what alphacheck finds in a published 90% claim" in lines[link]
    setup = next(i for i, line in enumerate(lines) if line.startswith("make test"))
    assert setup < link < 40


def test_script_refuses_to_run_without_the_shared_data(tmp_path, capsys):
    assert _case_study().main(["--data", str(tmp_path), "--docs", str(tmp_path / "docs")]) == 2
    assert "no AAPL.csv, MSFT.csv, SPY.csv, XBI.csv in" in capsys.readouterr().err
    assert not (tmp_path / "docs").exists()


@pytest.mark.slow
def test_case_study_end_to_end(shared_yahoo_dir, tmp_path, monkeypatch, one_torch_thread):
    import alphacheck

    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "unused"))  # the script sets its own
    docs, work = tmp_path / "docs", tmp_path / "work"
    modules = set(sys.modules)
    try:
        args = ["--data", str(shared_yahoo_dir), "--docs", str(docs), "--work", str(work), "--small"]
        assert _case_study().main(args) == 0
        runs = {name: alphacheck.load_run(work / "runs" / name) for name in ("clean", *LEAKS)}
    finally:
        for name in {"original_target_class", "case_study_figures"} - modules:
            sys.modules.pop(name, None)
    values = json.loads((docs / "case-study" / "figures.json").read_text())
    assert values["clean/last_test"] < "2021-04-01"  # --small's shorter history
    csvs = [shared_yahoo_dir / f"{ticker}.csv" for ticker in ("AAPL", "MSFT", "SPY", "XBI")]
    assert values["data/sha256"] == hashlib.sha256(b"".join(f.read_bytes() for f in csvs)).hexdigest()[:16]
    dates = [pd.read_csv(f, usecols=["Date"])["Date"] for f in csvs]
    assert values["data/first"] == min(d.iloc[0] for d in dates)
    assert values["data/last"] == max(d.iloc[-1] for d in dates)
    assert_figures_match(TEMPLATE.read_text(), (docs / "case-study.md").read_text(), values)

    for ticker in PAIR:
        clean = runs["clean"].predictions.query("ticker == @ticker")
        up_share = clean.groupby("variant")["label"].mean().iloc[0]
        for variant in VARIANTS:
            leak = runs["target_class"].metrics["metrics"][ticker][variant]
            assert leak["accuracy"] > 0.80
            for name in LEAKS:
                assert runs[name].metrics["verdict"][ticker][variant]["label"] == "leak_suspected"
            own = clean[clean["variant"] == variant]
            correct = int(((own["proba"] > 0.5) == (own["label"] == 1)).sum())
            low, high = _wilson(correct, len(own))
            assert low <= up_share <= high, (ticker, variant, correct / len(own), up_share)
            assert values[f"clean/{ticker}/{variant}/acc"] == pytest.approx(correct / len(own), abs=1e-12)
            assert values[f"target_class/{ticker}/{variant}/acc"] == leak["accuracy"]
        assert values[f"up/{ticker}"] == pytest.approx(up_share, abs=1e-12)

    audit = json.loads((work / "audit.json").read_text())
    checks = {check["name"]: check for check in audit["checks"]}
    assert checks["feature_causality"]["verdict"] == "fail" and values["audit/exit"] == 1
    for leak in LEAKS:
        first = checks["feature_causality"]["details"]["leaking"][leak]["first_difference"]
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", first) and values[f"audit/{leak}/date"] == first
        evidence = checks["feature_causality"]["evidence"]
        assert any(f"feature '{leak}' looks ahead: on {first}" in line for line in evidence)


def _wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval, by its formula."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_wilson_by_hand():
    # 50 of 100 at z = 1.96: centre 0.5; half-width 1.96 / 1.038416 * sqrt(0.0025 + 0.00009604) = 0.0961702
    low, high = _wilson(50, 100, z=1.96)
    assert (low, high) == pytest.approx((0.5 - 0.0961702, 0.5 + 0.0961702), abs=1e-6)
