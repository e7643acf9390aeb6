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
    from alphacheck.scale import ProcessExecutor, RayExecutor, run_walkforward_scaled
    from alphacheck.scenarios import apply_overrides, load_scenario
    from alphacheck.walkforward import common_calendar, run_walkforward

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
    runs = [(f"local (sequential, in-process, {threads} thread)", None)]
    runs.append((f"processes, {workers} workers x 1 thread", lambda: ProcessExecutor(workers, 1)))
    try:
        import ray  # noqa: F401

        runs.append((f"ray, local cluster, {workers} CPUs", lambda: RayExecutor(None, workers, 1)))
    except ImportError:
        print("ray not installed: no ray row (pip install 'alphacheck[ray]')", flush=True)
    rows, reference = [], None
    for label, make in runs:
        seed_everything(scenario.seed)
        executor = make() if make else None
        started = time.perf_counter()
        if executor is None:
            result = run_walkforward(datasets, scenario, device)
        else:
            result = run_walkforward_scaled(datasets, scenario, device, executor=executor)
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


def _table(rows: list[dict]) -> str:
    if not rows:
        return "(not measured)\n"
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_readme(results: dict, command: str) -> Path:
    """bench/README.md from the measurements."""
    stage = results["stages"]
    stage_rows = [
        {"stage": name, "seconds": stage["seconds"][name], "peak_rss_mib": stage["peak_mib"][name]}
        for name in stage["seconds"]
    ]
    stage_rows.append(
        {"stage": "total", "seconds": stage["total_seconds"], "peak_rss_mib": max(stage["peak_mib"].values())}
    )
    text = f"""# Benchmarks

Regenerated by `{command}` on {results['when']} ({results['machine']}).
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

{_table(results['startup'])}"""
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
    args = parser.parse_args()
    import torch

    from alphacheck.scenarios.schema import TrainingConfig

    torch.set_num_threads(TrainingConfig().cpu_threads)  # what `alphacheck run` trains with on the CPU
    cuda = torch.cuda.is_available()
    device = args.device or ("cuda" if cuda else "cpu")
    sps = samples_per_second("cpu", epochs=args.sps_epochs)
    if cuda:
        sps += samples_per_second("cuda", epochs=args.sps_epochs)
    results = {
        "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads" + (f", {torch.cuda.get_device_name()}" if cuda else ", no GPU"),
        "sps_epochs": args.sps_epochs, "samples_per_second": sps,
        "stages": stages(args.stage_folds, args.stage_epochs),
        "exec_folds": args.exec_folds, "exec_epochs": args.exec_epochs,
        "executors": executors(device, args.exec_folds, args.exec_epochs, args.workers),
        "startup": startup(),
    }
    (BENCH / "results.json").write_text(json.dumps(results, indent=2))
    print(write_readme(results, "python bench/run_all.py " + " ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()
