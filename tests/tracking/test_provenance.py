"""Data fingerprint, library versions and git commit of a run."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess

from alphacheck.tracking.provenance import git_commit, library_versions, prices_fingerprint


def test_fingerprint_sees_every_value_and_ignores_ticker_order(prices):
    first = prices_fingerprint({"A": prices, "B": prices.iloc[:100]})
    assert len(first) == 64 and int(first, 16) >= 0
    assert prices_fingerprint({"B": prices.iloc[:100], "A": prices.copy()}) == first
    changed = prices.copy()
    changed.iloc[150, changed.columns.get_loc("close")] *= 1 + 1e-12
    assert prices_fingerprint({"A": changed, "B": prices.iloc[:100]}) != first
    assert prices_fingerprint({"A": prices, "C": prices.iloc[:100]}) != first  # another ticker name
    shifted = prices.copy()
    shifted.index = shifted.index + __import__("pandas").Timedelta(days=1)
    assert prices_fingerprint({"A": shifted, "B": prices.iloc[:100]}) != first


def test_versions_name_python_and_the_libraries():
    versions = library_versions()
    assert versions["python"] == platform.python_version()
    assert versions["torch"] == importlib.metadata.version("torch")
    assert versions["quantstats"] == importlib.metadata.version("quantstats")
    assert {"vectorbt", "mlflow", "alphacheck"} <= set(versions)


def test_git_commit_is_the_checked_out_head(tmp_path):
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if not head:
        assert git_commit() is None
    else:
        assert git_commit().split("+")[0] == head
    assert git_commit(tmp_path) is None  # not a working tree
