"""Train the quick scenario's walk-forward on CUDA and on the CPU; compare predictions and speed.

Needs only torch, numpy, pandas and pyarrow where it runs (no pydantic, yaml,
vectorbt, quantstats, mlflow, arch or yfinance): the inputs are prepared first
on a machine with alphacheck fully installed.

Step 1, where alphacheck is installed (writes the quick scenario's prices and
its resolved settings)::

    .venv/bin/python bench/gpu_check.py --write-inputs gpu_inputs/

Step 2, on the CUDA machine, from the repository root (alphacheck need not be
installed; the script puts the repository on sys.path)::

    python bench/gpu_check.py --inputs gpu_inputs/

It trains every fold on CUDA and then on the CPU with the same seed, and
prints: fold count, wall time per device, the speed ratio CPU/CUDA, the largest
and mean absolute difference of P(up), the share of predictions on the same
side of 0.5, and a verdict against the tolerance (--tolerance, default 0.05 on
the largest difference: CUDA kernels, cuDNN's LSTM included, round differently
from the CPU's, and training compounds those differences over epochs, so
bit-identity across devices is not expected; within one device it is).
Without CUDA it says so, runs the CPU only and exits 0.

Fold-concurrent training on the GPU, one command (no step 1: the workload is
synthetic; see bench/fold_concurrency.py), from the repository root::

    python bench/gpu_check.py --fold-concurrency [--json fold_concurrency_cuda.json]

It times sequential training (one fold at a time), K worker processes
(K = 2, 4, 8, each its own CUDA context) and batched training (all folds
stacked, ``compute.fold_concurrency: batched``) at 33 and 264 folds, for the
base LSTM (64 x 2) and the light one (32 x 1), prints the table (seconds,
speed-up over sequential, largest P(up) gap from the sequential run) and
writes it as JSON. Without CUDA it prints the rows as not measured and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import dataclasses
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_TOLERANCE = 0.05


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--write-inputs", type=Path, metavar="DIR", help="Step 1: write prices.parquet and scenario.json."
    )
    parser.add_argument(
        "--inputs", type=Path, metavar="DIR", help="Step 2: folder written by --write-inputs."
    )
    parser.add_argument("--scenario", default="quick", help="Scenario for --write-inputs (default: quick).")
    parser.add_argument(
        "--tolerance", type=float, default=DEFAULT_TOLERANCE, help="Largest |P_cuda - P_cpu| accepted."
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="Also write the report as JSON.")
    parser.add_argument(
        "--fold-concurrency", action="store_true",
        help="Time sequential, processes (K=2,4,8) and batched fold training on CUDA at 33 and 264 folds "
        "(writes --json, default fold_concurrency_cuda.json).",
    )
    args = parser.parse_args(argv)
    if args.fold_concurrency:
        from bench.fold_concurrency import main as fold_concurrency

        output = args.json or Path("fold_concurrency_cuda.json")
        return fold_concurrency(["--device", "cuda", "--json", str(output)])
    if args.write_inputs:
        write_inputs(args.scenario, args.write_inputs)
        return 0
    if not args.inputs:
        parser.error("give --write-inputs DIR (step 1) or --inputs DIR (step 2); see --help")
    report = check(args.inputs, args.tolerance)
    for key, value in report.items():
        print(f"{key:>24}: {value}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if report["verdict"] in ("agree", "cuda unavailable") else 1


def write_inputs(scenario_name: str, folder: Path) -> None:
    """Prices of the scenario (long format) and its resolved settings as JSON."""
    import pandas as pd

    from alphacheck.data import load_prices
    from alphacheck.scenarios import load_scenario

    scenario = load_scenario(scenario_name)
    folder.mkdir(parents=True, exist_ok=True)
    frames = [frame.assign(ticker=ticker) for ticker, frame in load_prices(scenario.data).items()]
    pd.concat(frames).reset_index().to_parquet(folder / "prices.parquet", index=False)
    (folder / "scenario.json").write_text(json.dumps(scenario.model_dump(mode="json"), indent=2))
    print(f"wrote {folder / 'prices.parquet'} and {folder / 'scenario.json'}")


def check(folder: Path, tolerance: float) -> dict[str, object]:
    """Run the walk-forward on each available device and compare."""
    import numpy as np
    import torch

    from alphacheck.walkforward import run_walkforward

    scenario, datasets = _load(folder)
    report: dict[str, object] = {
        "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
        "device_name": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "tolerance": tolerance,
    }
    devices = (["cuda"] if torch.cuda.is_available() else []) + ["cpu"]
    results = {}
    for name in devices:
        _seed(scenario.seed)
        started = time.perf_counter()
        results[name] = run_walkforward(datasets, scenario, torch.device(name))
        report[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
    report["folds"] = len(results["cpu"].folds)
    report["predictions"] = len(results["cpu"].predictions)
    if "cuda" not in results:
        report["verdict"] = "cuda unavailable"
        return report
    cpu, cuda = results["cpu"].predictions, results["cuda"].predictions
    diff = np.abs(cuda["proba"].to_numpy() - cpu["proba"].to_numpy())
    report["max_abs_proba_diff"] = float(diff.max())
    report["mean_abs_proba_diff"] = float(diff.mean())
    report["same_side_of_0.5"] = float(np.mean((cuda["proba"] > 0.5) == (cpu["proba"] > 0.5)))
    report["speed_ratio_cpu_over_cuda"] = round(report["cpu_seconds"] / report["cuda_seconds"], 2)
    report["verdict"] = "agree" if diff.max() <= tolerance else "differ"
    return report


def _seed(seed: int) -> None:
    from alphacheck.models.seeding import seed_everything

    seed_everything(seed)


def _load(folder: Path):
    """The scenario as a light stand-in of the walk-forward's settings, and the per-ticker datasets."""
    import pandas as pd

    from alphacheck.features import build_dataset

    tree = json.loads((folder / "scenario.json").read_text())
    scenario = _Scenario(
        seed=tree["seed"],
        features=_section(_Features, tree["features"]),
        backtest=_section(_Backtest, tree["backtest"]),
        walkforward=_section(_WalkForward, tree["walkforward"]),
        training=_section(_Training, {**tree["training"], "checkpoint": False}),
        variants=tuple(
            _Variant(v["name"], v.get("params") or {}, v.get("training") or {}) for v in tree["variants"]
        ),
        # Folds train one after another in this process, whatever the scenario's compute section says.
        compute=_Compute(),
    )
    prices = pd.read_parquet(folder / "prices.parquet")
    datasets = {}
    for ticker, frame in prices.groupby("ticker", sort=False):
        frame = frame.drop(columns="ticker").set_index("date").sort_index()
        datasets[ticker] = build_dataset(frame, scenario.features, scenario.backtest.execution)
    return scenario, datasets


# The stand-in: frozen dataclasses with what alphacheck.walkforward.settings asks for (no pydantic here).


def _section(kind, values: dict):
    """``kind`` built from the keys of a JSON section that it declares (the others are not needed here)."""
    return kind(**{f.name: values[f.name] for f in dataclasses.fields(kind)})


@dataclasses.dataclass(frozen=True)
class _Features:
    set: str
    add: list
    drop: list
    windows: dict


@dataclasses.dataclass(frozen=True)
class _Backtest:
    execution: str


@dataclasses.dataclass(frozen=True)
class _WalkForward:
    train_days: int
    test_days: int
    step_days: int | None
    purge_days: int
    validation_days: int
    sequence_length: int
    mode: str
    retrain_frequency: str | None
    embargo_days: int


@dataclasses.dataclass(frozen=True)
class _Training:
    epochs: int
    batch_size: int
    patience: int
    weight_decay: float
    grad_clip: float
    learning_rate: float | None
    lr_schedule: str
    warm_start: bool
    checkpoint: bool
    cpu_threads: int
    calibration: str


@dataclasses.dataclass(frozen=True)
class _Compute:
    executor: str = "local"
    workers: int = 1
    threads_per_worker: int | None = None
    ray_address: str | None = None
    fold_concurrency: str = "sequential"
    fold_group_size: int | None = 1


@dataclasses.dataclass(frozen=True)
class _Variant:
    """A variant entry of the scenario JSON, with the schema's per-variant training merge."""

    name: str
    params: dict
    training: dict

    def training_config(self, shared: _Training) -> _Training:
        return dataclasses.replace(shared, **self.training)


@dataclasses.dataclass(frozen=True)
class _Scenario:
    seed: int
    features: _Features
    backtest: _Backtest
    walkforward: _WalkForward
    training: _Training
    variants: tuple[_Variant, ...]
    compute: _Compute


if __name__ == "__main__":
    sys.exit(main())
