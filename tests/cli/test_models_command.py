"""``alphacheck models list``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.models import VARIANTS


def test_models_help():
    result = CliRunner().invoke(cli, ["models", "list", "--help"])
    assert result.exit_code == 0
    assert "parameter count" in result.output


def test_models_list_shows_every_variant_with_its_size():
    result = CliRunner().invoke(cli, ["models", "list", "--features", "4"])
    assert result.exit_code == 0, result.output
    for name in VARIANTS:
        assert name in result.output
    # baseline: one LSTM layer 4*(4*32 + 32*32 + 2*32) plus a 33-weight head, counted by hand
    assert f"{4 * (4 * 32 + 32 * 32 + 64) + 33:,d}" in result.output
    assert "hidden_size=32" in result.output


def test_models_list_json():
    result = CliRunner().invoke(cli, ["models", "list", "--json", "--features", "11"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    lightweight = next(v for v in payload["variants"] if v["name"] == "lightweight")
    assert lightweight["parameters"] == 4 * (11 * 16 + 16 * 16 + 32) + 17
    assert lightweight["hyperparameters"]["hidden_size"] == 16
