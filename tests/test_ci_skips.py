"""A test may skip for something missing on a developer's machine, never under CI, where a skip would pass."""

from __future__ import annotations

import pytest

from tests.conftest import require, skip_unless_ci

_MISSING = "alphacheck_no_such_package"


def test_a_missing_optional_package_skips_here_and_fails_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{_MISSING} is not installed"):
        require(_MISSING)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"{_MISSING} is not installed .*`make test` installs it"):
        require(_MISSING)
    assert require("json").dumps([1]) == "[1]"  # an installed one is simply imported


def test_missing_data_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "TRUE")
    with pytest.raises(pytest.fail.Exception, match="real market data not found"):
        skip_unless_ci("real market data not found at /nowhere")
