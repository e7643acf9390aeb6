"""Every list-like command takes --json: the rows as a JSON array (models list: an object), for scripts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.data.cache import PriceCache
from tests.conftest import synthetic_prices


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")


def _json(args: list[str]):
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_scenarios_list_json_holds_every_shipped_scenario():
    from alphacheck.scenarios import shipped_scenarios

    records = {r["name"]: r for r in _json(["scenarios", "list"])}
    assert set(records) == set(shipped_scenarios())
    assert records["quick"]["tickers"] == ["SP500"] and records["quick"]["start"] == "2015-06-01"
    assert records["default"]["windows"] == 6 and records["default"]["shocks"] == 4


def test_features_list_json_names_each_feature_with_its_formula():
    records = _json(["features", "list", "--set", "basic"])
    from alphacheck.features import FEATURE_SETS

    assert [r["name"] for r in records] == list(FEATURE_SETS["basic"])
    assert all(r["formula"] and r["plugin"] is None for r in records)


def test_data_list_json_says_where_each_ticker_came_from():
    assert _json(["data", "list"]) == []
    frame = synthetic_prices(30).rename(columns=str.lower).assign(adj_close=lambda f: f["close"])
    PriceCache().write("ABC", frame, "import:ABC.csv", (frame.index[0].date(), frame.index[-1].date()))
    (record,) = _json(["data", "list"])
    assert record["ticker"] == "ABC" and record["source"] == "import:ABC.csv" and record["rows"] == 30
    assert record["first"] == "2020-01-01" and record["fetched_at"]


def test_runs_and_models_list_json(tracking_uri):
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=tracking_uri).search_experiments()  # an empty store
    assert _json(["runs", "list", "--tracking-uri", tracking_uri]) == []
    models = _json(["models", "list"])
    assert "baseline" in {v["name"] for v in models["variants"]}
