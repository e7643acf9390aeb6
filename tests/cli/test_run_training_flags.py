"""``alphacheck run`` with the training flags, the environment variables and model files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from alphacheck.cli.main import cli
from tests.conftest import require


def test_run_help_lists_the_training_flags():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0
    for flag in ("--variants", "--epochs", "--batch-size", "--learning-rate", "--sequence-length", "--param"):
        assert flag in result.output


def test_unknown_variant_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(
        cli, ["run", "quick", "--no-tracking", "--variants", "baseline,enhancd", "-o", str(tmp_path / "run")]
    )
    assert result.exit_code != 0
    assert "unknown model variant 'enhancd'" in result.output and "did you mean 'enhanced'" in result.output
    assert "Traceback" not in result.output


def test_bad_environment_variable_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(
        cli, ["run", "quick", "--no-tracking", "-o", str(tmp_path / "run")], env={"EPOCHS": "lots"}
    )
    assert result.exit_code != 0
    assert "EPOCHS='lots'" in result.output and "Traceback" not in result.output


def test_param_needs_a_variant_of_the_run(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["run", "quick", "--no-tracking", "--param", "enhanced.hidden_size=8", "-o", str(tmp_path / "run")],
    )
    assert result.exit_code != 0
    assert "variant 'enhanced' is not in this run" in result.output


@pytest.mark.slow
def test_two_variants_side_by_side_write_model_files(tmp_path):
    ort = require("onnxruntime")
    out = tmp_path / "run"
    env = {"ALPHACHECK_HOME": str(tmp_path / "home"), "MODEL_VARIANT": "enhanced", "EPOCHS": "9"}
    args = [
        "run",
        "quick",
        "--no-tracking",
        "-q",
        "-o",
        str(out),
        "--variants",
        "baseline,lightweight",
        "--epochs",
        "2",
        "--param",
        "lightweight.hidden_size=8",
    ]
    torch.set_num_threads(1)
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert {r["variant"] for r in metrics["folds"]} == {
        "baseline",
        "lightweight",
    }  # the flag beat MODEL_VARIANT
    assert max(r["epochs_run"] for r in metrics["folds"]) <= 2  # the flag beat EPOCHS
    for variant in ("baseline", "lightweight"):
        assert (out / "models" / f"{variant}.pt").is_file()
    saved = torch.load(out / "models" / "lightweight.pt", weights_only=True)
    config = json.loads(saved["config"])
    assert config["params"]["hidden_size"] == 8 and saved["state_dict"]["lstm.weight_hh_l0"].shape == (32, 8)
    from alphacheck.models.export import load_model_file

    module, config = load_model_file(out / "models" / "lightweight.pt")
    x = (
        np.random.default_rng(1)
        .normal(size=(4, config["sequence_length"], config["n_features"]))
        .astype("float32")
    )
    session = ort.InferenceSession(
        str(out / "models" / "lightweight.onnx"), providers=["CPUExecutionProvider"]
    )
    with torch.no_grad():
        expected = module(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(session.run(["logit"], {"sequences": x})[0], expected, rtol=0, atol=1e-5)
    assert any((tmp_path / "home" / "folds").iterdir())  # checkpoints under ALPHACHECK_HOME
