"""Make a fixed set of run folders with some version of the code, and compare two sets byte for byte.

A restructuring must not change any prediction or metric. This script proves
it: make the reference set with the code before the change, the candidate set
with the code after it, and compare.

    # the reference, from an unmodified copy of the base commit
    git archive <base> | tar -x -C /tmp/base
    python bench/compare_runs.py --make /tmp/runs-ref --code /tmp/base
    # the candidate, from this checkout
    python bench/compare_runs.py --make /tmp/runs-new
    python bench/compare_runs.py --compare /tmp/runs-ref /tmp/runs-new

``--make DIR`` runs every case below through ``python -m alphacheck`` of the
code at ``--code`` (default: this checkout), in a subprocess with
``PYTHONPATH=<code>``, a temporary ``ALPHACHECK_HOME``, ``--no-tracking``,
``--device cpu``, fold checkpoints off and none of the override environment
variables set. The cases are offline: the embedded sample data, and the real
Yahoo CSVs of ``--yahoo-dir`` imported into the temporary home with
``alphacheck data import`` and read with ``ALPHACHECK_OFFLINE=1``. Each case is
a shipped scenario file with a few keys changed (shorter dates, fewer epochs),
written to a temporary YAML: the CLI is the one interface every version of the
code shares.

``--compare A B`` compares each case's ``predictions.parquet``,
``returns.parquet``, ``config.yaml``, ``models/*``, ``compare-*.json`` and,
with a portfolio, ``portfolio.parquet`` and ``portfolio_weights.parquet``
byte for byte, and ``metrics.json`` with only wall-clock fields removed (a
fold's ``seconds``). It prints every difference and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
YAHOO_DIR = Path("/work/shared/data/yahoo")

# Fields whose value is a wall-clock measurement, not a result: dropped from metrics.json before comparing.
WALL_CLOCK_KEYS = frozenset({"seconds", "started", "finished", "timestamp", "created", "elapsed_seconds"})

# Environment variables that override a scenario (the original project's); unset for every case.
OVERRIDE_VARIABLES = (
    "MODEL_VARIANT", "BATCH_SIZE", "EPOCHS", "LEARNING_RATE", "SEQUENCE_LENGTH", "FORCE_CPU", "TICKERS",
    "INGESTION_START_DATE", "INGESTION_END_DATE", "MLFLOW_TRACKING_URI", "ALPHACHECK_EXECUTOR", "RAY_ADDRESS",
    "ALPHACHECK_OFFLINE",
)


@dataclass(frozen=True)
class Case:
    """One run: a shipped scenario, the keys changed in it, extra ``run`` flags, and follow-up commands."""

    name: str
    scenario: str
    changes: dict[str, object]
    flags: tuple[str, ...] = ()
    yahoo: bool = False
    compare_variants: tuple[str, str] | None = None
    env: dict[str, str] = field(default_factory=dict)


CASES = (
    Case("quick", "quick", {}),
    Case(
        "quick_processes", "quick", {},
        flags=("--executor", "processes", "--workers", "2"),
    ),
    # Two variants: the SPA test across variants, and `alphacheck compare` on the folder.
    Case(
        "default_short", "default",
        {"data.start": "1999-01-01", "data.end": "2004-06-30", "training.epochs": 3,
         "variants": ["baseline", "lightweight"]},
        compare_variants=("baseline", "lightweight"),
    ),
    Case(
        "transaction_costs_short", "transaction_costs",
        {"data.start": "2009-01-01", "data.end": "2013-12-31", "training.epochs": 3},
    ),
    Case(
        "covid_yahoo", "covid_crash_2020", {"training.epochs": 3}, yahoo=True,
    ),
    # The books across tickers: portfolio.parquet and portfolio_weights.parquet.
    Case("portfolio_demo_short", "portfolio_demo", {"data.end": "2015-12-31", "training.epochs": 3}),
)


def scenario_text(code: Path, name: str) -> str | None:
    """The shipped scenario ``name`` of the code at ``code`` (the top-level copy, else the package data)."""
    for folder in (code / "scenarios", code / "alphacheck" / "scenarios" / "shipped"):
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path.read_text()
    return None


def case_yaml(code: Path, case: Case) -> str:
    """The scenario of ``case`` with its changes and fold checkpoints off, as YAML text."""
    import yaml

    tree = yaml.safe_load(scenario_text(code, case.scenario) or "")
    changes = {"training.checkpoint": False, **case.changes}
    for dotted, value in changes.items():
        node = tree
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return yaml.safe_dump(tree, sort_keys=False)


def make(out: Path, code: Path, python: str, yahoo_dir: Path, only: set[str] | None) -> None:
    """Run every case with the code at ``code`` into ``out/<case>``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="alphacheck-compare-") as scratch:
        scratch_dir = Path(scratch)
        env = {k: v for k, v in os.environ.items() if k not in OVERRIDE_VARIABLES}
        env.update(PYTHONPATH=str(code), ALPHACHECK_HOME=str(scratch_dir / "home"))
        imported = False
        for case in CASES:
            if only and case.name not in only:
                continue
            target = out / case.name
            if target.exists():
                shutil.rmtree(target)
            if scenario_text(code, case.scenario) is None:
                print(f"{case.name}: skipped, {code} ships no scenario {case.scenario!r}", flush=True)
                continue
            case_env = {**env, **case.env}
            if case.yahoo:
                if not imported:
                    files = sorted(str(p) for p in yahoo_dir.glob("*.csv"))
                    if not files:
                        raise SystemExit(f"no Yahoo CSV files in {yahoo_dir}; give --yahoo-dir")
                    _call([python, "-m", "alphacheck", "data", "import", *files], case_env, scratch_dir)
                    imported = True
                case_env["ALPHACHECK_OFFLINE"] = "1"
            config = scratch_dir / f"{case.name}.yaml"
            config.write_text(case_yaml(code, case))
            started = time.perf_counter()
            _call(
                [python, "-m", "alphacheck", "run", str(config), "--output", str(target), "--no-tracking",
                 "--device", "cpu", "-q", *case.flags],
                case_env, scratch_dir,
            )
            if case.compare_variants:
                _call(
                    [python, "-m", "alphacheck", "compare", str(target), "--variants",
                     ",".join(case.compare_variants), "--no-tracking"],
                    case_env, scratch_dir,
                )
            print(f"{case.name}: {time.perf_counter() - started:.0f}s -> {target}", flush=True)
        (out / "MADE_WITH.txt").write_text(f"code: {code}\n{_describe(code)}\n")


def _describe(code: Path) -> str:
    """The git commit and state of ``code`` when it is a checkout, for the record."""
    try:
        head = subprocess.run(
            ["git", "-C", str(code), "log", "-1", "--format=%H %s"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(code), "status", "--porcelain"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit: {head}" + (" (uncommitted changes)" if dirty else "")


def _call(command: list[str], env: dict[str, str], cwd: Path) -> None:
    """Run ``command``; stop with its output when it fails."""
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}")


# ---------------------------------------------------------------------------------------------- compare


def strip_wall_clock(value: object) -> object:
    """``value`` without the keys of :data:`WALL_CLOCK_KEYS`, at any depth."""
    if isinstance(value, dict):
        return {k: strip_wall_clock(v) for k, v in value.items() if k not in WALL_CLOCK_KEYS}
    if isinstance(value, list):
        return [strip_wall_clock(v) for v in value]
    return value


def json_differences(a: object, b: object, path: str = "") -> list[str]:
    """Every place where two JSON trees differ, as ``path: a != b`` (exact, NaN-free JSON values)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                out.append(f"{where}: only in {'B' if key not in a else 'A'}")
            else:
                out.extend(json_differences(a[key], b[key], where))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in json_differences(x, y, f"{path}[{i}]")]
    if type(a) is not type(b) or a != b:
        return [f"{path}: {a!r} != {b!r}"]
    return []


def frame_differences(a: Path, b: Path) -> list[str]:
    """Where two parquet files' tables differ (to explain a byte difference)."""
    import pandas as pd

    left, right = pd.read_parquet(a), pd.read_parquet(b)
    if list(left.columns) != list(right.columns):
        return [f"columns {list(left.columns)} != {list(right.columns)}"]
    if left.shape != right.shape:
        return [f"shape {left.shape} != {right.shape}"]
    out = []
    for column in left.columns:
        x, y = left[column], right[column]
        if str(x.dtype) != str(y.dtype):
            out.append(f"{column}: dtype {x.dtype} != {y.dtype}")
            continue
        unequal = ~((x == y) | (x.isna() & y.isna()))
        if unequal.any():
            row = int(unequal.to_numpy().nonzero()[0][0])
            out.append(
                f"{column}: {int(unequal.sum())} rows differ, "
                f"first row {row}: {x.iloc[row]!r} != {y.iloc[row]!r}"
            )
    return out or ["same table, different bytes (metadata or encoding)"]


def compare_case(a: Path, b: Path) -> list[str]:
    """The differences between two run folders of the same case."""
    out = []
    names = {"predictions.parquet", "returns.parquet", "config.yaml", "metrics.json"}
    books = ("portfolio.parquet", "portfolio_weights.parquet")
    names |= {name for name in books for folder in (a, b) if (folder / name).is_file()}
    for folder in (a, b):
        names |= {str(p.relative_to(folder)) for p in (folder / "models").glob("*")}
        names |= {p.name for p in folder.glob("compare-*.json")}
    for name in sorted(names):
        left, right = a / name, b / name
        if not left.is_file() or not right.is_file():
            out.append(f"{name}: only in {'B' if not left.is_file() else 'A'}")
            continue
        if name == "metrics.json":
            found = json_differences(*(strip_wall_clock(json.loads(p.read_text())) for p in (left, right)))
            out.extend(f"{name}: {d}" for d in found)
        elif left.read_bytes() != right.read_bytes():
            detail = frame_differences(left, right) if name.endswith(".parquet") else ["bytes differ"]
            out.extend(f"{name}: {d}" for d in detail)
    return out


def compare(a: Path, b: Path) -> int:
    """Compare every case folder of ``a`` and ``b``; print each difference; 1 when there is any."""
    cases_a = {p.name for p in a.iterdir() if p.is_dir()}
    cases_b = {p.name for p in b.iterdir() if p.is_dir()}
    if not cases_a | cases_b:
        print(f"no run folders in {a} or {b}")
        return 1
    failures = 0
    for name in sorted(cases_a | cases_b):
        if name not in cases_a or name not in cases_b:
            print(f"{name}: only in {'B' if name not in cases_a else 'A'}")
            failures += 1
            continue
        found = compare_case(a / name, b / name)
        failures += len(found)
        for line in found:
            print(f"{name}: {line}")
        if not found:
            print(f"{name}: identical")
    print("DIFFERENT" if failures else "IDENTICAL", f"({len(cases_a | cases_b)} run folders)")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--make", type=Path, metavar="DIR", help="Run every case into DIR/<case>.")
    action.add_argument(
        "--compare", type=Path, nargs=2, metavar=("A", "B"), help="Compare two --make folders."
    )
    parser.add_argument(
        "--code", type=Path, default=REPO, help="Root of the code to run (default: this checkout)."
    )
    parser.add_argument(
        "--python", default=sys.executable, help="Interpreter with alphacheck's dependencies."
    )
    parser.add_argument("--yahoo-dir", type=Path, default=YAHOO_DIR, help="Folder of Yahoo CSV files.")
    parser.add_argument(
        "--only", metavar="A,B", help=f"Only these cases ({', '.join(c.name for c in CASES)})."
    )
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    only = set(args.only.split(",")) if args.only else None
    unknown = (only or set()) - {c.name for c in CASES}
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; the cases are {[c.name for c in CASES]}")
    make(args.make.resolve(), args.code.resolve(), args.python, args.yahoo_dir, only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
