"""Tearsheets drawn by worker processes are the files this process would have drawn; which are drawn."""

from __future__ import annotations

import re
import shutil
import sys
import types

import pytest

from alphacheck.exceptions import ConfigError, ReportError
from alphacheck.report import tearsheet_pool
from alphacheck.report.builder import build_report
from alphacheck.report.tearsheet_pool import free_cores, tearsheet_workers
from alphacheck.rundir import read_run
from alphacheck.scenarios import apply_overrides
from alphacheck.scenarios.loader import validate_scenario


def _normalised(path) -> str:
    """A tearsheet without what differs between any two drawings: the SVG date and its random element ids."""
    text = re.sub(r"<dc:date>[^<]*</dc:date>", "", path.read_text())
    ids: dict[str, str] = {}
    return re.sub(r"\b[a-z][0-9a-f]{10}\b", lambda m: ids.setdefault(m.group(0), f"id{len(ids)}"), text)


def _with_report(run_dir, **settings):
    run = read_run(run_dir)
    run.scenario = apply_overrides(run.scenario, {f"report.{k}": v for k, v in settings.items()})
    return run


@pytest.mark.parametrize(
    "cores, load, free", [(2, 0.0, 2), (2, 1.0, 2), (2, 1.4, 2), (2, 1.6, 1), (2, 8.0, 1), (16, 3.0, 14)]
)
def test_free_cores_are_the_cores_less_the_load_of_other_processes(cores, load, free) -> None:
    assert free_cores(cores, load) == free


@pytest.mark.parametrize(
    "jobs, configured, workers",
    [(18, 1, 0), (18, 2, 2), (1, 2, 1), (3, 8, 3), (0, 4, 0)],
)
def test_workers_never_exceed_the_jobs_and_one_process_draws_here(jobs, configured, workers) -> None:
    assert tearsheet_workers(jobs, configured) == workers


def test_unset_workers_follow_the_free_cores_only_where_workers_may_import_main(monkeypatch) -> None:
    monkeypatch.setattr(tearsheet_pool, "free_cores", lambda: 6)
    monkeypatch.setattr(tearsheet_pool, "_guarded", False)
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__file__="script.py", __spec__=None))
    assert tearsheet_workers(18) == 0  # an unguarded script: drawn here
    tearsheet_pool.main_is_guarded()
    assert tearsheet_workers(18) == 6


@pytest.mark.slow
def test_workers_draw_the_same_tearsheets_as_this_process(run_dir, tmp_path, monkeypatch) -> None:
    submitted = []

    class Spy(tearsheet_pool.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            submitted.append(args[1].label)
            return super().submit(*args, **kwargs)

    here = build_report(_with_report(run_dir, workers=1), plots=False)
    pooled_dir = tmp_path / "pooled"
    shutil.copytree(run_dir, pooled_dir, ignore=shutil.ignore_patterns("tearsheets"))
    monkeypatch.setattr(tearsheet_pool, "ProcessPoolExecutor", Spy)
    pooled = build_report(_with_report(pooled_dir, workers=2), plots=False)
    assert sorted(submitted) == ["the tearsheet of baseline on NASDAQ", "the tearsheet of baseline on SP500"]
    assert sorted(pooled.tearsheets) == sorted(here.tearsheets) == [("NASDAQ", "baseline"), ("SP500", "baseline")]
    for key, path in here.tearsheets.items():
        assert pooled.tearsheets[key] == pooled_dir / path.relative_to(run_dir)
        assert _normalised(pooled.tearsheets[key]) == _normalised(path)
    assert pooled.index.read_text().replace(str(pooled_dir), "") == here.index.read_text().replace(str(run_dir), "")


def test_a_worker_that_fails_names_the_tearsheet(run_dir) -> None:
    (run_dir / "tearsheets").write_text("a file where the folder goes")  # every tearsheet's write fails
    with pytest.raises(ReportError, match="failed at the tearsheet of baseline on SP500 .*alphacheck report"):
        build_report(_with_report(run_dir, workers=2), plots=False)


def test_report_tearsheets_none_draws_none_and_keeps_earlier_links(run_dir) -> None:
    earlier = run_dir / "tearsheets" / "SP500-baseline.html"
    earlier.parent.mkdir()
    earlier.write_text("<html>drawn by an earlier build</html>")
    files = build_report(_with_report(run_dir, tearsheets="none"), plots=False)
    assert sorted(p.name for p in (run_dir / "tearsheets").iterdir()) == ["SP500-baseline.html"]
    assert files.tearsheets == {("SP500", "baseline"): earlier}
    assert "tearsheets/SP500-baseline.html" in files.index.read_text()


def test_report_tearsheets_is_checked_with_a_hint() -> None:
    with pytest.raises(ConfigError, match=r"report.tearsheets = 'variant': .*\(did you mean 'variants'\?\)"):
        validate_scenario({"name": "x", "report": {"tearsheets": "variant"}})
    with pytest.raises(ConfigError, match=r"report.workers = 0: Input should be greater than or equal to 1"):
        validate_scenario({"name": "x", "report": {"workers": 0}})
