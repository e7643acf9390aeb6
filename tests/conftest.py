"""Shared fixtures: small synthetic prices, the real CSVs in ../shared, temp stores."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_YAHOO = REPO.parent / "shared" / "data" / "yahoo"


def synthetic_prices(n: int = 300, seed: int = 0, start: str = "2020-01-01") -> pd.DataFrame:
    """A random-walk OHLCV frame in the Prices convention (business days)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(start, periods=n, name="date")
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n)))
    open_ = close * np.exp(rng.normal(0, 0.003, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    volume = rng.integers(1_000_000, 5_000_000, n).astype("float64")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=dates)


@pytest.fixture
def one_torch_thread():
    """Torch's worker threads contend on the shared 2-core machine; training tests use one.

    A test module asks for it with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def prices() -> pd.DataFrame:
    """300 bars of synthetic prices."""
    return synthetic_prices()


def skip_unless_ci(message: str) -> NoReturn:
    """Skip the test, except under CI (``CI=true``), where what is missing is a failure, not a pass."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def require(module: str) -> ModuleType:
    """Import an optional package that ``make test`` installs (dev and ray extras): missing, the test
    skips, and under CI fails."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        skip_unless_ci(f"{module} is not installed ({exc}): `make test` installs it")


@pytest.fixture
def shared_yahoo_dir() -> Path:
    """The real Yahoo CSVs in ../shared/data/yahoo: under CI a missing folder fails, else skips."""
    if not (SHARED_YAHOO / "SPY.csv").is_file():
        skip_unless_ci(f"real market data not found at {SHARED_YAHOO}")
    return SHARED_YAHOO


@pytest.fixture(autouse=True)
def _mlflow_environment_restored():
    """``mlflow.set_tracking_uri`` sets ``MLFLOW_TRACKING_URI`` in ``os.environ`` too: undo it after a test.

    Otherwise a later test sees a store it did not ask for (``--no-tracking`` then clashes with the
    ``--tracking-uri`` read from that variable).
    """
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    import sys

    if "mlflow" in sys.modules:  # and its in-process default, which `runs list` and `ui` would read next
        sys.modules["mlflow"].set_tracking_uri(None)
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


#: The original project's variables that would change a shipped scenario's settings.
OVERRIDE_VARIABLES = ("TICKERS", "INGESTION_START_DATE", "INGESTION_END_DATE", "MODEL_VARIANT", "EPOCHS")


def run_shipped(root: Path, name: str) -> tuple[Path, str]:
    """``alphacheck run NAME -q --no-tracking --device cpu`` offline in its own home under ``root``.

    Returns the run folder and what the command printed.
    """
    from click.testing import CliRunner

    from alphacheck.cli.main import cli

    out = root / "run"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALPHACHECK_HOME", str(root / "home"))
        patch.setenv("ALPHACHECK_OFFLINE", "1")
        for variable in OVERRIDE_VARIABLES:
            patch.delenv(variable, raising=False)
        args = ["run", name, "--no-tracking", "-q", "-o", str(out), "--device", "cpu"]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The shipped ``quick`` scenario, run once per session: its folder and output (tests share it)."""
    return run_shipped(tmp_path_factory.mktemp("quick"), "quick")


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The shipped ``default`` scenario, run once per session (minutes): its folder and output.

    Its embedded SP500 opens of 1999-2006 copy the last close; validation warns
    about it (default fills at the close), and the fixture expects the warning.
    """
    from alphacheck.exceptions import DataWarning

    with pytest.warns(DataWarning, match="SP500: the open equals the previous close"):
        return run_shipped(tmp_path_factory.mktemp("default"), "default")


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """An empty ``ALPHACHECK_HOME``, offline, and none of the original project's variables set."""
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    for variable in ("TICKERS", "INGESTION_START_DATE", "INGESTION_END_DATE", "MODEL_VARIANT", "EPOCHS"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def tracking_uri(tmp_path: Path) -> str:
    """A fresh sqlite MLflow store in a temporary folder."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


#: Modules named like the libraries alphacheck and mlflow import: planted where a command runs.
LIBRARY_TRAPS = (
    "vectorbt", "torch", "pandas", "numpy", "yaml", "mlflow", "quantstats", "pyarrow", "scipy", "ray",
    "uvicorn", "sqlalchemy",
)
_TRAP = "import pathlib\npathlib.Path(__file__).with_suffix('.executed').write_text('imported')\n"


def plant_traps(folder: Path) -> Path:
    """Create ``folder`` with a module for each of :data:`LIBRARY_TRAPS`; each marks itself when imported."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in LIBRARY_TRAPS:
        (folder / f"{name}.py").write_text(_TRAP)
    return folder


def sprung_traps(folder: Path) -> list[str]:
    """The planted modules of ``folder`` that were imported."""
    return sorted(path.stem for path in folder.glob("*.executed"))


def forget_modules_from(folder: Path, before: set[str]) -> None:
    """Unload modules imported since ``before`` whose file lies in ``folder`` (test plugins).

    Only those: unloading library modules that a test happened to import first
    (pandas, pyarrow, torch extensions) and importing them again breaks their
    C extensions for the rest of the session.
    """
    import sys

    root = Path(folder).resolve()
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None)
        if file and Path(file).resolve().is_relative_to(root):
            del sys.modules[name]


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """cwd is tmp_path; afterwards the feature and variant registries, sys.path and plugin modules are restored."""
    import sys

    from alphacheck.features import plugins as plugins_module
    from alphacheck.features import registry
    from alphacheck.models import registry as model_registry

    features, variants = dict(registry._REGISTRY), dict(model_registry.VARIANTS)
    modules, path = set(sys.modules), list(sys.path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plugins_module, "_loaded_entry_points", False)
    monkeypatch.setattr(plugins_module, "_LOADED", [])  # what workers would load: this test's plugins only
    yield tmp_path
    registry._REGISTRY.clear()
    registry._REGISTRY.update(features)
    model_registry.VARIANTS.clear()
    model_registry.VARIANTS.update(variants)
    forget_modules_from(tmp_path, modules)
    sys.path[:] = path


# Fields of metrics.json that record how a run went, not what it found: a fold's wall time, and
# whether it was resumed from a checkpoint (an earlier identical run leaves one).
RUN_RECORD_KEYS = frozenset({"seconds", "resumed"})


def run_folder_differences(a: Path, b: Path, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Where two run folders of the same scenario differ, as bench/compare_runs.py judges it.

    Every file's relative path must be in both (except names in ``ignore``);
    the parquet files, ``config.yaml`` and ``models/*`` must be equal byte for
    byte, and ``metrics.json`` equal once :data:`RUN_RECORD_KEYS` are dropped.
    """
    import json

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in RUN_RECORD_KEYS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    files = [{str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - ignore for root in (a, b)]
    out = [f"{name}: only in {'A' if name in files[0] else 'B'}" for name in sorted(files[0] ^ files[1])]
    for name in sorted(files[0] & files[1]):
        left, right = a / name, b / name
        if name == "metrics.json":
            if strip(json.loads(left.read_text())) != strip(json.loads(right.read_text())):
                out.append("metrics.json: different figures")
        elif name.endswith(".parquet") or name == "config.yaml" or name.startswith("models/"):
            if left.read_bytes() != right.read_bytes():
                out.append(f"{name}: bytes differ")
    return out
