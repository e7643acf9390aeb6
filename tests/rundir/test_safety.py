"""A run never damages another (issue 14, findings 2 and 3, and the manifest).

Before: a run wrote ``config.yaml`` into ``--output`` before anything could
fail, so a run that then failed left an older run's predictions under a new
config (and ``report`` labelled them with the wrong scenario); a run into a
reused folder kept the old ``models/`` and ``tearsheets/`` files.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import alphacheck.walkforward
from alphacheck.cli.main import cli
from alphacheck.exceptions import ConfigError, DataError
from alphacheck.rundir.manifest import MANIFEST_FILE, check_manifest, write_manifest
from alphacheck.rundir import read_run
from alphacheck.rundir.staging import check_target, stage

_spec = importlib.util.spec_from_file_location("runfolder", Path(__file__).parents[1] / "report" / "runfolder.py")
runfolder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runfolder)

RESULTS = ("config.yaml", "predictions.parquet", "returns.parquet", "metrics.json")


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def old_run(tmp_path) -> Path:
    """A finished run's folder, with a manifest, a model and a tearsheet of its own."""
    folder = runfolder.write_run_folder(tmp_path / "run")
    (folder / "models").mkdir()
    (folder / "models" / "old_variant.pt").write_bytes(b"weights of the old run")
    (folder / "tearsheets").mkdir()
    (folder / "tearsheets" / "SP500-old_variant.html").write_text("<html>old</html>")
    write_manifest(folder, "0ld", RESULTS)
    return folder


def _run(args, home: Path):
    return CliRunner().invoke(cli, ["run", *args], env={"ALPHACHECK_HOME": str(home), "FORCE_CPU": "1"})


def test_a_folder_holding_another_run_is_refused_before_any_work(old_run, tmp_path, monkeypatch):
    before = _snapshot(old_run)
    loaded = []
    monkeypatch.setattr("alphacheck.data.load_prices", lambda *a, **k: loaded.append(1))
    result = _run(["quick", "--no-tracking", "-o", str(old_run)], tmp_path / "home")
    assert result.exit_code == 1
    listed = "(config.yaml, manifest.json, metrics.json, models ...)"
    assert f"Error: --output {old_run} holds another run {listed}" in result.output
    assert "pass --overwrite to replace it, or choose another folder" in result.output
    assert loaded == [] and _snapshot(old_run) == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_a_folder_with_files_no_run_writes_is_refused_even_with_overwrite(old_run, tmp_path):
    (old_run / "my notes.txt").write_text("mine")
    before = _snapshot(old_run)
    result = _run(["quick", "--no-tracking", "--overwrite", "-o", str(old_run)], tmp_path / "home")
    assert result.exit_code == 1
    assert f"--output {old_run} holds files a run does not write (my notes.txt); choose a new or empty" in (
        result.output
    )
    assert _snapshot(old_run) == before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("a file"), "is a file; give a folder for the run"),
        (lambda p: (p.parent / "blocker").write_text("x") and p.parent / "blocker" / "run", "blocker is a"),
    ],
)
def test_an_output_that_cannot_be_a_folder_is_named(tmp_path, make, message):
    target = tmp_path / "out"
    made = make(target)
    target = made if isinstance(made, Path) else target
    with pytest.raises(ConfigError, match=message):
        check_target(target)


def test_a_failed_run_leaves_the_old_run_untouched_and_names_its_partial_output(
    old_run, tmp_path, monkeypatch
):
    before = _snapshot(old_run)

    def fails(*args, **kwargs):
        raise DataError("the walk-forward failed half-way")

    monkeypatch.setattr(alphacheck.walkforward, "run_walkforward", fails)
    result = _run(["quick", "--no-tracking", "--overwrite", "-o", str(old_run)], tmp_path / "home")
    assert result.exit_code == 1, result.output
    partial = [p for p in tmp_path.iterdir() if p.name.startswith(".run.partial-")]
    assert len(partial) == 1
    assert (
        f"Error: the walk-forward failed half-way; partial output is in {partial[0]}; {old_run}: "
        "the run there before is untouched" in result.output
    )
    assert _snapshot(old_run) == before
    assert read_run(old_run).scenario.name == "fabricated"  # report still reads the old run, whole


def test_an_unreachable_tracking_server_changes_nothing(old_run, tmp_path):
    before = _snapshot(old_run)
    args = ["quick", "--overwrite", "--tracking-uri", "http://127.0.0.1:9", "-o", str(old_run)]
    result = _run(args, tmp_path / "home")
    assert result.exit_code == 1 and "cannot be reached" in result.output
    assert _snapshot(old_run) == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_commit_replaces_the_whole_folder(old_run):
    staging = stage(old_run, overwrite=True)
    (staging.work / "config.yaml").write_text("new: run\n")
    (staging.work / "models").mkdir()
    (staging.work / "models" / "new_variant.pt").write_bytes(b"new")
    assert staging.commit() == old_run.absolute()
    assert sorted(str(p.relative_to(old_run)) for p in old_run.rglob("*")) == [
        "config.yaml", "models", "models/new_variant.pt"
    ]  # fmt: skip  (no stale model, tearsheet or predictions of the old run)
    assert not staging.work.exists()
    assert [p.name for p in old_run.parent.iterdir() if p.name.startswith(".")] == []


def test_the_run_folder_gets_the_usual_mode_not_the_temporary_one(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        staging = stage(tmp_path / "out")
        assert stat.S_IMODE(staging.commit().stat().st_mode) == 0o755
    finally:
        os.umask(mask)


def test_a_run_finished_meanwhile_into_the_same_new_folder_is_kept(tmp_path):
    first, second = stage(tmp_path / "out"), stage(tmp_path / "out")
    (first.work / "config.yaml").write_text("first")
    (second.work / "config.yaml").write_text("second")
    first.commit()
    expected = rf"another run was written to .*out while this one ran; this run is complete in {second.work}"
    with pytest.raises(ConfigError, match=expected):
        second.commit()
    assert (tmp_path / "out" / "config.yaml").read_text() == "first"


# --- the manifest: report and compare read the files of one run -----------------------------------


def test_write_run_records_a_manifest_that_read_run_checks(tmp_path):
    from alphacheck.rundir import write_run

    made = runfolder.write_run_folder(tmp_path / "source")
    run = read_run(made)
    written = write_run(tmp_path / "copy", run.scenario, run.predictions, run.returns, run.metrics)
    assert (tmp_path / "copy" / MANIFEST_FILE).is_file() and len(written.run_id) == 32
    assert read_run(tmp_path / "copy").run_id == written.run_id


@pytest.mark.parametrize("swapped", ["config.yaml", "predictions.parquet", "metrics.json", "returns.parquet"])
def test_a_file_of_another_run_is_refused_by_report_and_compare(old_run, tmp_path, swapped):
    other = runfolder.write_run_folder(tmp_path / "other", seed=5)
    if swapped == "config.yaml":
        (other / swapped).write_text((other / swapped).read_text().replace("seed: 7", "seed: 8"))
    if swapped == "metrics.json":
        (other / swapped).write_text((other / swapped).read_text().replace('"seed": 7', '"seed": 8'))
    (old_run / swapped).write_bytes((other / swapped).read_bytes())
    expected = f"{old_run / swapped} differs from the one the run wrote (run 0ld): the folder mixes files"
    for command in (["report", str(old_run), "--no-tearsheets"], ["compare", str(old_run), "--no-tracking"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1, result.output
        assert f"Error: {expected}" in result.output
    assert not (old_run / "index.html").exists()


def test_a_missing_or_added_result_file_is_refused(old_run):
    (old_run / "returns.parquet").unlink()
    with pytest.raises(ConfigError, match=r"returns.parquet is missing \(run 0ld\)"):
        check_manifest(old_run, RESULTS)
    write_manifest(old_run, "0ld", RESULTS)
    pd.DataFrame({"date": [], "book": []}).to_parquet(old_run / "portfolio.parquet")
    with pytest.raises(ConfigError, match=r"portfolio.parquet was added after the run wrote the folder"):
        check_manifest(old_run, [*RESULTS, "portfolio.parquet"])


def test_a_folder_from_before_manifests_is_still_read(tmp_path):
    folder = runfolder.write_run_folder(tmp_path / "legacy")
    assert not (folder / MANIFEST_FILE).exists()
    assert read_run(folder).run_id is None


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda p: (p / "predictions.parquet").write_bytes(b"PAR1 cut"), r"predictions.parquet cannot be"),
        (lambda p: (p / "returns.parquet").write_bytes(b""), r"returns.parquet cannot be read"),
        (lambda p: (p / "metrics.json").write_bytes(b"\xff\xfe"), r"metrics.json: not valid JSON"),
        (lambda p: (p / "metrics.json").write_text("[1, 2]"), r"metrics.json does not hold a run's metrics"),
        (lambda p: (p / "config.yaml").write_text("name: [x"), r"config.yaml: not valid YAML"),
        (lambda p: pd.read_parquet(p / "predictions.parquet").drop(columns=["proba"]).to_parquet(
            p / "predictions.parquet"), r"predictions.parquet lacks columns \['proba'\]"),
    ],
)  # fmt: skip
def test_an_unreadable_result_file_is_one_line(tmp_path, corrupt, message):
    folder = runfolder.write_run_folder(tmp_path / "legacy")  # no manifest: the reading itself must hold
    corrupt(folder)
    for command in (["report", str(folder), "--no-tearsheets"], ["compare", str(folder), "--no-tracking"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1
        assert result.output.startswith("Error: ") and "Traceback" not in result.output
        assert pd.Series([result.output]).str.contains(message).all(), result.output


@pytest.mark.slow
def test_overwrite_replaces_the_whole_run_and_a_report_failure_keeps_the_results(tmp_path, monkeypatch):
    import alphacheck.report.plots

    home, out = tmp_path / "home", tmp_path / "out"
    args = ["quick", "--no-tracking", "-q", "--epochs", "1", "-o", str(out)]
    first = _run(args, home)
    assert first.exit_code == 0, first.output
    first_id = read_run(out).run_id
    (out / "models" / "stale_variant.pt").write_bytes(b"a model the new run does not have")

    def broken(*a, **k):
        raise ValueError("'yerr' must not contain negative values")

    monkeypatch.setattr(alphacheck.report.plots, "fold_accuracy_plot", broken)
    second = _run([*args, "--overwrite"], home)
    assert second.exit_code == 1
    assert "Error: drawing the report failed at the plot 'Accuracy per fold'" in second.output
    assert f"draw the report again with `alphacheck report {out.absolute()}`" in second.output
    rerun = read_run(out)  # the results took their place: complete, consistent, and only the new run's
    assert rerun.run_id not in (None, first_id)
    assert not (out / "models" / "stale_variant.pt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    monkeypatch.undo()
    redrawn = CliRunner().invoke(cli, ["report", str(out), "--no-tearsheets", "-q"])
    assert redrawn.exit_code == 0, redrawn.output
    assert (out / "plots" / "fold_accuracy.png").is_file()
