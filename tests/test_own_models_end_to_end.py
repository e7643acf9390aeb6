"""Your own models through run, audit, evaluate and predict: the example plugin (a GRU and gradient boosting).

One `run` of the quick scenario (1 epoch) with the shipped `baseline` and the
plugin's `gru_small` (torch) and `hgb` (scikit-learn, skops-saved) serves
every test here.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plugins" / "my_models.py"
TREES = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
VARIANTS = "baseline,gru_small,hgb"
# The same scenario for every command: quick, one epoch, few boosting rounds.
FLAGS = ["--epochs", "1", "--variants", VARIANTS, "--param", "hgb.max_iter=20"]
# Sections of metrics.json that evaluate cannot reproduce, and why (see the README's "evaluate" section).
NOT_REPRODUCED = {
    "folds",  # a run's training records (epochs, losses, seconds, calibration); evaluate: the file's dates
    "device",  # where the models trained; evaluate trains nothing
    "shocks",  # the fold models predict again on shocked prices; evaluate has no models
    "portfolio_shocks",  # the same, for the books
}


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory):
    """The quick scenario run through the CLI with the example plugin; the registry is restored after."""
    from alphacheck.features import plugins as plugins_module
    from alphacheck.models import registry

    tmp = tmp_path_factory.mktemp("own-models")
    plugin = tmp / "my_models.py"
    shutil.copy(EXAMPLE, plugin)
    variants, loaded = dict(registry.VARIANTS), list(plugins_module._LOADED)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALPHACHECK_HOME", str(tmp / "home"))
        result = CliRunner().invoke(
            cli,
            ["run", "quick", "--no-tracking", "--no-report", "-q", "--plugin", str(plugin), *FLAGS,
             "-o", str(tmp / "run")],
        )
        assert result.exit_code == 0, result.output
        yield tmp / "run", plugin, tmp
    registry.VARIANTS.clear()
    registry.VARIANTS.update(variants)
    plugins_module._LOADED[:] = loaded
    sys.modules.pop("my_models", None)


@pytest.mark.slow
def test_plugin_variants_are_trained_calibrated_and_saved_like_the_shipped_ones(plugin_run):
    import skops.io

    run_dir, _, _ = plugin_run
    predictions = pd.read_parquet(run_dir / "predictions.parquet")
    assert sorted(predictions["variant"].unique()) == ["baseline", "gru_small", "hgb"]
    folds = json.loads((run_dir / "metrics.json").read_text())["folds"]
    for variant in ("gru_small", "hgb"):
        mine = [f for f in folds if f["variant"] == variant]
        assert len(mine) == predictions["fold"].nunique() and all(f["calibration"] == "platt" for f in mine)
    models = run_dir / "models"
    assert {p.name for p in models.iterdir()} == {
        "baseline.pt", "baseline.onnx", "baseline.json", "gru_small.pt", "gru_small.onnx", "gru_small.json",
        "hgb.pt", "hgb.json", "hgb.skops",
    }  # fmt: skip
    estimator = skops.io.load(models / "hgb.skops", trusted=[TREES])
    assert estimator.max_iter == 20 and estimator.n_iter_ == 20  # the --param reached the estimator
    last = predictions[(predictions["variant"] == "hgb") & (predictions["fold"] == predictions["fold"].max())]
    assert json.loads((models / "hgb.json").read_text())["fold_dates"]["test_start"] == str(
        last["date"].min().date()
    )


@pytest.mark.slow
def test_plugin_variants_resume_from_checkpoints_and_retrain_identically(plugin_run):
    run_dir, plugin, tmp = plugin_run
    mine = ["gru_small", "hgb"]  # only the plugin's variants train again (CI time); keys are per variant
    first = pd.read_parquet(run_dir / "predictions.parquet")
    first = first[first["variant"].isin(mine)].reset_index(drop=True)
    flags = ["--epochs", "1", "--variants", ",".join(mine), "--param", "hgb.max_iter=20"]
    common = ["run", "quick", "--no-tracking", "--no-report", "-q", "--plugin", str(plugin), *flags]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALPHACHECK_HOME", str(tmp / "home"))
        resumed = CliRunner().invoke(cli, [*common, "-o", str(tmp / "resumed")])
        fresh = CliRunner().invoke(
            cli, [*common, "--param", "training.checkpoint=false", "-o", str(tmp / "fresh")]
        )
    assert resumed.exit_code == 0 and fresh.exit_code == 0, resumed.output + fresh.output
    records = json.loads((tmp / "resumed" / "metrics.json").read_text())["folds"]
    assert all(r["resumed"] for r in records)
    for folder in ("resumed", "fresh"):  # same config and seed: bit-identical on the CPU
        pd.testing.assert_frame_equal(pd.read_parquet(tmp / folder / "predictions.parquet"), first)


@pytest.mark.slow
def test_audit_trains_the_plugin_variants(plugin_run):
    _, plugin, tmp = plugin_run
    result = CliRunner().invoke(
        cli,
        ["audit", "quick", "--plugin", str(plugin), "--variants", "gru_small,hgb",
         "--param", "hgb.max_iter=20",
         "--epochs", "1", "--folds", "1", "-q", "--output-file", str(tmp / "audit.json")],
    )  # fmt: skip
    report = json.loads((tmp / "audit.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    # Both variants were trained on all prices and on prices cut inside the test window, and agree there.
    assert checks["prediction_causality"]["verdict"] == "pass", result.output
    assert checks["prediction_causality"]["details"]["compared"] > 0
    assert {"shuffled_labels", "degenerate_predictor", "split_hygiene"} <= set(checks)
    assert result.exit_code == (1 if report["verdict"] == "fail" else 0)


@pytest.mark.slow
def test_evaluate_of_the_runs_own_predictions_reproduces_its_metrics(plugin_run):
    run_dir, plugin, tmp = plugin_run
    out = tmp / "evaluated"
    result = CliRunner().invoke(
        cli,
        ["evaluate", str(run_dir / "predictions.parquet"), "quick", "--plugin", str(plugin), "--no-tracking",
         "--no-report", "-q", "--param", "training.epochs=1", "--param", f"variants=[{VARIANTS}]",
         "--param", "hgb.max_iter=20", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ran = json.loads((run_dir / "metrics.json").read_text())
    evaluated = json.loads((out / "metrics.json").read_text())
    assert set(ran) - NOT_REPRODUCED == set(evaluated) - NOT_REPRODUCED - {"evaluated"}
    for section in set(ran) - NOT_REPRODUCED:
        assert evaluated[section] == ran[section], section
    assert evaluated["evaluated"]["walkforward_signature_matches"] is True  # so the audit is the run's, whole
    assert "shocks skipped" in " ".join(evaluated["evaluated"]["notes"])
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "returns.parquet"), pd.read_parquet(run_dir / "returns.parquet")
    )


@pytest.mark.slow
def test_predict_gives_the_runs_probability_on_its_last_test_date(plugin_run):
    run_dir, plugin, _ = plugin_run
    predictions = pd.read_parquet(run_dir / "predictions.parquet")
    last = predictions["date"].max()
    expected = predictions[predictions["date"] == last].set_index("variant")
    signals = {}
    for backend in ("torch", "auto"):
        result = CliRunner().invoke(
            cli, ["predict", str(run_dir), "--plugin", str(plugin), "--date", str(last.date()), "--json",
                  "--backend", backend],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        signals[backend] = {s["variant"]: s for s in map(json.loads, result.stdout.splitlines())}
    for variant, signal in signals["torch"].items():
        # Same model, same features, same batch: the very same float.
        assert signal["proba"] == expected.loc[variant, "proba"], variant
        assert signal["proba_raw"] == expected.loc[variant, "proba_raw"], variant
        assert signal["position"] == ("long" if signal["proba"] > 0.5 else "flat")  # quick: long_only at 0.5
    assert {s["backend"] for s in signals["auto"].values()} == {"onnx", "skops"}
    for variant, signal in signals["auto"].items():
        # ONNX Runtime's kernels round differently from torch's by a few float32 ulps.
        assert np.isclose(signal["proba"], expected.loc[variant, "proba"], rtol=0, atol=1e-6), variant
    folds = json.loads((run_dir / "metrics.json").read_text())["folds"]
    record = next(f for f in folds if f["variant"] == "hgb" and f["index"] == int(predictions["fold"].max()))
    assert signals["torch"]["hgb"]["trained_through"] == record["val_end"]
    assert signals["torch"]["hgb"]["stale"] is False
