"""The package as a user installs it: a wheel with its scenarios, working outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios import shipped_scenarios

REPO = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPO / "alphacheck" / "scenarios" / "shipped"
# Read from the folder itself, to check importlib.resources, the wheel and `scenarios list` against it.
SHIPPED = sorted(path.stem for path in PACKAGE_DIR.glob("*.yaml"))
# Variables that would change the run, or point Python back at the repository.
_CLEARED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "MODEL_VARIANT", "BATCH_SIZE", "EPOCHS", "LEARNING_RATE",
            "SEQUENCE_LENGTH", "TICKERS", "INGESTION_START_DATE", "INGESTION_END_DATE", "MLFLOW_TRACKING_URI",
            "ALPHACHECK_EXECUTOR", "RAY_ADDRESS", "VIRTUAL_ENV")


def test_the_shipped_scenarios_are_package_data_and_the_only_copy():
    assert "quick" in SHIPPED and "default" in SHIPPED
    assert sorted(shipped_scenarios()) == SHIPPED
    assert {Path(str(f)).parent for f in shipped_scenarios().values()} == {PACKAGE_DIR}
    # One source of truth: a scenario added at the top level would not be shipped in the wheel.
    assert not list(REPO.glob("scenarios/*.yaml"))


def test_make_demo_runs_a_shipped_scenario_named_as_the_readme_says(tmp_path, monkeypatch):
    """`make demo` on a fresh clone: its scenario is package data, found from any folder, as the README says."""
    from alphacheck.scenarios import find_scenario

    recipe = (REPO / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    (command,) = [line.strip() for line in recipe.splitlines() if "alphacheck run" in line]
    assert command.startswith("$(BIN)/alphacheck run ")
    scenario = command.removeprefix("$(BIN)/alphacheck run ").split()[0]
    monkeypatch.chdir(tmp_path)
    assert find_scenario(scenario) == shipped_scenarios()[scenario]
    setup = (REPO / "README.md").read_text().split("## Usage", 1)[0]
    assert f"runs\n`alphacheck run {scenario}`:" in setup


def test_a_shipped_name_yields_to_a_file_and_the_old_folder_is_no_alias(tmp_path, monkeypatch):
    from alphacheck.scenarios import find_scenario, load_scenario

    monkeypatch.chdir(tmp_path)
    assert find_scenario("default.yaml") == shipped_scenarios()["default"]
    with pytest.raises(ConfigError, match=r"scenario file 'scenarios/default.yaml' not found \(did you mean 'default'"):
        find_scenario("scenarios/default.yaml")  # the top-level folder is gone: no second way to name it
    (tmp_path / "default.yaml").write_text("name: mine\n")
    assert load_scenario("default.yaml").name == "mine"  # a file that exists comes first


def _build_wheel(tmp_path: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the sources, so the build writes nothing into the repository."""
    source = tmp_path / "source"
    shutil.copytree(REPO / "alphacheck", source / "alphacheck", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(source)],
        check=True, timeout=600,
    )
    (wheel,) = wheels.glob("alphacheck-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new virtualenv with the wheel installed; the test interpreter's packages supply the dependencies.

    The wheel goes in before the ``.pth`` line exists, so pip sees an empty
    environment; the line then appends the test environment's site-packages
    (torch, vectorbt, ...) after the venv's own, so reinstalling several GB is
    not needed and the venv's ``alphacheck`` still comes first.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True, timeout=600,
    )
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_alphacheck_test_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(dependencies)))
    return venv


@pytest.mark.slow
def test_the_wheel_installs_and_runs_quick_from_an_empty_folder(tmp_path):
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        packaged = {name for name in archive.namelist() if name.startswith("alphacheck/scenarios/shipped/")}
    assert packaged == {f"alphacheck/scenarios/shipped/{name}.yaml" for name in SHIPPED}

    venv = _fresh_venv(tmp_path, wheel)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(ALPHACHECK_HOME=str(tmp_path / "home"), MPLBACKEND="Agg")

    def call(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(args, cwd=empty, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    imported = call(str(venv / "bin" / "python"), "-c", "import alphacheck; print(alphacheck.__file__)")
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    assert Path(imported.stdout.strip()) == site / "alphacheck" / "__init__.py"

    listed = call(str(venv / "bin" / "alphacheck"), "scenarios", "list").stdout
    assert [line.split()[0] for line in listed.splitlines() if line and not line.startswith(" ")] == SHIPPED

    call(str(venv / "bin" / "alphacheck"), "run", "quick", "--no-tracking", "-q", "--epochs", "1")
    (folder,) = (empty / "runs").glob("quick-*")
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["scenario"] == "quick" and set(metrics["metrics"]) == {"SP500"}
    for name in ("config.yaml", "predictions.parquet", "returns.parquet", "summary.md", "index.html"):
        assert (folder / name).stat().st_size > 0, name
    assert (folder / "tearsheets" / "SP500-baseline.html").is_file()
    assert sorted(p.name for p in empty.iterdir()) == ["runs"]  # no mlflow.db, nothing else written here
