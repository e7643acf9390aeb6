"""Fold-concurrent training: one fold at a time, K worker processes, and all folds stacked (batched).

The workload is what one walk-forward of the default scenario trains, per
series: rolling folds of 250 training days (the last 100 for validation,
purge 2), sequences of 20 steps of the ``basic`` features (14), batch 128,
AdamW with the cosine schedule, and test windows of 145 days, which cut
5010 days into 33 folds. 33 folds is one series; 264 is eight series
(8 x 33), as a study over eight tickers trains. The series are synthetic
random walks of 5010 business days (so this needs no data files): every fold
runs all its epochs (patience above the epoch count), so the data do not
change the work, only the early stopping that is switched off here.

Modes, each training the same folds with the same seeds:

- ``sequential``: one fold after another in this process (warmed up first);
- ``processes K``: K spawned worker processes, each training its share of
  the folds one after another (``--executor processes --workers K``), start-up
  included; on CUDA each worker has its own CUDA context on the one GPU;
- ``batched``: the folds as stacks (``compute.fold_concurrency: batched``),
  as large as the memory estimate allows.

Models: ``base 64x2`` (the baseline variant with hidden_size 64, num_layers 2)
and ``light 32x1`` (the baseline variant as shipped, 32 x 1), at dropout 0 so
that ``max_proba_gap`` (largest difference from the sequential run's P(up))
shows the numerical agreement too.

Needs torch, numpy and pandas only (no pydantic, vectorbt or data files).
Run it through ``bench/gpu_check.py --fold-concurrency`` or
``bench/run_all.py``; alone::

    python bench/fold_concurrency.py --device cuda --json fold_concurrency.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))  # appended, never first: an installed alphacheck stays the one imported

MODELS = {"base 64x2": {"hidden_size": 64, "num_layers": 2, "dropout": 0.0}, "light 32x1": {"dropout": 0.0}}
FOLDS_PER_SERIES = 33
DAYS = 5010
WALKFORWARD = {
    "train_days": 250, "test_days": 145, "step_days": None, "purge_days": 2, "validation_days": 100,
    "sequence_length": 20, "mode": "rolling", "retrain_frequency": None, "embargo_days": 0,
}
NOT_MEASURED = "not measured: no GPU in this session"


def training(epochs: int) -> types.SimpleNamespace:
    """The default recipe with early stopping out of the way (every fold runs ``epochs``)."""
    return types.SimpleNamespace(
        epochs=epochs, batch_size=128, patience=epochs + 1, weight_decay=1e-4, grad_clip=1.0,
        learning_rate=None, lr_schedule="cosine", warm_start=False,
    )


def workload(n_series: int) -> list[tuple]:
    """``n_series * 33`` folds as ``(x_fit, y_fit, x_val, y_val, x_test)`` float32 arrays."""
    import numpy as np
    import pandas as pd

    from alphacheck.features import build_dataset
    from alphacheck.walkforward.splits import make_folds

    config = types.SimpleNamespace(**WALKFORWARD)
    folds = []
    for series in range(n_series):
        rng = np.random.default_rng(series)
        dates = pd.bdate_range("1999-01-04", periods=DAYS, name="date")
        close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, DAYS)))
        open_ = close * np.exp(rng.normal(0, 0.004, DAYS))
        prices = pd.DataFrame(
            {
                "open": open_, "close": close,
                "volume": rng.integers(1_000_000, 5_000_000, DAYS).astype(float),
                "high": np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, DAYS)),
                "low": np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, DAYS)),
            },
            index=dates,
        )
        data = build_dataset(prices, "basic", "next_close")
        features = data.drop(columns=["fwd_return", "label"]).to_numpy()
        labels = data["label"].to_numpy().astype("float32")
        for fold in make_folds(data.index, config):
            folds.append(_fold_arrays(data.index, features, labels, fold, config.sequence_length))
    return folds


def _fold_arrays(dates, features, labels, fold, length):
    """Scaled (on the fold's fitting rows) sequences ending at each fit, validation and test row."""
    import numpy as np

    fit = (dates >= fold.fit_start) & (dates <= fold.fit_end)
    mean, scale = features[fit].mean(axis=0), features[fit].std(axis=0)
    scale[scale == 0] = 1.0
    scaled = ((features - mean) / scale).astype("float32")
    windows = np.lib.stride_tricks.sliding_window_view(scaled, length, axis=0).transpose(0, 2, 1)
    out = []
    ranges = (fold.fit_start, fold.fit_end), (fold.val_start, fold.val_end), (fold.test_start, fold.test_end)
    for start, end in ranges:
        rows = np.flatnonzero((dates >= start) & (dates <= end))
        rows = rows[rows >= length - 1]
        out.append((np.ascontiguousarray(windows[rows - length + 1]), labels[rows]))
    (x, y), (x_val, y_val), (x_test, _) = out
    return x, y, x_val, y_val, x_test


def _sequential(folds, params, config, device):
    from alphacheck.walkforward.trainer import SequenceClassifier

    return [
        SequenceClassifier("baseline", params, config, device, seed=k).fit(*f[:4]).predict_proba(f[4])
        for k, f in enumerate(folds)
    ]


def _worker(chunk, params, config, device, threads):
    import torch

    torch.set_num_threads(threads)
    from alphacheck.walkforward.trainer import SequenceClassifier

    return [
        SequenceClassifier("baseline", params, config, device, seed=k).fit(*f[:4]).predict_proba(f[4])
        for k, f in chunk
    ]


def _processes(folds, params, config, device, workers):
    import multiprocessing

    threads = max(1, (os.cpu_count() or 1) // workers)
    chunks = [list(enumerate(folds))[i::workers] for i in range(workers)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        results = list(pool.map(_worker, chunks, *[[a] * workers for a in (params, config, device, threads)]))
    probas = [None] * len(folds)
    for chunk, result in zip(chunks, results):
        for (k, _), proba in zip(chunk, result):
            probas[k] = proba
    return probas


def _batched(folds, params, config, device, cap=None):
    from alphacheck.walkforward.batched import fit_folds
    from alphacheck.walkforward.fold_groups import (
        BUDGET_SHARE, device_memory_bytes, fold_memory_bytes, split_groups, stack_size,
    )

    x, _, x_val = folds[0][:3]
    n_fit, n_val = max(len(f[1]) for f in folds), max(len(f[3]) for f in folds)
    per_fold = fold_memory_bytes("baseline", params, x.shape[2], x.shape[1], config.batch_size, n_fit, n_val)
    size = stack_size(per_fold, int(BUDGET_SHARE * device_memory_bytes(device)), len(folds), cap)
    probas = []
    for group in split_groups(list(range(len(folds))), size):
        models = fit_folds("baseline", params, config, device, [folds[k][:4] for k in group], group)
        probas += [m.predict_proba(folds[k][4]) for m, k in zip(models, group)]
    return probas, size


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished worker processes."""
    import resource

    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def measure(device: str, fold_counts=(33, 264), workers=(2, 4, 8), epochs: int = 20, cap=None) -> list[dict]:
    """Rows of (model, folds, mode, seconds, speed-up, CPU seconds, largest P(up) gap, stack size).

    ``cpu_seconds`` counts this process and its workers: on a shared machine the
    wall time also counts other people's processes, the CPU time does not.
    """
    import numpy as np
    import torch

    from alphacheck.models.seeding import seed_everything

    config = training(epochs)
    rows = []
    _sequential(workload(1)[:1], MODELS["light 32x1"], training(1), device)  # warm-up: imports, kernels
    for count in fold_counts:
        folds = workload(count // FOLDS_PER_SERIES)[:count]
        for model, params in MODELS.items():
            runs = [("sequential", lambda: (_sequential(folds, params, config, device), 1))]
            runs += [
                (f"processes K={k}", lambda k=k: (_processes(folds, params, config, device, k), 1))
                for k in workers
            ]
            runs.append(("batched", lambda: _batched(folds, params, config, device, cap)))
            reference = None
            for mode, call in runs:
                seed_everything(0)
                started, cpu_started = time.perf_counter(), _cpu_seconds()
                probas, stack = call()
                if device == "cuda":
                    torch.cuda.synchronize()
                seconds = time.perf_counter() - started
                cpu = _cpu_seconds() - cpu_started
                reference = reference or (probas, seconds)
                gap = max(float(np.abs(a - b).max()) for a, b in zip(probas, reference[0]))
                rows.append(
                    {
                        "device": device, "model": model, "folds": count, "epochs": epochs, "mode": mode,
                        "seconds": round(seconds, 2), "speed_up": round(reference[1] / seconds, 2),
                        "cpu_seconds": round(cpu, 1),
                        "max_proba_gap": f"{gap:.1e}", "stack": stack,
                    }
                )
                print(rows[-1], flush=True)
    return rows


def placeholder_rows(device: str, fold_counts=(33, 264), workers=(2, 4, 8), epochs: int = 20) -> list[dict]:
    """The rows a run on ``device`` would fill, marked as not measured."""
    modes = ["sequential", *(f"processes K={k}" for k in workers), "batched"]
    return [
        {
            "device": device, "model": model, "folds": count, "epochs": epochs, "mode": mode,
            "seconds": NOT_MEASURED, "speed_up": "", "cpu_seconds": "", "max_proba_gap": "", "stack": "",
        }
        for count in fold_counts
        for model in MODELS
        for mode in modes
    ]


def table(rows: list[dict]) -> str:
    """A markdown table of the rows."""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    return "\n".join(lines + ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument(
        "--folds", type=int, nargs="+", default=[33, 264], help="fold counts (multiples of 33)"
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4, 8], help="K of the processes rows")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--group-size", type=int, default=None, help="cap on folds per stack")
    parser.add_argument("--json", type=Path, default=Path("fold_concurrency.json"), help="results file")
    args = parser.parse_args(argv)
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        rows = placeholder_rows("cuda", args.folds, args.workers, args.epochs)
        print("torch sees no CUDA GPU here: nothing measured (use --device cpu for the CPU rows)")
    else:
        torch.set_num_threads(1 if args.device == "cpu" else torch.get_num_threads())
        rows = measure(args.device, args.folds, args.workers, args.epochs, args.group_size)
    print(table(rows))
    args.json.write_text(json.dumps({"torch": torch.__version__, "rows": rows}, indent=2))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
