"""What record_run sends to a recorder, checked with a recorder that keeps every call."""

from __future__ import annotations

from alphacheck.tracking.record import _record_section


class KeepingRecorder:
    """Keeps the metric steps it is given."""

    def __init__(self) -> None:
        self.steps: dict[str, list[tuple[int, float]]] = {}

    def log_metric_steps(self, name, values) -> None:
        self.steps.setdefault(name, []).extend(values)


def test_per_fold_keys_become_steps_and_other_strategies_are_left_out():
    section = {"SPY": {"v": {"0": {"sharpe": 0.5, "n_trades": 3, "warning": "only 40 predictions (< 100): read"},
                             "1": {"sharpe": -0.25, "n_trades": 4}},
                       "buy_and_hold": {"0": {"sharpe": 9.0}}},
               "QQQ": {"v": {"0": {"sharpe": 7.0}}}}
    recorder = KeepingRecorder()
    _record_section(recorder, "per_fold", section, "v", "SPY")
    assert recorder.steps == {"per_fold.sharpe": [(0, 0.5), (1, -0.25)], "per_fold.n_trades": [(0, 3.0), (1, 4.0)]}


def test_cost_columns_and_years_name_their_metrics():
    recorder = KeepingRecorder()
    _record_section(recorder, "cost_sweep", {"SPY": {"v": {"cost_bps_per_side": [0.0, 5.0], "sharpe": [0.9, 0.4]}}},
                    "v", "SPY")
    _record_section(recorder, "per_year", {"SPY": {"v": {"2019": {"sharpe": 1.5}}}}, "v", "SPY")
    assert recorder.steps == {"cost_sweep.0.sharpe": [(0, 0.9)], "cost_sweep.5.sharpe": [(0, 0.4)],
                              "per_year.2019.sharpe": [(0, 1.5)]}


class TaggingRecorder:
    """Keeps the tags and metrics each run (parent or child) is given."""

    def __init__(self) -> None:
        self.current = "parent"
        self.tags: dict[str, dict[str, str]] = {}
        self.metrics: dict[str, dict[str, float]] = {}

    def set_tags(self, tags) -> None:
        self.tags.setdefault(self.current, {}).update(tags)

    def log_metrics(self, metrics) -> None:
        self.metrics.setdefault(self.current, {}).update(metrics)

    def start_child(self, run_name) -> None:
        self.current = run_name

    def end_child(self, status="FINISHED") -> None:
        self.current = "parent"

    def log_params(self, params) -> None:
        pass

    def log_artifact(self, path, artifact_path=None) -> None:
        pass

    def log_metric_steps(self, name, values) -> None:
        pass

    def log_dataset(self, name, digest, source) -> None:
        pass


def test_each_child_is_tagged_with_its_verdict(run_dir):
    import json

    from alphacheck.rundir import read_run
    from alphacheck.tracking.record import record_run

    metrics = json.loads((run_dir / "metrics.json").read_text())
    metrics["verdict"] = {
        "SP500": {"baseline": {"label": "no_edge", "reasons": ["it never held a position"],
                               "evidence": {"sharpe": -0.17, "deflated_kind": "psr", "null_draws": 200}}},
        "NASDAQ": {"baseline": {"label": "inconclusive", "reasons": ["only 60 predictions"], "evidence": {}}},
    }
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    recorder = TaggingRecorder()
    record_run(recorder, read_run(run_dir), {}, "cpu")
    assert recorder.tags["baseline-SP500"]["alphacheck.verdict"] == "no_edge"
    assert recorder.tags["baseline-NASDAQ"]["alphacheck.verdict"] == "inconclusive"
    assert recorder.tags["parent"]["alphacheck.verdict_summary"] == (
        "verdict over 2 strategies: 1 inconclusive, 1 no_edge"
    )
    assert recorder.metrics["baseline-SP500"]["verdict.sharpe"] == -0.17
    assert recorder.metrics["baseline-SP500"]["verdict.null_draws"] == 200
    assert "verdict.deflated_kind" not in recorder.metrics["baseline-SP500"]


def test_the_prices_are_the_runs_input_named_and_fingerprinted(run_dir):
    from alphacheck.rundir import read_run
    from alphacheck.tracking.provenance import prices_fingerprint
    from alphacheck.tracking.record import run_dataset
    from tests.conftest import synthetic_prices

    prices = {"SP500": synthetic_prices(30, seed=1, start="2018-01-02"),
              "NASDAQ": synthetic_prices(40, seed=2, start="2017-12-01")}  # fmt: skip
    name, digest, source = run_dataset(read_run(run_dir), prices)
    assert name == "sample: SP500, NASDAQ 2017-12-01..2018-02-12"
    assert digest == prices_fingerprint(prices)
    assert source == {"source": "sample", "tickers": "SP500,NASDAQ", "first": "2017-12-01",
                      "last": "2018-02-12"}
