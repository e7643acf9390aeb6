"""Wall time and peak memory of each stage of a real ``pipeline.run``.

The pipeline's own stage functions are wrapped in place (``load_prices``,
``build_dataset``, the walk-forward, ``evaluate``, ``build_report``,
``record_run`` and the recorder's start/end), so what is timed is exactly what
``alphacheck run`` does. Memory is the process's resident set (``VmRSS`` from
``/proc/self/status``) sampled every 20 ms by a thread: a stage's peak is the
highest sample while it ran (torch's and numba's allocations included, which
``tracemalloc`` would miss). Linux only.

    .venv/bin/python bench/stages.py [--max-folds 4] [--epochs 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = ("data", "features", "training", "backtest", "reports", "tracking")


def rss_mib() -> float:
    """Resident set size of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


class StageMeter:
    """Accumulates seconds and peak RSS per stage name while a sampler thread runs."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self.peak_mib = dict.fromkeys(STAGES, 0.0)
        self.current: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            if self.current:
                name = self.current[-1]
                self.peak_mib[name] = max(self.peak_mib[name], rss_mib())

    @contextlib.contextmanager
    def stage(self, name: str):
        self.current.append(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started
            self.peak_mib[name] = max(self.peak_mib[name], rss_mib())
            self.current.pop()

    def wrap(self, owner, attribute: str, name: str) -> None:
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            with self.stage(name):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)

    def __enter__(self) -> StageMeter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure_default_scenario(max_folds: int | None, epochs: int | None, tracking_uri: str) -> dict:
    """Run the default scenario through ``pipeline.run`` with every stage metered."""
    import alphacheck.backtest as backtest
    import alphacheck.data as data
    import alphacheck.features as features
    import alphacheck.report.builder as builder
    import alphacheck.walkforward as walkforward
    import alphacheck.tracking.record as record
    from alphacheck import pipeline
    from alphacheck.scenarios import apply_overrides, load_scenario
    from alphacheck.tracking.mlflow_recorder import MlflowRecorder

    scenario = apply_overrides(load_scenario("default"), {"training.checkpoint": False})
    if epochs:
        scenario = apply_overrides(scenario, {"training.epochs": epochs})
    if max_folds:
        wf = scenario.walkforward
        # the sample data start in 1999; keep max_folds test windows after the first training window
        years = (wf.train_days + wf.purge_days + wf.validation_days * 0 + max_folds * wf.test_days) / 252
        scenario = apply_overrides(scenario, {"data.end": _sample_end(years)})
    meter = StageMeter()
    meter.wrap(data, "load_prices", "data")
    meter.wrap(features, "build_dataset", "features")
    meter.wrap(walkforward, "run_walkforward", "training")
    meter.wrap(backtest, "evaluate", "backtest")
    meter.wrap(builder, "build_report", "reports")
    meter.wrap(record, "record_run", "tracking")
    recorder = MlflowRecorder(tracking_uri)
    meter.wrap(recorder, "start", "tracking")
    meter.wrap(recorder, "end", "tracking")
    with meter, tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = pipeline.run(scenario, Path(folder) / "run", recorder)
        total = time.perf_counter() - started
    return {
        "folds": len(result.metrics["folds"]),
        "epochs_run": sum(r["epochs_run"] for r in result.metrics["folds"]),
        "fit_seconds": round(sum(r["seconds"] for r in result.metrics["folds"]), 1),
        "resumed": sum(bool(r.get("resumed")) for r in result.metrics["folds"]),
        "epochs": scenario.training.epochs,
        "end": str(scenario.data.end),
        "total_seconds": round(total, 1),
        "seconds": {k: round(v, 1) for k, v in meter.seconds.items()},
        "peak_mib": {k: round(v) for k, v in meter.peak_mib.items()},
    }


def _sample_end(years: float):
    import datetime as dt

    return dt.date(1999, 1, 1) + dt.timedelta(days=int(years * 365.25) + 60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-folds", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as store:
        uri = f"sqlite:///{store}/mlflow.db"
        print(json.dumps(measure_default_scenario(args.max_folds, args.epochs, uri)))


if __name__ == "__main__":
    main()
