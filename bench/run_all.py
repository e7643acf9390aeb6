"""Regenerate bench/README.md: every speed and memory figure the README quotes, measured now.

One command, minutes on a laptop:

    .venv/bin/python bench/run_all.py                 # CPU (and CUDA rows when a GPU is present)
    .venv/bin/python bench/run_all.py --device cuda   # the executor rows on the GPU too

Tables (each figure measured in this one run, ratios against a baseline of the same run):

1. Samples per second of each variant (training, CPU; CUDA when available).
2. The default scenario through ``pipeline.run``, split by stage: wall time and
   peak resident memory (bench/stages.py, a fresh process).
3. The walk-forward sequentially (``local``) against each executor on the same
   machine and device, same tasks, predictions compared. On a CUDA device,
   ``processes`` with N workers is the fold-concurrent path (N folds training at
   once on one GPU) against one fold at a time.
4. Start-up: a fresh process's first backtest with vectorbt as shipped, with an
   empty numba disk cache (first run) and with the cache filled (second run).
5. Portfolio backtest (shared cash, 500 tickers x 5,000 days x 3 strategies)
   against the per-ticker backtest of the same columns: time and memory
   (bench/portfolio.py, each case in a fresh process).
6. Fold-concurrent training (bench/fold_concurrency.py, a fresh process per
   device): one fold at a time, K worker processes (K = 2, 4, 8) and all folds
   stacked (``compute.fold_concurrency: batched``), at 33 and 264 folds, for the
   base LSTM (64 x 2) and the light one (32 x 1); CPU rows always, CUDA rows with
   ``--device cuda`` (without a GPU they say so).
7. What a run costs beyond its work (bench/run_costs.py, whole processes,
   interleaved, medians): a warm ``run quick`` against the import floor, with
   and without tracking; the first run against a warm one; the Python API
   against its floor; the report stage of a 6-variant x 3-ticker run against 18
   sequential quantstats reports.

``--only portfolio`` (or any comma-separated table names: sps, stages,
executors, startup, portfolio, fold_concurrency, costs) measures those tables again and keeps the others
from bench/results.json; each table says when it was measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TABLES = ("sps", "stages", "executors", "startup", "portfolio", "fold_concurrency", "costs")
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

STARTUP_CHILD = r"""
import time
started = time.perf_counter()
import numpy as np, pandas as pd
from alphacheck.backtest.engine import simulate_weights
dates = pd.bdate_range("2021-01-04", periods=300, name="date")
close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 300)))
prices = pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
                       "volume": 1e6}, index=dates)
weights = pd.DataFrame({"m": (np.arange(298) // 7 % 2).astype(float)}, index=dates[:298])
imported = time.perf_counter()
simulate_weights(prices, weights, "next_open", fees_bps=5.0, slippage_bps=5.0)
print(imported - started, time.perf_counter() - imported)
"""


def samples_per_second(device: str, samples: int = 2048, epochs: int = 2) -> list[dict]:
    """Training throughput of every registered variant: samples x epochs / seconds (after a warm-up)."""
    import numpy as np

    from alphacheck.models import VARIANTS
    from alphacheck.scenarios.schema import TrainingConfig
    from alphacheck.walkforward.trainer import SequenceClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples + 256, 20, 14)).astype("float32")
    y = (rng.random(samples + 256) < 0.53).astype("float32")
    config = TrainingConfig(epochs=epochs, batch_size=128, patience=epochs + 1)
    rows = []
    for variant in VARIANTS:
        fit = lambda n, cfg: SequenceClassifier(variant, {}, cfg, device, seed=1).fit(
            x[:n], y[:n], x[samples:], y[samples:]
        )
        fit(256, TrainingConfig(epochs=1, batch_size=128))  # warm-up: lazy imports, kernels
        started = time.perf_counter()
        fit(samples, config)
        seconds = time.perf_counter() - started
        rate = round(samples * epochs / seconds)
        rows.append({"variant": variant, "device": device, "samples_per_s": rate})
        print(rows[-1], flush=True)
    return rows


def stages(max_folds: int, epochs: int) -> dict:
    """bench/stages.py in a fresh process (its peak memory is this run's alone)."""
    argv = [sys.executable, str(BENCH / "stages.py"), "--max-folds", str(max_folds), "--epochs", str(epochs)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


def executors(device: str, max_folds: int, epochs: int, workers: int) -> list[dict]:
    """The same walk-forward tasks run sequentially and through each executor; seconds and equality."""
    import numpy as np
    import pandas as pd

    from alphacheck.data import load_prices
    from alphacheck.features import build_dataset
    from alphacheck.models import seed_everything
    from alphacheck.scenarios import apply_overrides, load_scenario
    from alphacheck.walkforward import (
        LocalExecutor,
        ProcessExecutor,
        RayExecutor,
        common_calendar,
        run_walkforward,
    )

    scenario = apply_overrides(
        load_scenario("default"),
        {"training.checkpoint": False, "training.epochs": epochs, "variants": ["baseline", "lightweight"]},
    )
    prices = load_prices(scenario.data)
    execution = scenario.backtest.execution
    datasets = {t: build_dataset(p, scenario.features, execution) for t, p in prices.items()}
    wf = scenario.walkforward
    calendar = common_calendar(datasets)
    last = calendar[min(wf.train_days + wf.purge_days + max_folds * wf.test_days, len(calendar)) - 1]
    datasets = {t: d.loc[:last] for t, d in datasets.items()}
    import torch

    # The sequential baseline gets the pipeline's thread setting and a warm process (the first
    # optimiser step imports torch._dynamo, seconds), so the workers' start-up is what they pay extra.
    torch.set_num_threads(scenario.training.cpu_threads)
    from alphacheck.scenarios.schema import TrainingConfig
    from alphacheck.walkforward.trainer import SequenceClassifier

    x = np.random.default_rng(0).normal(size=(64, 20, 14)).astype("float32")
    y = (np.arange(64) % 2).astype("float32")
    SequenceClassifier("lightweight", {}, TrainingConfig(epochs=1), device).fit(x, y, x, y)
    threads = torch.get_num_threads()
    runs = [(f"local (sequential, in-process, {threads} thread)", LocalExecutor)]
    runs.append((f"processes, {workers} workers x 1 thread", lambda: ProcessExecutor(workers, 1)))
    try:
        import ray  # noqa: F401

        runs.append((f"ray, local cluster, {workers} CPUs", lambda: RayExecutor(None, workers, 1)))
    except ImportError:
        print("ray not installed: no ray row (pip install 'alphacheck[ray]')", flush=True)
    rows, reference = [], None
    for label, make in runs:
        seed_everything(scenario.seed)
        executor = make()
        started = time.perf_counter()
        result = run_walkforward(datasets, scenario, device, executor=executor)
        executor.close()
        seconds = time.perf_counter() - started
        reference = reference if reference is not None else result.predictions
        gap = (result.predictions["proba"] - reference["proba"]).abs().max()
        pd.testing.assert_frame_equal(
            result.predictions.drop(columns="proba"), reference.drop(columns="proba")
        )
        rows.append(
            {
                "executor": label, "device": device, "folds": len(result.folds), "seconds": round(seconds, 1),
                "speed_up": round(rows[0]["seconds"] / seconds, 2) if rows else 1.0,
                "max_proba_gap": float(gap),
            }
        )
        print(rows[-1], flush=True)
    return rows


def startup() -> list[dict]:
    """Fresh processes: first backtest with vectorbt as shipped, then cold and warm numba disk caches."""
    rows = []
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
        env.update(ALPHACHECK_HOME=home, PYTHONPATH=str(REPO))
        cases = [
            ("vectorbt as shipped (ALPHACHECK_NUMBA_CACHE=0)", {"ALPHACHECK_NUMBA_CACHE": "0"}),
            ("first run (empty cache, compiles and writes it)", {}),
            ("second run (cache filled)", {}),
        ]
        for label, extra in cases:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", STARTUP_CHILD], env={**env, **extra}, capture_output=True, text=True,
                check=True,
            )
            total = time.perf_counter() - started
            imported, backtest = (float(v) for v in done.stdout.split())
            rows.append({"case": label, "first_backtest_s": round(backtest, 2), "process_s": round(total, 1)})
            print(rows[-1], flush=True)
    return rows


def portfolio(n_tickers: int, n_days: int, n_strategies: int) -> list[dict]:
    """bench/portfolio.py: per-ticker and portfolio backtests of the same columns, fresh processes."""
    argv = [
        sys.executable, str(BENCH / "portfolio.py"), "--tickers", str(n_tickers), "--days", str(n_days),
        "--strategies", str(n_strategies),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=REPO)
    rows = [json.loads(line) for line in done.stdout.strip().splitlines()]
    for row in rows:
        print(row, flush=True)
    return rows


def fold_concurrency(
    devices: list[str], fold_counts: list[int], workers: list[int], epochs: int
) -> list[dict]:
    """bench/fold_concurrency.py on each device, a fresh process each; placeholder rows where no GPU is."""
    import torch

    rows = []
    for device in devices:
        if device == "cuda" and not torch.cuda.is_available():
            from bench.fold_concurrency import placeholder_rows

            rows += placeholder_rows("cuda", fold_counts, workers, epochs)
            continue
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "rows.json"
            argv = [
                sys.executable, str(BENCH / "fold_concurrency.py"), "--device", device,
                "--epochs", str(epochs), "--folds", *map(str, fold_counts),
                "--workers", *map(str, workers), "--json", str(output),
            ]  # fmt: skip
            subprocess.run(argv, check=True, cwd=REPO)
            rows += json.loads(output.read_text())["rows"]
    return rows


def run_costs(repeat: int, report_repeat: int) -> dict:
    """bench/run_costs.py (fresh processes, interleaved): its rows and the repeats behind them."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "costs.json"
        argv = [sys.executable, str(BENCH / "run_costs.py"), "--repeat", str(repeat),
                "--report-repeat", str(report_repeat), "--json", str(output)]  # fmt: skip
        subprocess.run(argv, check=True, cwd=REPO)
        measured = json.loads(output.read_text())
    same = (measured.get("report") or {}).get("same_tearsheets")
    return {"rows": measured["rows"], "stages": measured["stages"], "repeat": repeat,
            "report_repeat": report_repeat, "same_tearsheets": same}


def _table(rows: list[dict]) -> str:
    if not rows:
        return "(not measured)\n"
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _stage_rows(rows: list[dict]) -> list[dict]:
    """The profiled stages, every row with the first row's columns (the imports rows fill one)."""
    return [{key: row.get(key, "") for key in rows[0]} for row in rows] if rows else []


def _when(results: dict, table: str) -> str:
    """A table measured apart from the others says when and by which command."""
    when, command = results.get("measured", {}).get(table, (None, None))
    return f" Measured apart, {when}, by `{command}`." if when and when != results["when"] else ""


def write_readme(results: dict, command: str) -> Path:
    """bench/README.md from the measurements."""
    stage = results["stages"]
    costs = results.get("costs", {})
    stage_rows = [
        {"stage": name, "seconds": stage["seconds"][name], "peak_rss_mib": stage["peak_mib"][name]}
        for name in stage["seconds"]
    ]
    stage_rows.append(
        {"stage": "total", "seconds": stage["total_seconds"], "peak_rss_mib": max(stage["peak_mib"].values())}
    )
    text = f"""# Benchmarks

Regenerated by `{results.get('command', command)}` on {results['when']} ({results['machine']}).
Figures from other machines are not comparable; rerun the command. Each table's
ratios compare runs made in the same command on the same machine and device.

## 1. Training samples per second, per variant

Sequences of 20 steps x 14 features, batch 128, {results['sps_epochs']} epochs after a warm-up.

{_table(results['samples_per_second'])}
## 2. Default scenario by stage (`pipeline.run`, MLflow on a temporary sqlite store)

Cut to {stage['folds']} folds (data end {stage['end']}) and {stage['epochs']} epochs so the table
regenerates in minutes; peak memory is the process's resident set during the stage.

{_table(stage_rows)}
## 3. Sequential against each executor (same tasks, same machine)

Walk-forward of the default scenario (baseline and lightweight variants,
{results['exec_folds']} folds each, {results['exec_epochs']} epochs). `max_proba_gap` is the largest
difference of a predicted probability from the sequential run's.

{_table(results['executors'])}
## 4. Start-up: first backtest in a fresh process

`first_backtest_s` is one `simulate_weights` call, the engine's one vectorbt call
(numba kernels compiled or loaded); `process_s` the whole process, imports
included. "As shipped", vectorbt's own `cache=True` kernels use its
`__pycache__` (already filled on this machine); the other rows start from an
empty `$ALPHACHECK_HOME`.

{_table(results['startup'])}
## 5. Portfolio backtest against the per-ticker backtest of the same columns

Synthetic random walks, every (ticker, strategy) column simulated once
(bench/portfolio.py): `per_ticker` is `simulate_weights` (each column its own
cash, long when P(up) > 0.5); `portfolio` is `simulate_portfolio` (each strategy
one book with shared cash, top 10% of the tickers by P(up), equal weights,
every ticker sent an order every day). One vectorbt call each, timed after a
warm-up; `cpu_seconds` is the process's CPU time over the call (the wall time on
a shared machine also counts other processes); `peak_rss_mib` the process's peak
resident memory, `sim_mib` the part the simulation added.{_when(results, 'portfolio')}

{_table(results.get('portfolio', []))}
## 6. Fold-concurrent training: one fold at a time, K processes, all folds stacked

bench/fold_concurrency.py: the folds of the default scenario's walk-forward
settings (250 training days of which 100 validation, sequences of 20 x 14
features, batch 128), 33 folds per series of 5010 days; 264 folds are eight
series (8 x 33), as a study over eight tickers trains. Every fold runs all its
`epochs` (early stopping out of the way) at dropout 0, so each mode does the
same work and `max_proba_gap` (largest difference of P(up) from the sequential
run's) shows the agreement. `processes K` includes the workers' start-up;
`batched` trains the folds as stacks of at most `stack` folds (the memory
estimate's size) with `compute.fold_concurrency: batched`; on the CPU every mode uses one
torch thread per process, as `alphacheck run` does. `cpu_seconds` is the CPU
time of the process and its workers: on a busy shared machine it is the figure
to compare, the wall time (`seconds`, `speed_up`) also counts other
processes.{_when(results, 'fold_concurrency')}

{_table(results.get('fold_concurrency', []))}
## 7. What a run costs beyond its own work

bench/run_costs.py: every case a fresh process, timed whole from outside (wall)
and by its CPU time (the process and the children it waited for), the cases
interleaved {costs.get('repeat', '?')} times (the 6x3 report rows {costs.get('report_repeat', '?')} time(s)), medians;
`load` is the median 1-minute load average at the cases' starts (2 cores: above 2,
other processes share them, and the wall ratios carry that noise; the CPU ratios
less so). The floor is `python -c "import torch, vectorbt, quantstats, pandas"`
(with `mlflow` for a tracked run; `torch, vectorbt, pandas` for the API), its own
interpreter teardown included. `run quick` trains every time (fold checkpoints
off) with vectorbt's kernels compiled; the first run has an empty
`ALPHACHECK_HOME` after `alphacheck warm-up` (what `make install` runs), the
uncompiled one an empty numba cache too. The report rows time `build_report` of
a covid_crash_2020 run over SPY, AAPL, MSFT with the six variants (one epoch),
against 18 `quantstats.reports.html` calls one after another in one process;
same tearsheet files (in this process and in 2 workers, up to each SVG's date and
random element ids): {costs.get('same_tearsheets')}.{_when(results, 'costs')}

{_table(costs.get('rows', []))}
Where the time beyond the floor goes: the same warm run once more with
`--profile` (profile.json; wall and CPU seconds of this process per stage,
imports taken out of the stage that made them; tearsheets drawn by a worker
show here as the wait for it), untracked and tracked:

{_table(_stage_rows(costs.get('stages', [])))}"""
    path = BENCH / "README.md"
    path.write_text(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--device", default=None, help="cpu or cuda for the executor rows (default: cuda if present)"
    )
    parser.add_argument("--stage-folds", type=int, default=3)
    parser.add_argument("--stage-epochs", type=int, default=5)
    parser.add_argument("--exec-folds", type=int, default=16)
    parser.add_argument("--exec-epochs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sps-epochs", type=int, default=2)
    parser.add_argument("--portfolio-tickers", type=int, default=500)
    parser.add_argument("--portfolio-days", type=int, default=5000)
    parser.add_argument("--portfolio-strategies", type=int, default=3)
    parser.add_argument("--fc-folds", type=int, nargs="+", default=[33, 264])
    parser.add_argument("--fc-workers", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--fc-epochs", type=int, default=20)
    parser.add_argument("--costs-repeat", type=int, default=3)
    parser.add_argument("--costs-report-repeat", type=int, default=1)
    parser.add_argument("--only", default=None, help=f"comma-separated tables: {', '.join(TABLES)}")
    args = parser.parse_args()
    import torch

    from alphacheck.scenarios.schema import TrainingConfig

    torch.set_num_threads(TrainingConfig().cpu_threads)  # what `alphacheck run` trains with on the CPU
    cuda = torch.cuda.is_available()
    device = args.device or ("cuda" if cuda else "cpu")
    tables = TABLES if args.only is None else [name.strip() for name in args.only.split(",")]
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        parser.error(f"--only: unknown tables {unknown}; choose from {', '.join(TABLES)}")
    path = BENCH / "results.json"
    results = json.loads(path.read_text()) if args.only and path.is_file() else {}
    now = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    measured = results.setdefault("measured", {})
    if args.only is None:
        results["when"] = now
        gpu = f", {torch.cuda.get_device_name()}" if cuda else ", no GPU"
        results["machine"] = (
            f"{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads{gpu}"
        )
    if "sps" in tables:
        sps = samples_per_second("cpu", epochs=args.sps_epochs)
        if cuda:
            sps += samples_per_second("cuda", epochs=args.sps_epochs)
        results.update(sps_epochs=args.sps_epochs, samples_per_second=sps)
    if "stages" in tables:
        results["stages"] = stages(args.stage_folds, args.stage_epochs)
    if "executors" in tables:
        results.update(exec_folds=args.exec_folds, exec_epochs=args.exec_epochs)
        results["executors"] = executors(device, args.exec_folds, args.exec_epochs, args.workers)
    if "startup" in tables:
        results["startup"] = startup()
    if "portfolio" in tables:
        sizes = (args.portfolio_tickers, args.portfolio_days, args.portfolio_strategies)
        results["portfolio"] = portfolio(*sizes)
    if "fold_concurrency" in tables:
        devices = ["cpu", "cuda"]  # the CUDA rows say "not measured" where there is no GPU
        results["fc_epochs"] = args.fc_epochs
        sizes = (args.fc_folds, args.fc_workers, args.fc_epochs)
        results["fold_concurrency"] = fold_concurrency(devices, *sizes)
    if "costs" in tables:
        results["costs"] = run_costs(args.costs_repeat, args.costs_report_repeat)
    command = " ".join(["python bench/run_all.py", *sys.argv[1:]])
    if args.only is None:
        results["command"] = command
    measured.update(dict.fromkeys(tables, (now, command)))
    path.write_text(json.dumps(results, indent=2))
    print(write_readme(results, command))


if __name__ == "__main__":
    main()
