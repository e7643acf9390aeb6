"""Trainer speed: overhead against a bare PyTorch loop, and walk-forward wall time per variant.

Part 1 trains the same model (same seed, same tensors, same batches, AdamW,
BCEWithLogitsLoss with pos_weight, gradient clipping) with
:class:`~alphacheck.walkforward.trainer.SequenceClassifier` and with a bare
loop, alternating ``--repeats`` times in this one process, and reports samples
per second of each (best of the repeats) and the trainer's overhead
``1 - trainer / bare``. Early stopping is kept out of the way (patience above
the epoch count) so both run the same number of epochs; the trainer's extra
work per epoch (validation loss on a small tail, cosine step, best-weights
copy) is what the overhead measures.

Part 2 runs the default scenario's walk-forward (embedded S&P 500 and NASDAQ
data) once per variant with checkpoints off and reports the wall time and
folds; ``--max-folds`` cuts the data after that many folds to keep it short.

    .venv/bin/python bench/trainer.py                       # both parts, all variants
    .venv/bin/python bench/trainer.py --variants baseline --max-folds 3
    .venv/bin/python bench/trainer.py --skip-walkforward
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def bare_loop(model, x, y, epochs: int, batch_size: int, learning_rate: float, seed: int) -> None:
    """The plain PyTorch loop the trainer is measured against."""
    import torch

    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=1e-4)
    positives = float(y.sum())
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(y) - positives) / positives))
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(x), generator=generator).split(batch_size):
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()


def overhead(variant: str, samples: int, epochs: int, batch_size: int, repeats: int) -> dict[str, float]:
    """Samples per second of the trainer and of the bare loop, best of ``repeats`` each."""
    import numpy as np
    import torch

    from alphacheck.models.registry import get_variant
    from alphacheck.scenarios.schema import TrainingConfig
    from alphacheck.walkforward.trainer import SequenceClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples + 256, 20, 11)).astype("float32")
    y = (rng.random(samples + 256) < 0.53).astype("float32")
    config = TrainingConfig(epochs=epochs, batch_size=batch_size, patience=epochs + 1)
    spec = get_variant(variant)
    params = spec.resolve({})
    xt, yt = torch.as_tensor(x[:samples]), torch.as_tensor(y[:samples])
    times = {"trainer": [], "bare": []}
    # Untimed warm-up: the first optimiser in a process imports torch._dynamo (seconds).
    warm_up = TrainingConfig(epochs=1, batch_size=batch_size)
    SequenceClassifier(variant, {}, warm_up, "cpu", seed=1).fit(x[:512], y[:512], x[samples:], y[samples:])
    bare_loop(spec.build_model(11, params), xt[:512], yt[:512], 1, batch_size, 1e-3, seed=1)
    cpu = {"trainer": [], "bare": []}
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        SequenceClassifier(variant, {}, config, "cpu", seed=1).fit(
            x[:samples], y[:samples], x[samples:], y[samples:]
        )
        times["trainer"].append(time.perf_counter() - started)
        cpu["trainer"].append(time.process_time() - started_cpu)
        torch.manual_seed(1)
        model = spec.build_model(11, params)
        started, started_cpu = time.perf_counter(), time.process_time()
        bare_loop(model, xt, yt, epochs, batch_size, params["learning_rate"], seed=1)
        times["bare"].append(time.perf_counter() - started)
        cpu["bare"].append(time.process_time() - started_cpu)
    # Best of the repeats; CPU time too, as wall time on a shared machine includes other people's work.
    rate = {k: samples * epochs / min(v) for k, v in times.items()}
    cpu_rate = {k: samples * epochs / min(v) for k, v in cpu.items()}
    return {
        "trainer_samples_per_s": round(rate["trainer"], 1),
        "bare_samples_per_s": round(rate["bare"], 1),
        "overhead_wall": round(1 - rate["trainer"] / rate["bare"], 4),
        "trainer_samples_per_cpu_s": round(cpu_rate["trainer"], 1),
        "bare_samples_per_cpu_s": round(cpu_rate["bare"], 1),
        "overhead_cpu": round(1 - cpu_rate["trainer"] / cpu_rate["bare"], 4),
    }


def walkforward_times(variants: list[str], max_folds: int | None) -> list[dict[str, object]]:
    """Wall time of the default scenario's walk-forward, one variant at a time."""
    from alphacheck.data import load_prices
    from alphacheck.features import build_dataset
    from alphacheck.models import seed_everything
    from alphacheck.scenarios import apply_overrides, load_scenario
    from alphacheck.walkforward import common_calendar, run_walkforward

    scenario = apply_overrides(load_scenario("default"), {"training.checkpoint": False})
    prices = load_prices(scenario.data)
    datasets = {
        t: build_dataset(p, scenario.features, scenario.backtest.execution) for t, p in prices.items()
    }
    if max_folds:
        wf = scenario.walkforward
        keep = wf.train_days + wf.purge_days + wf.embargo_days + max_folds * (wf.step_days or wf.test_days)
        last = common_calendar(datasets)[min(keep, len(common_calendar(datasets))) - 1]
        datasets = {t: d.loc[:last] for t, d in datasets.items()}
    rows = []
    for variant in variants:
        one = apply_overrides(scenario, {"variants": [variant]})
        seed_everything(one.seed)
        started = time.perf_counter()
        result = run_walkforward(datasets, one, "cpu")
        rows.append(
            {
                "variant": variant,
                "folds": len(result.folds),
                "seconds": round(time.perf_counter() - started, 1),
                "epochs_run": sum(r["epochs_run"] for r in result.folds),
            }
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    from alphacheck.models import VARIANTS

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help="Comma-separated variants (default: all)."
    )
    parser.add_argument("--overhead-variant", default="baseline")
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-folds", type=int, default=None, help="Cut the default scenario after N folds.")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's).")
    parser.add_argument("--skip-walkforward", action="store_true")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    result = overhead(args.overhead_variant, args.samples, args.epochs, args.batch_size, args.repeats)
    print(f"overhead ({args.overhead_variant}, {args.samples} samples x {args.epochs} epochs): {result}")
    if not args.skip_walkforward:
        walkforward_times([v.strip() for v in args.variants.split(",") if v.strip()], args.max_folds)


if __name__ == "__main__":
    main()
