"""Fixtures of the report tests: a hand-made run folder (see runfolder.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("report_runfolder", Path(__file__).with_name("runfolder.py"))
runfolder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runfolder)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run folder with config, predictions, returns and a metrics.json with stress and cost sections."""
    return runfolder.write_run_folder(tmp_path / "run")
