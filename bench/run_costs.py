"""What a run costs beyond its own work: whole processes, side by side, against the import floor.

Every case is a fresh process, timed from outside (wall) and by its CPU time
(the process and the children it waited for); the cases run interleaved,
``--repeat`` times, and the table gives medians. The 1-minute load average is
recorded at each case's start: on a shared machine the wall time counts other
processes too, and the CPU time is the steadier figure.

Rows (``bench/run_all.py`` puts them in bench/README.md, table 7):

- the import floor of the libraries a run uses (``import torch, vectorbt,
  quantstats, pandas``; with ``mlflow`` for a tracked run) against a warm
  ``alphacheck run quick`` (the numba kernels compiled, fold checkpoints off),
  without tracking and with a sqlite store that exists already;
- a first run (an empty ``ALPHACHECK_HOME``, after the install step's
  ``alphacheck warm-up``) and a first run with nothing compiled (an empty
  numba cache too) against the warm run;
- the Python API with ``report=False, tracking=False`` against the floor of
  torch, vectorbt and pandas;
- the report stage of a 6-variant x 3-ticker run (build_report, tearsheets in
  this process, then in worker processes) against 18 sequential quantstats
  reports of the same strategies, with the tearsheet files compared.

    python bench/run_costs.py [--repeat 3] [--report-repeat 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
YAHOO_DIR = Path("/work/shared/data/yahoo")
FLOOR = "import torch, vectorbt, quantstats, pandas"

API_CHILD = """
import sys, alphacheck
alphacheck.run(sys.argv[1], output_dir=sys.argv[2], tracking=False, report=False, overwrite=True)
"""

# 18 quantstats reports one after another, as a user would call quantstats; prints their seconds.
QUANTSTATS_CHILD = """
import sys, time, warnings
import matplotlib
matplotlib.use("Agg")
import quantstats as qs
from alphacheck.rundir import read_run
run = read_run(sys.argv[1])
returns = run.strategy_returns()
out = sys.argv[2]
warnings.simplefilter("ignore")
started = time.perf_counter()
for ticker in run.tickers:
    for variant in run.variants:
        strategy = returns[(ticker, variant)].rename(variant)
        bench = returns[(ticker, "buy_and_hold")].rename(ticker)
        qs.reports.html(strategy, benchmark=bench, output=f"{out}/{ticker}-{variant}.html", periods_per_year=252,
                        compounded=True, match_dates=False, title=f"{variant} on {ticker}")
print(time.perf_counter() - started)
"""

# The report stage alone (build_report, every tearsheet), with report.workers as given ("auto": unset);
# prints its seconds.
REPORT_CHILD = """
import sys, time
import matplotlib
matplotlib.use("Agg")
from alphacheck.report.builder import build_report
from alphacheck.rundir import read_run
from alphacheck.scenarios import apply_overrides

def main():
    run = read_run(sys.argv[1])
    workers = None if sys.argv[2] == "auto" else int(sys.argv[2])
    run.scenario = apply_overrides(run.scenario, {"report.workers": workers, "report.tearsheets": "all"})
    started = time.perf_counter()
    build_report(run)
    print(time.perf_counter() - started)

if __name__ == "__main__":
    main()
"""


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run ``argv``; its wall seconds, CPU seconds (with waited-for children), load at start and stdout."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-5000:])
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": round(wall, 2), "cpu": round(cpu, 2), "load": round(load, 2), "stdout": done.stdout}


def quick_yaml(folder: Path) -> Path:
    """The shipped quick scenario with fold checkpoints off (every run trains), as a file."""
    import yaml

    from alphacheck.scenarios import load_scenario

    tree = load_scenario("quick").model_dump(mode="json")
    tree["training"]["checkpoint"] = False
    path = folder / "quick-no-checkpoints.yaml"
    path.write_text(yaml.safe_dump(tree, sort_keys=False))
    return path


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "MLFLOW_TRACKING_URI")}
    env.update(PYTHONPATH=str(REPO), ALPHACHECK_HOME=str(home), FORCE_CPU="1")
    return env


def run_cases(scratch: Path, repeat: int) -> dict[str, list[dict]]:
    """Every whole-process case, interleaved ``repeat`` times."""
    python = sys.executable
    scenario = quick_yaml(scratch)
    warm_home = scratch / "warm-home"
    env = base_env(warm_home)
    store = f"sqlite:///{scratch / 'mlflow.db'}"
    run = [python, "-m", "alphacheck", "run", str(scenario), "-q", "--overwrite"]
    # Untimed: the environment's kernels compiled (what `make install` leaves), the sqlite store created.
    timed([python, "-m", "alphacheck", "warm-up", "-q"], env, scratch)
    timed([*run, "-o", str(scratch / "run-store"), "--tracking-uri", store], env, scratch)
    cases = {
        "floor": lambda i: ([python, "-c", FLOOR], env),
        "floor_mlflow": lambda i: ([python, "-c", FLOOR.replace("quantstats,", "quantstats, mlflow,")], env),
        "floor_api": lambda i: ([python, "-c", "import torch, vectorbt, pandas"], env),
        "run_untracked": lambda i: ([*run, "-o", str(scratch / "run-u"), "--no-tracking"], env),
        "run_tracked": lambda i: ([*run, "-o", str(scratch / "run-t"), "--tracking-uri", store], env),
        "first_run": lambda i: ([*run, "-o", str(scratch / "run-f"), "--no-tracking"],
                                base_env(scratch / f"first-home-{i}")),
        "first_run_uncompiled": lambda i: ([*run, "-o", str(scratch / "run-c"), "--no-tracking"],
                                           {**base_env(scratch / f"cold-home-{i}"),
                                            "NUMBA_CACHE_DIR": str(scratch / f"cold-numba-{i}")}),
        "api": lambda i: ([python, "-c", API_CHILD, str(scenario), str(scratch / "run-api")], env),
    }
    results: dict[str, list[dict]] = {name: [] for name in cases}
    for i in range(repeat):
        for name, make in cases.items():
            argv, case_env = make(i)
            row = timed(argv, case_env, scratch)
            del row["stdout"]
            results[name].append(row)
            print(f"{name} #{i + 1}: wall {row['wall']:.1f} s, cpu {row['cpu']:.1f} s, load {row['load']:.1f}",
                  flush=True)
    return results


def stage_profiles(scratch: Path) -> list[dict]:
    """The warm run's stages (``--profile``), untracked and tracked: where the time beyond the floor goes."""
    python = sys.executable
    scenario = scratch / "quick-no-checkpoints.yaml"
    env = base_env(scratch / "warm-home")
    store = f"sqlite:///{scratch / 'mlflow.db'}"
    profiles = {}
    for name, flags in (("untracked", ["--no-tracking"]), ("tracked", ["--tracking-uri", store])):
        folder = scratch / f"profiled-{name}"
        timed([python, "-m", "alphacheck", "run", str(scenario), "-q", "--overwrite", "--profile", "-o",
               str(folder), *flags], env, scratch)  # fmt: skip
        profiles[name] = json.loads((folder / "profile.json").read_text())
    stages = list(profiles["untracked"]["stages"])
    table = [
        {"stage": stage, **{f"{name}_s": round(profile["stages"][stage], 2) for name, profile in profiles.items()},
         **{f"{name}_cpu_s": profile["cpu_stages"].get(stage, "-") for name, profile in profiles.items()}}
        for stage in stages
    ]
    table.append({"stage": "total", **{f"{n}_s": p["total_seconds"] for n, p in profiles.items()},
                  **{f"{n}_cpu_s": p["cpu_seconds"] for n, p in profiles.items()}})
    for name, profile in profiles.items():
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(profile["imports_by_package"].items())[:6])
        table.append({"stage": f"imports by package ({name})", f"{name}_s": top})
    return table


def report_cases(scratch: Path, repeat: int) -> dict:
    """A 6-variant x 3-ticker run folder, its report stage in and out of process, 18 plain quantstats reports."""
    python = sys.executable
    home = scratch / "yahoo-home"
    env = {**base_env(home), "ALPHACHECK_OFFLINE": "1"}
    files = sorted(str(YAHOO_DIR / f"{t}.csv") for t in ("SPY", "AAPL", "MSFT"))
    timed([python, "-m", "alphacheck", "data", "import", *files], env, scratch)
    folder = scratch / "six-by-three"
    variants = "baseline,enhanced,lightweight,advanced,transformer,ensemble"
    timed([python, "-m", "alphacheck", "run", "covid_crash_2020", "--variants", variants, "--epochs", "1",
           "--no-tracking", "-q", "-o", str(folder), "--param", "training.checkpoint=false",
           "--param", "report.tearsheets=none"], env, scratch)  # fmt: skip
    cases = {
        "quantstats_18_sequential": lambda out: [python, "-c", QUANTSTATS_CHILD, str(folder), str(out)],
        "report_in_process": lambda out: [python, "-c", REPORT_CHILD, str(_copy(folder, out)), "1"],
        "report_workers_auto": lambda out: [python, "-c", REPORT_CHILD, str(_copy(folder, out)), "auto"],
        "report_workers_2": lambda out: [python, "-c", REPORT_CHILD, str(_copy(folder, out)), "2"],
    }
    results: dict[str, list[dict]] = {name: [] for name in cases}
    for i in range(repeat):
        for name, make in cases.items():
            out = scratch / f"{name}-{i}"
            out.mkdir()
            row = timed(make(out), env, scratch)
            row["stage_seconds"] = float(row.pop("stdout").strip().splitlines()[-1])
            results[name].append(row)
            print(f"{name} #{i + 1}: stage {row['stage_seconds']:.1f} s, process cpu {row['cpu']:.1f} s, "
                  f"load {row['load']:.1f}", flush=True)
    same = _same_tearsheets(scratch / "report_in_process-0", scratch / "report_workers_2-0")
    return {"runs": results, "same_tearsheets": same}


def _copy(folder: Path, out: Path) -> Path:
    target = out / "run"
    shutil.copytree(folder, target)
    return target


def _same_tearsheets(a: Path, b: Path) -> bool:
    """Whether two report builds wrote the same tearsheets, up to the SVG date and random element ids."""
    def normalised(path: Path) -> str:
        text = re.sub(r"<dc:date>[^<]*</dc:date>", "", path.read_text())
        ids: dict[str, str] = {}
        return re.sub(r"\b[a-z][0-9a-f]{10}\b", lambda m: ids.setdefault(m.group(0), f"id{len(ids)}"), text)

    left = sorted((a / "run" / "tearsheets").glob("*.html"))
    right = sorted((b / "run" / "tearsheets").glob("*.html"))
    return [p.name for p in left] == [p.name for p in right] and len(left) == 18 and all(
        normalised(x) == normalised(y) for x, y in zip(left, right, strict=True)
    )


def summarise(results: dict[str, list[dict]], key: str = "wall") -> dict[str, float]:
    return {name: statistics.median(row[key] for row in rows) for name, rows in results.items()}


def rows(whole: dict[str, list[dict]], report: dict | None) -> list[dict]:
    """The table: each comparison as a ratio of medians, wall and CPU, with the load seen."""
    wall, cpu = summarise(whole), summarise(whole, "cpu")
    load = statistics.median(row["load"] for rows_ in whole.values() for row in rows_)

    def row(case: str, against: str, what: str, target: str) -> dict:
        return {
            "comparison": what, "case_s": round(wall[case], 1), "baseline_s": round(wall[against], 1),
            "ratio_wall": round(wall[case] / wall[against], 2), "ratio_cpu": round(cpu[case] / cpu[against], 2),
            "target": target, "load": round(load, 1),
        }

    table = [
        row("run_untracked", "floor", "warm `run quick --no-tracking` / import floor", "<= 1.3"),
        row("run_tracked", "floor_mlflow", "warm `run quick` (sqlite store) / import floor with mlflow", "<= 1.5"),
        row("run_tracked", "run_untracked", "tracked / untracked run", "<= 1.1"),
        row("first_run", "run_untracked", "first run (empty home, after warm-up) / warm run", "<= 1.3"),
        row("first_run_uncompiled", "run_untracked", "first run with nothing compiled / warm run", "-"),
        row("api", "floor_api", "API, report=False, tracking=False / floor of torch, vectorbt, pandas", "<= 1.2"),
    ]
    if report:
        stage = {name: statistics.median(r["stage_seconds"] for r in rs) for name, rs in report["runs"].items()}
        sequential = stage["quantstats_18_sequential"]
        for name in ("report_in_process", "report_workers_auto", "report_workers_2"):
            table.append({
                "comparison": f"6x3 report stage ({name.removeprefix('report_')}) / 18 sequential quantstats",
                "case_s": round(stage[name], 1), "baseline_s": round(sequential, 1),
                "ratio_wall": round(stage[name] / sequential, 2), "ratio_cpu": "-",
                "target": "<= 0.4", "load": round(statistics.median(
                    r["load"] for r in report["runs"][name]), 1),
            })
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report-repeat", type=int, default=1, help="0 skips the 6x3 report rows")
    parser.add_argument("--json", type=Path, help="write the measurements and the table here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="alphacheck-run-costs-") as folder:
        scratch = Path(folder)
        whole = run_cases(scratch, args.repeat)
        stages = stage_profiles(scratch)
        report = report_cases(scratch, args.report_repeat) if args.report_repeat else None
    table = rows(whole, report)
    for line in [*table, *stages]:
        print(line)
    if report is not None:
        print("same tearsheet files (in process vs 2 workers):", report["same_tearsheets"])
    if args.json:
        args.json.write_text(json.dumps({"rows": table, "whole": whole, "report": report, "stages": stages,
                                         "repeat": args.repeat, "report_repeat": args.report_repeat}, indent=2))


if __name__ == "__main__":
    main()
