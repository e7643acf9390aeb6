"""Re-run a logged run from its config and data fingerprint; compare the predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alphacheck.exceptions import DataError

__all__ = ["Reproduction", "compare_predictions", "reproduce_run"]

_KEYS = ["variant", "ticker", "date"]


@dataclass
class Reproduction:
    """How a re-run's predictions compare with the logged ones."""

    run_id: str
    output_dir: Path | None
    n_rows: int
    n_different: int
    max_abs_diff: float
    same_rows: bool

    @property
    def identical(self) -> bool:
        """Same rows, and every value equal bit for bit."""
        return self.same_rows and self.n_different == 0

    def describe(self) -> str:
        """One line for the user."""
        if self.identical:
            return f"run {self.run_id}: predictions identical ({self.n_rows} rows); re-run in {self.output_dir}"
        if not self.same_rows:
            return f"run {self.run_id}: predictions DIFFER: the re-run predicts other dates, tickers or variants"
        return (f"run {self.run_id}: predictions DIFFER in {self.n_different} of {self.n_rows} rows "
                f"(largest |proba difference| {self.max_abs_diff:.3g}); re-run in {self.output_dir}")


def compare_predictions(logged: pd.DataFrame, rerun: pd.DataFrame) -> tuple[bool, int, float]:
    """``(same rows, rows whose values differ, largest |proba| difference)``; values compared exactly."""
    a = logged.sort_values(_KEYS, ignore_index=True)
    b = rerun.sort_values(_KEYS, ignore_index=True)
    if len(a) != len(b) or list(a.columns) != list(b.columns) or not a[_KEYS].equals(b[_KEYS]):
        return False, len(a), float("nan")
    values = [c for c in a.columns if c not in _KEYS]
    differs = np.zeros(len(a), dtype=bool)
    for column in values:
        left, right = a[column].to_numpy(), b[column].to_numpy()
        differs |= ~((left == right) | (pd.isna(left) & pd.isna(right)))
    largest = float(np.max(np.abs(a["proba"].to_numpy() - b["proba"].to_numpy()))) if len(a) else 0.0
    return True, int(differs.sum()), largest


def reproduce_run(
    run_id: str,
    scratch: Path,
    tracking_uri: str | None = None,
    output_dir: Path | None = None,
    on_progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> Reproduction:
    """Fetch a run's config and predictions, check the data fingerprint, re-run and compare.

    Raises
    ------
    TrackingError
        When the store, the run or its artifacts cannot be read.
    DataError
        When today's prices are not the ones the run used (fingerprint mismatch).
    """
    from alphacheck import pipeline
    from alphacheck.data import load_prices
    from alphacheck.rundir import PREDICTIONS_FILE, read_scenario
    from alphacheck.scenarios.overrides import apply_overrides
    from alphacheck.tracking.base import NullRecorder
    from alphacheck.tracking.mlflow_recorder import fetch_run
    from alphacheck.tracking.provenance import prices_fingerprint

    say = on_progress or (lambda message: None)
    logged = fetch_run(run_id, scratch, tracking_uri)
    scenario = read_scenario(scratch, source=f"run {run_id}")
    address = scenario.compute.ray_address
    if address:
        # A logged config must not send work to a cluster by itself; predictions do not depend on where
        # the folds train, so the re-run trains here.
        say(f"run {run_id} trained on the Ray cluster {address}; re-running it here")
        compute = scenario.compute.model_copy(update={"ray_address": None})
        scenario = scenario.model_copy(update={"compute": compute})
    # The logged config is resolved already, so the environment is not read again (EPOCHS set in
    # today's shell must not change the re-run); the device is pinned to the kind the run used,
    # so that `auto` on a machine with a GPU does not re-run a CPU run on the GPU.
    scenario = apply_overrides(scenario, {"device": _device_kind(logged.params.get("device"))},
                               source=f"run {run_id}'s device")
    expected = logged.params.get("data.fingerprint")
    found = prices_fingerprint(load_prices(scenario.data))
    if expected and expected != found:
        raise DataError(
            f"run {run_id}: the price data changed since it ran (fingerprint {expected[:12]} then, "
            f"{found[:12]} now); restore the data it used (source {scenario.data.source!r}) to reproduce it"
        )
    say(f"re-running {scenario.name} (run {run_id}, data fingerprint {found[:12]} matches)")
    result = pipeline.run(scenario, output_dir, NullRecorder(), on_progress=say, overwrite=overwrite)
    same_rows, n_different, largest = compare_predictions(pd.read_parquet(scratch / PREDICTIONS_FILE),
                                                          result.predictions)
    return Reproduction(run_id, result.output_dir, len(result.predictions), n_different, largest, same_rows)


def _device_kind(logged: str | None) -> str | None:
    """``"cuda:0"`` -> ``"cuda"``; ``None`` (not logged, or unknown) leaves the config's device."""
    kind = (logged or "").split(":")[0]
    return kind if kind in ("cpu", "cuda", "mps") else None
