"""How well each calibration method's P(up) matches what happened, out of sample.

Trains a scenario's walk-forward once (``training.calibration: none``, so the
fold checkpoints hold the models' own probabilities), then, per fold, fits
every calibration method on that fold's validation tail and applies it to the
fold's test predictions, as the runner does. Prints, per method, over every
test prediction: the mean P(up) against the realised up rate, the Brier score
and log loss, the Brier score of a constant forecast of the realised up rate
(``u (1 - u)``: a reference no method can know in advance), and how many folds
fell back to a constant or the identity.

    PYTHONPATH=$PWD python bench/calibration.py default [--epochs N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

METHODS = ("none", "platt", "isotonic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", help="scenario name or YAML file")
    parser.add_argument("--epochs", type=int, help="override training.epochs (faster, less faithful)")
    args = parser.parse_args()

    from alphacheck.data import load_prices
    from alphacheck.features import build_dataset
    from alphacheck.models import seed_everything, set_cpu_threads
    from alphacheck.scenarios.loader import load_scenario
    from alphacheck.walkforward import common_calendar, make_folds, run_walkforward
    from alphacheck.walkforward.folds import fold_arrays

    scenario = load_scenario(args.scenario)
    training = {"calibration": "none", **({"epochs": args.epochs} if args.epochs else {})}
    scenario = scenario.model_copy(update={"training": scenario.training.model_copy(update=training)})
    set_cpu_threads("cpu", scenario.training.cpu_threads)
    seed_everything(scenario.seed)
    prices = load_prices(scenario.data)
    execution = scenario.backtest.execution
    datasets = {t: build_dataset(f, scenario.features, execution) for t, f in prices.items()}
    started = time.perf_counter()
    walk = run_walkforward(datasets, scenario, "cpu")
    seconds = time.perf_counter() - started
    print(f"{scenario.name}: walk-forward in {seconds:.0f}s, {len(walk.predictions)} rows")
    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    rows = []
    for variant in scenario.variants:
        for fold in folds:
            parts = fold_arrays(datasets, calendar, fold, scenario.walkforward.sequence_length)
            model = walk.fold_models[(variant.name, fold.index)]
            rows.append(_fold_scores(variant.name, fold.index, model, parts))
    print(_table(pd.concat(rows, ignore_index=True)).to_markdown(index=False, floatfmt=".4f"))


def _fold_scores(variant, fold, model, parts) -> pd.DataFrame:
    from alphacheck.models.calibration import ProbabilityCalibrator

    val_raw = model.predict_proba_raw(parts["val"][0])
    test_raw = model.predict_proba_raw(parts["test"][0])
    frames = []
    for method in METHODS:
        calibrator = ProbabilityCalibrator(method).fit(val_raw, parts["val"][1])
        constant = calibrator.method_ == "platt" and calibrator.slope_ == 0.0
        frames.append(
            pd.DataFrame(
                {
                    "variant": variant,
                    "fold": fold,
                    "method": method,
                    "proba": calibrator.predict_proba(test_raw),
                    "label": parts["test"][1],
                    "constant": constant,
                    "fallback": calibrator.method_ == "identity" and method != "none",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _table(scores: pd.DataFrame) -> pd.DataFrame:
    out = []
    for (variant, method), rows in scores.groupby(["variant", "method"], sort=False):
        p, y = rows["proba"].to_numpy(), rows["label"].to_numpy()
        clipped = np.clip(p, 1e-15, 1 - 1e-15)
        folds = rows.drop_duplicates("fold")
        out.append(
            {
                "variant": variant,
                "method": method,
                "mean_proba": p.mean(),
                "up_rate": y.mean(),
                "brier": np.mean((p - y) ** 2),
                "brier_constant_up_rate": y.mean() * (1 - y.mean()),
                "log_loss": -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)),
                "share_up_at_0.5": np.mean(p > 0.5),
                "folds_constant": int(folds["constant"].sum()),
                "folds_fallback": int(folds["fallback"].sum()),
                "folds": len(folds),
            }
        )
    return pd.DataFrame(out)


if __name__ == "__main__":
    main()
