"""docs/features.md lists every built-in feature with its window(s) and formula."""

from __future__ import annotations

from pathlib import Path

from alphacheck.features import FEATURE_SETS, FEATURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def test_every_builtin_feature_is_documented_with_formula_and_window():
    rows = {line.split("|")[1].strip().strip("`"): line for line in DOC.read_text().splitlines()
            if line.startswith("| `")}  # fmt: skip
    builtin = {name for name, feature in FEATURES.items() if feature.builtin}
    assert builtin <= set(rows)
    for name in builtin:
        feature = FEATURES[name]
        assert f"| {feature.window_text()} | `{feature.formula}` |" in rows[name], name


def test_docs_sections_follow_the_sets():
    text = DOC.read_text()
    basic, advanced = text.split("## `basic`")[1].split("## `advanced`")
    listed = [line.split("`")[1] for line in advanced.splitlines() if line.startswith("| `")]
    assert listed == list(FEATURE_SETS["advanced"])
    listed = [line.split("`")[1] for line in basic.splitlines() if line.startswith("| `")]
    assert listed == list(FEATURE_SETS["basic"])
