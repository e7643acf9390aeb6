"""Bad inputs through the command line: one clear line, a non-zero exit, and nothing of the user's changed.

Issue 14 (finding 10): a hostile and careless user's inputs, every CSV, YAML,
flag, environment and fault case of the issue and more. Each case must
- exit non-zero,
- print no traceback, and no "unexpected" error (the fallback for bugs),
- end in one ``Error: ...`` line (click's usage errors add their usage lines),
- leave the user's price cache, an existing run folder, the MLflow store and
  the working directory exactly as they were (hashes before and after).
All cases fail before any training.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.scenarios import shipped_scenarios
from tests.conftest import synthetic_prices

_spec = importlib.util.spec_from_file_location("runfolder", Path(__file__).parents[1] / "report/runfolder.py")
runfolder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runfolder)

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"
ROW = "10.0,10.5,9.8,10.2,10.2,100"
QUICK = yaml.safe_load(shipped_scenarios()["quick"].read_text())
RESULTS = ("config.yaml", "predictions.parquet", "returns.parquet", "metrics.json")


class World:
    """The user's things (cache, a run, an MLflow store, the working folder) and the bad inputs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.work = root / "work"
        self.inputs = root / "inputs"
        self.run = root / "work" / "runs" / "good"
        self.store = root / "store" / "mlflow.db"
        for folder in (self.work, self.inputs, self.store.parent):
            folder.mkdir(parents=True)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "ALPHACHECK_HOME": str(self.home), "FORCE_CPU": "1",
            "MLFLOW_TRACKING_URI": f"sqlite:///{self.store}", **extra,
        }  # fmt: skip

    def csv(self, name: str, dates: list[str], rows: list[str] | None = None) -> str:
        """``inputs/<name>/XYZ.csv``: every bad file is named like the cached ticker it must not replace."""
        folder = self.inputs / name
        folder.mkdir()
        path = folder / "XYZ.csv"
        rows = rows or [ROW] * len(dates)
        path.write_text(HEADER + "".join(f"{d},{r}\n" for d, r in zip(dates, rows, strict=True)))
        return str(path)

    def raw(self, name: str, data: bytes, file: str = "XYZ.csv") -> str:
        folder = self.inputs / name
        folder.mkdir()
        (folder / file).write_bytes(data)
        return str(folder / file)

    def scenario(self, name: str, changes: dict | None = None, text: str | None = None) -> str:
        path = self.inputs / f"{name}.yaml"
        if text is None:
            tree = {**QUICK}
            for key, value in (changes or {}).items():
                merge = isinstance(value, dict) and isinstance(tree.get(key), dict)
                tree[key] = {**tree[key], **value} if merge else value
            text = yaml.safe_dump(tree)
        path.write_text(text)
        return str(path)

    def copy_run(self, name: str, corrupt) -> str:
        """A copy of a run folder, damaged by ``corrupt`` (the user's own run is never touched)."""
        folder = runfolder.write_run_folder(self.inputs / name)
        corrupt(folder)
        return str(folder)

    def snapshot(self) -> dict[str, str]:
        """Every file of the cache, the run, the store and the working folder, with its hash."""
        return {
            str(path.relative_to(self.root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in (self.home, self.work, self.store.parent)
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        } | {str(p.relative_to(self.root)): "dir" for p in self.work.rglob("*") if p.is_dir()}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    world = World(tmp_path_factory.mktemp("bad-inputs"))
    # The user's cache: one ticker, as `data import` left it, and one entry a column short.
    import os

    os.environ["ALPHACHECK_HOME"], before = str(world.home), os.environ.get("ALPHACHECK_HOME")
    try:
        from alphacheck.data.cache import PriceCache

        cache = PriceCache()
        frame = synthetic_prices(60).assign(adj_close=lambda f: f["close"])
        for ticker in ("XYZ", "ABC"):
            cache.write(ticker, frame, "import:XYZ.csv", (dt.date(2020, 1, 1), dt.date(2020, 3, 24)))
        pq.write_table(pq.read_table(cache.path("ABC")).drop(["volume"]), cache.path("ABC"))
    finally:
        if before is None:
            del os.environ["ALPHACHECK_HOME"]
        else:
            os.environ["ALPHACHECK_HOME"] = before
    # The user's finished run, and the store it was logged to.
    from alphacheck.rundir.manifest import write_manifest
    from mlflow import MlflowClient

    runfolder.write_run_folder(world.run)
    write_manifest(world.run, "0123", RESULTS)
    client = MlflowClient(tracking_uri=f"sqlite:///{world.store}")
    run = client.create_run(client.create_experiment("earlier"))
    client.log_metric(run.info.run_id, "sharpe", 0.4)
    (world.root / "a_file").write_text("not a folder")
    return world


def _mix_runs(folder: Path) -> None:
    """A run's manifest, then another run's predictions put in its folder."""
    from alphacheck.rundir.manifest import write_manifest

    write_manifest(folder, "1", RESULTS)
    pd.read_parquet(folder / "predictions.parquet").iloc[:5].to_parquet(folder / "predictions.parquet")


def _cases(w: World) -> dict[str, tuple[list[str], dict[str, str], str]]:
    """id -> (arguments, extra environment, a fragment of the one error line)."""
    cases: dict[str, tuple[list[str], dict[str, str], str]] = {}

    def case(name: str, args: list[str], fragment: str, **env: str) -> None:
        cases[name] = (args, env, fragment)

    dates = ["2021-03-01", "2021-03-02", "2021-03-03"]
    new = str(w.work / "runs" / "new")
    quick = ["run", "quick", "-o", new]

    def run_file(name: str, **kwargs) -> list[str]:
        return ["run", w.scenario(name, **kwargs), "-o", new]

    def variant(name: str, **fields) -> dict:
        return {"variants": [{"name": name, **fields}]}

    def imports(path: str) -> list[str]:
        return ["data", "import", path]

    # Price files, each named XYZ.csv: the cached XYZ must survive every refused import.
    bad_high = [ROW, "10,inf,9.8,10.2,10.2,100", ROW]
    case("csv infinite high", imports(w.csv("inf", dates, bad_high)), "infinite values on 2021-03-02")
    huge = ["1e300,1.1e300,9e299,1e300,1e300,100"] * 3
    case("csv scaled 1e300", imports(w.csv("huge", dates, huge)), "values outside what the metrics can")
    dmy = ["01/02/2021", "02/02/2021", "03/02/2021"]
    case("csv ambiguous day/month", imports(w.csv("dmy", dmy)), "read as day/month and as month/day give")
    both = ["13/01/2021", "01/14/2021", "01/15/2021"]
    case("csv both orders", imports(w.csv("mixed", both)), "mix day/month orders")
    impossible = ["2021-03-01", "2015-13-45", "2021-03-03"]
    case("csv impossible date", imports(w.csv("baddate", impossible)), "1 row without a readable date (row 2")
    no_volume = b"Date,Open,High,Low,Close\n2021-03-01,1,1,1,1\n"
    case("csv without volume", imports(w.raw("novol", no_volume)), "missing columns ['volume']")
    case("csv empty", imports(w.raw("empty", b"")), "cannot be read")
    case("csv header only", imports(w.raw("header", HEADER.encode())), "no price rows")
    latin1 = (HEADER + "2021-03-01,1,1,1,1,1,caf\xe9\n").encode("latin-1")
    case("csv not utf-8", imports(w.raw("latin1", latin1)), "cannot be read")
    text = ["abc,10.5,9.8,10.2,10.2,100"]
    case("csv text price", imports(w.csv("text", dates[:1], text)), "missing values on 2021-03-01")
    negative = ["-10,10.5,-9.8,10.2,10.2,100"]
    case("csv negative price", imports(w.csv("neg", dates[:1], negative)), "zero or negative prices")
    case("csv duplicate dates", imports(w.csv("dup", dates[:1] * 2)), "duplicate dates 2021-03-01")
    low_high = ["10,10.1,9.8,10.2,10.2,100"]
    case("csv high below close", imports(w.csv("hl", dates[:1], low_high)), "high below open/close")
    case("parquet that is text", imports(w.raw("fakepq", b"hello", "XYZ.parquet")), "cannot be read")
    case("import a missing file", imports(str(w.inputs / "none.csv")), "not found")
    case("import a .txt", imports(w.raw("txt", b"x", "XYZ.txt")), "unknown kind '.txt'")
    case("cache entry missing a column", ["data", "show", "ABC"], "missing columns ['volume']")
    # Scenario files.
    case("yaml missing", ["run", "nope.yaml"], "scenario file 'nope.yaml' not found")
    latin1_yaml = w.raw("latin1yaml", "name: caf\xe9\n".encode("latin-1"), "s.yaml")
    case("yaml not utf-8", ["run", latin1_yaml], "not UTF-8 text (line 1")
    case("yaml syntax", run_file("syntax", text="name: [x\n"), "not valid YAML")
    case("yaml a list", run_file("list", text="- a\n- b\n"), "expected a mapping of scenario keys, got list")
    case("yaml empty", run_file("emptyyaml", text=""), "expected a mapping of scenario keys, got NoneType")
    bad_date = "name: d\ndata:\n  start: 2015-13-45\n"
    case("yaml impossible date", run_file("date", text=bad_date), "line 3: 2015-13-45 is not a date")
    case("yaml misspelt key", run_file("typo", text="name: t\nseeed: 3\n"), "unknown key 'seeed' (did you")
    case("yaml negative seed", run_file("seedneg", changes={"seed": -1}), "seed = -1")
    case("yaml seed 2**63", run_file("seedbig", changes={"seed": 2**63}), "less than 4294967296")
    epochs_true = {"training": {"epochs": True}}
    case("yaml epochs true", run_file("epochstrue", changes=epochs_true), "epochs = True: a boolean where")
    hidden = variant("baseline", params={"hidden_size": -4})
    case("yaml hidden size -4", run_file("hidden", changes=hidden), "hidden_size = -4: must be an integer")
    dropout = variant("baseline", params={"dropout": 7})
    case("yaml dropout 7", run_file("dropout", changes=dropout), "dropout = 7: must be a number in [0, 1)")
    epochs = variant("baseline", training={"epochs": -3})
    case("yaml variant epochs -3", run_file("vepochs", changes=epochs), "training.epochs = -3")
    unknown = {"variants": ["lstm9000"]}
    case("yaml unknown variant", run_file("variant", changes=unknown), "unknown model variant 'lstm9000'")
    cluster = {"compute": {"executor": "ray", "ray_address": "10.1.2.3:6379"}}
    case("yaml names a Ray cluster", run_file("ray", changes=cluster), "names a Ray cluster")
    validate = ["scenarios", "validate", w.scenario("vhidden", changes=hidden)]
    case("scenarios validate", validate, "1 of 1 scenario file(s) invalid")
    # Flags.
    case("param not yaml", [*quick, "--param", "baseline.hidden_size=[1"], "the value is not valid YAML")
    case("param impossible date", [*quick, "--param", "data.start=2015-13-45"], "is not a valid value")
    case("param without =", [*quick, "--param", "baseline.hidden_size"], "is not KEY=VALUE")
    case("param unknown key", [*quick, "--param", "baseline.width=3"], "has no hyperparameter 'width'")
    case("seed -1 flag", [*quick, "--seed", "-1"], "seed = -1")
    case("seed not a number", [*quick, "--seed", "abc"], "Invalid value for '--seed'")
    case("start impossible", [*quick, "--start", "2015-13-45"], "Invalid value for '--start'")
    case("epochs 0", [*quick, "--epochs", "0"], "Invalid value for '--epochs'")
    case("executor unknown", [*quick, "--executor", "threads"], "'threads' is not one of")
    twice = [*quick, "--no-tracking", "--tracking-uri", "sqlite:///x.db"]
    case("tracking twice", twice, "exclude each other")
    case("variants unknown", [*quick, "--variants", "basline"], "unknown model variant 'basline'")
    case("ticker unknown", [*quick, "--tickers", "NOPE"], "unknown ticker 'NOPE'")
    case("output holds a run", ["run", "quick", "-o", str(w.run)], "holds another run")
    case("output is a file", ["run", "quick", "-o", str(w.root / "a_file")], "is a file")
    case("output below a file", ["run", "quick", "-o", str(w.root / "a_file" / "run")], "is a file, not a")
    down = ["run", "quick", "--overwrite", "-o", str(w.run), "--tracking-uri", "http://127.0.0.1:9"]
    case("overwrite, server down", down, "cannot be reached")
    case("plugin missing", [*quick, "--plugin", "no_such_plugin"], "'no_such_plugin': no such module")
    case("plugin file missing", [*quick, "--plugin", "no/such.py"], "no such Python file")
    case("feature unknown", [*quick, "--add-features", "rsi_99"], "unknown feature 'rsi_99'")
    # The environment.
    case("FORCE_CPU maybe", quick, "FORCE_CPU='maybe' is not 0, 1, true or false", FORCE_CPU="maybe")
    case("EPOCHS abc", quick, "environment variable EPOCHS='abc'", EPOCHS="abc")
    case("start date env", quick, "INGESTION_START_DATE='2015-13-45'", INGESTION_START_DATE="2015-13-45")
    below_file = str(w.root / "a_file" / "h")
    case("home below a file", ["data", "list"], "cannot be used", ALPHACHECK_HOME=below_file)
    case("home below a file, run", quick, "cannot be used", ALPHACHECK_HOME=below_file)
    bogus = "cannot use the MLflow tracking store 'bogus://x'"
    case("bogus tracking uri", ["runs", "list"], bogus, MLFLOW_TRACKING_URI="bogus://x")
    nowhere = f"sqlite:///{w.root / 'nowhere.db'}"
    case("store that does not exist", ["runs", "list", "--tracking-uri", nowhere], "no MLflow store at")
    case("reproduce without a store", ["reproduce", "abc", "--tracking-uri", nowhere], "no MLflow store at")
    case("plugin env missing", quick, "no such module", ALPHACHECK_PLUGINS="no_such_plugin")
    # Faults in run folders: copies, damaged (the user's own run is in the snapshot).
    cut = w.copy_run("trunc", lambda p: (p / "predictions.parquet").write_bytes(b"PAR1 cut"))
    case("report truncated predictions", ["report", cut], "predictions.parquet cannot be read")
    garbage = w.copy_run("metrics", lambda p: (p / "metrics.json").write_bytes(b"\xff\xfe"))
    case("report garbage metrics", ["report", garbage], "metrics.json: not valid JSON")
    no_metrics = w.copy_run("nometrics", lambda p: (p / "metrics.json").unlink())
    case("report without metrics", ["report", no_metrics], "lacks metrics.json")
    case("report mixed runs", ["report", w.copy_run("mixed", _mix_runs)], "differs from the one the run")
    bad_config = w.copy_run("config", lambda p: (p / "config.yaml").write_bytes(b"name: ["))
    case("compare garbage config", ["compare", bad_config, "--no-tracking"], "not valid YAML")
    case("report missing folder", ["report", str(w.inputs / "none")], "does not exist")
    features = ["features", "compute", "NOPE", "--output-file", str(w.inputs / "f.parquet")]
    case("features unknown ticker", features, "unknown ticker 'NOPE'")
    blocked = ["features", "compute", "SP500", "--output-file", str(w.root / "a_file" / "f.parquet")]
    case("features output below a file", blocked, "a file is in the way")
    case("audit bad scenario", ["audit", w.scenario("auditbad", changes={"seed": -1})], "seed = -1")
    return cases


@pytest.fixture(scope="module")
def cases(world):
    return _cases(world)


CASE_IDS = [
    "csv infinite high", "csv scaled 1e300", "csv ambiguous day/month", "csv both orders",
    "csv impossible date", "csv without volume", "csv empty", "csv header only", "csv not utf-8",
    "csv text price", "csv negative price", "csv duplicate dates", "csv high below close",
    "parquet that is text", "import a missing file", "import a .txt", "cache entry missing a column",
    "yaml missing", "yaml not utf-8", "yaml syntax", "yaml a list", "yaml empty", "yaml impossible date",
    "yaml misspelt key", "yaml negative seed", "yaml seed 2**63", "yaml epochs true", "yaml hidden size -4",
    "yaml dropout 7", "yaml variant epochs -3", "yaml unknown variant", "yaml names a Ray cluster",
    "scenarios validate", "param not yaml", "param impossible date", "param without =", "param unknown key",
    "seed -1 flag", "seed not a number", "start impossible", "epochs 0", "executor unknown",
    "tracking twice", "variants unknown", "ticker unknown", "output holds a run", "output is a file",
    "output below a file", "overwrite, server down", "plugin missing", "plugin file missing",
    "feature unknown", "FORCE_CPU maybe", "EPOCHS abc", "start date env", "home below a file",
    "home below a file, run", "bogus tracking uri", "store that does not exist", "reproduce without a store",
    "plugin env missing", "report truncated predictions", "report garbage metrics", "report without metrics",
    "report mixed runs", "compare garbage config", "report missing folder", "features unknown ticker",
    "features output below a file", "audit bad scenario",
]  # fmt: skip


def test_every_case_is_listed(cases):
    assert sorted(cases) == sorted(CASE_IDS) and len(CASE_IDS) >= 40


@pytest.mark.parametrize("case", CASE_IDS)
def test_a_bad_input_is_one_line_and_changes_nothing(world, cases, case, monkeypatch):
    args, extra, fragment = cases[case]
    monkeypatch.chdir(world.work)
    before = world.snapshot()
    result = CliRunner().invoke(cli, args, env=world.env(**extra))
    output = result.output
    assert result.exit_code not in (0, None), output
    assert "Traceback" not in output and "unexpected" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, output
    assert fragment in output, output
    assert world.snapshot() == before, case
    leftovers = [p.name for p in (world.work / "runs").iterdir() if p.name not in ("good",)]
    assert leftovers == [], leftovers  # no new run folder, no partial one


def test_verbose_shows_the_traceback_of_the_same_error(world, cases, monkeypatch):
    args, extra, _ = cases["yaml negative seed"]
    monkeypatch.chdir(world.work)
    result = CliRunner().invoke(cli, ["-v", *args], env=world.env(**extra))
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.output and "seed = -1" in result.output


def test_no_tracking_beats_a_tracking_uri_from_the_environment(world, monkeypatch, tmp_path):
    # MLFLOW_TRACKING_URI is a default; `compare --no-tracking` used to be refused as if both flags were given.
    folder = runfolder.write_run_folder(tmp_path / "run")
    monkeypatch.chdir(world.work)
    result = CliRunner().invoke(cli, ["compare", str(folder), "--no-tracking"], env=world.env())
    assert "exclude each other" not in result.output
    assert result.exit_code == 1 and "compare needs two variants" in result.output  # the folder's own limit
