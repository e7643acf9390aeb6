"""Fixtures for audit tests: registries restored after each test, one torch thread, plugin modules on disk."""

from __future__ import annotations

import contextlib

import pytest

from alphacheck.exceptions import DataWarning


@pytest.fixture
def known_data_warnings():
    """A context manager per shipped scenario name, expecting the DataWarning its data is known to raise.

    ``default`` reads SP500 from 1999, whose opens copy the previous close until 2006 (it trades at the
    next close for that reason); the other shipped scenarios' data raises none.
    """

    def expect(name: str):
        if name == "default":
            stale = r"SP500: the open equals the previous close .* 2006 \(52%\)"
            return pytest.warns(DataWarning, match=stale)
        return contextlib.nullcontext()

    return expect
