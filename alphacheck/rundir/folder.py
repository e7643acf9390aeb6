"""The run folder: what a run writes, where, and how it is read back.

This module owns the folder's layout (with :mod:`~alphacheck.rundir.manifest`
and :mod:`~alphacheck.rundir.staging` beside it). The pipeline writes it
with :func:`write_run`; the report, ``compare``, tracking, ``reproduce`` and
``alphacheck.load_run`` read it with :func:`read_run` (or the file names
below), and every one of them gets the same :class:`RunResult`.

=======================  ==========================================================
``config.yaml``          the fully resolved scenario (read back with its schema)
``predictions.parquet``  one row per out-of-sample (date, ticker, variant)
``returns.parquet``      one row per (date, ticker, strategy), see ``backtest.evaluate``
``metrics.json``         every figure; undefined values (NaN, infinities) as ``null``
``portfolio.parquet``    with a ``portfolio`` block: one row per (date, book), and
``portfolio_weights.parquet``  the weights each book held
``manifest.json``        the run id and the SHA-256 of the files above (:mod:`alphacheck.rundir.manifest`)
``models/``              ``<variant>.pt`` (+ ``.json``, ``.onnx`` or ``.skops``), the last fold's model
``plots/``, ``tearsheets/``, ``summary.md``, ``index.html``: the report
``profile.json``         with ``--profile``: seconds per stage (:mod:`alphacheck.profiling`)
=======================  ==========================================================

Reading never reloads prices nor re-runs a backtest unless asked
(``backtest=True``): a folder without ``returns.parquet`` is refused otherwise.
Reading checks the manifest, so the files of two runs mixed in one folder are
refused, and any file that cannot be read is named in a ``ConfigError``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from alphacheck.exceptions import ConfigError
from alphacheck.rundir.manifest import MANIFEST_FILE, check_manifest, new_run_id, write_manifest
from alphacheck.scenarios.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from alphacheck.walkforward import TrainedModel

__all__ = [
    "CONFIG_FILE",
    "INDEX_FILE",
    "MANIFEST_FILE",
    "METRICS_FILE",
    "MODELS_DIR",
    "PLOTS_DIR",
    "PORTFOLIO_FILE",
    "PORTFOLIO_WEIGHTS_FILE",
    "PREDICTIONS_FILE",
    "PROFILE_FILE",
    "RETURNS_FILE",
    "RUN_OUTPUTS",
    "SIGNATURE_ATTR",
    "SUMMARY_FILE",
    "TEARSHEETS_DIR",
    "RunResult",
    "comparison_file",
    "json_safe",
    "model_file",
    "portfolio_tearsheet_file",
    "read_run",
    "read_scenario",
    "tearsheet_file",
    "write_config",
    "write_models",
    "write_run",
]

#: Key of ``predictions.parquet``'s pandas attrs holding the walk-forward's signature.
SIGNATURE_ATTR = "alphacheck.walkforward_signature"
CONFIG_FILE = "config.yaml"
PREDICTIONS_FILE = "predictions.parquet"
RETURNS_FILE = "returns.parquet"
METRICS_FILE = "metrics.json"
PORTFOLIO_FILE = "portfolio.parquet"
PORTFOLIO_WEIGHTS_FILE = "portfolio_weights.parquet"
SUMMARY_FILE = "summary.md"
INDEX_FILE = "index.html"
MODELS_DIR = "models"
PLOTS_DIR = "plots"
TEARSHEETS_DIR = "tearsheets"
PROFILE_FILE = "profile.json"

_REQUIRED = (CONFIG_FILE, PREDICTIONS_FILE, METRICS_FILE)
# The results a manifest vouches for (the report, models and comparisons are drawn from them).
_RESULTS = (CONFIG_FILE, PREDICTIONS_FILE, RETURNS_FILE, METRICS_FILE, PORTFOLIO_FILE, PORTFOLIO_WEIGHTS_FILE)
#: Every name a run writes at the top of its folder (what ``--overwrite`` may replace).
RUN_OUTPUTS = frozenset(
    {*_RESULTS, MANIFEST_FILE, SUMMARY_FILE, INDEX_FILE, MODELS_DIR, PLOTS_DIR, TEARSHEETS_DIR, PROFILE_FILE}
)


@dataclass
class RunResult:
    """What a run produced, as its folder holds it.

    Attributes
    ----------
    output_dir
        The run folder.
    scenario
        The resolved configuration (``config.yaml``).
    predictions
        One row per out-of-sample (date, ticker, variant), as ``predictions.parquet``.
    returns
        One row per (date, ticker, strategy), as ``returns.parquet``.
    metrics
        Everything ``metrics.json`` holds (undefined values are ``None``).
    tracking
        Where the run was logged (``"not tracked"`` without a store); ``None``
        for a run read back from its folder.
    portfolio, portfolio_weights
        The books and the weights they held (see
        :mod:`alphacheck.backtest.portfolio_evaluate`); ``None`` without a
        ``portfolio`` block.
    run_id
        The run's id, from ``manifest.json`` (``None`` for a folder written before manifests).
    """

    output_dir: Path
    scenario: Scenario
    predictions: pd.DataFrame
    returns: pd.DataFrame
    metrics: dict[str, Any]
    tracking: str | None = None
    portfolio: pd.DataFrame | None = None
    portfolio_weights: pd.DataFrame | None = None
    run_id: str | None = None
    _by_strategy: dict[tuple[str, str], pd.Series] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def variants(self) -> list[str]:
        """Variant names of the predictions, in the order the scenario lists them.

        A folder written by ``alphacheck evaluate`` holds a file's variants,
        which the scenario (its data and backtest) need not list: those follow in file order.
        """
        listed = [v.name for v in self.scenario.variants]
        present = list(dict.fromkeys(str(v) for v in self.predictions["variant"]))
        return [v for v in listed if v in present] + [v for v in present if v not in listed]

    @property
    def tickers(self) -> list[str]:
        """Tickers in the order the scenario lists them."""
        return list(self.scenario.data.tickers)

    @property
    def costs_bps(self) -> float:
        """Fees plus slippage per side, in basis points."""
        return self.scenario.backtest.fees_bps + self.scenario.backtest.slippage_bps

    def strategy_returns(self) -> dict[tuple[str, str], pd.Series]:
        """Net per-bar returns by ``(ticker, strategy)``, a variant or a baseline, indexed by date."""
        import pandas as pd

        if self._by_strategy is None:
            self._by_strategy = {}
            for (ticker, strategy), rows in self.returns.groupby(["ticker", "variant"], sort=False):
                index = pd.DatetimeIndex(rows["date"], name="date")
                series = pd.Series(rows["net_return"].to_numpy(), index=index, name="return")
                self._by_strategy[(str(ticker), str(strategy))] = series.sort_index()
        return self._by_strategy

    def summary(self) -> pd.DataFrame:
        """The headline metrics, one row per (ticker, strategy), with the verdict when the run has one."""
        from alphacheck.report.tables import summary_frame

        return summary_frame(self.metrics)


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data: NaN and infinities (undefined figures) become ``None``.

    Mapping keys become strings, tuples lists, and numpy scalars Python numbers.
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    return value


def model_file(folder: Path, variant: str, suffix: str = ".pt") -> Path:
    """``<folder>/models/<variant>.pt`` (or ``.onnx``): a variant's last-fold model."""
    return Path(folder) / MODELS_DIR / f"{variant}{suffix}"


def comparison_file(folder: Path, variant_a: str, variant_b: str, suffix: str = ".json") -> Path:
    """``<folder>/compare-<A>-vs-<B>.json`` (or ``.txt``): what ``alphacheck compare`` wrote."""
    return Path(folder) / f"compare-{variant_a}-vs-{variant_b}{suffix}"


def tearsheet_file(folder: Path, ticker: str, variant: str) -> Path:
    """``<folder>/tearsheets/<ticker>-<variant>.html``: the tearsheet of ``variant`` on ``ticker``."""
    return Path(folder) / TEARSHEETS_DIR / f"{ticker}-{variant}.html"


def portfolio_tearsheet_file(folder: Path, variant: str) -> Path:
    """``<folder>/tearsheets/portfolio-<variant>.html``: the tearsheet of ``variant``'s book."""
    return Path(folder) / TEARSHEETS_DIR / f"portfolio-{variant}.html"


def write_config(folder: Path, scenario: Scenario, environment: Mapping[str, str] | None = None) -> Path:
    """Write the resolved scenario as ``config.yaml`` into ``folder`` (created).

    ``environment`` (variable -> "EPOCHS=2 overrides training.epochs=20") is
    written first as comments: the settings below already hold its effect, and
    a reader sees where they came from.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_FILE
    header = "".join(f"# environment: {line}\n" for line in (environment or {}).values())
    path.write_text(header + yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False))
    return path


def write_models(folder: Path, models: Mapping[str, TrainedModel]) -> list[Path]:
    """Each variant's last-fold model under ``models/``: ``<variant>.pt`` and its ``.json`` config,
    with ``.onnx`` for a torch module or ``.skops`` for an estimator (``alphacheck.models.export``)."""
    from alphacheck.models.export import write_variant_files

    folder = Path(folder) / MODELS_DIR
    return [path for trained in models.values() for path in write_variant_files(trained, folder)]


def write_run(
    folder: Path,
    scenario: Scenario,
    predictions: pd.DataFrame,
    returns: pd.DataFrame,
    metrics: Mapping[str, Any],
    models: Mapping[str, TrainedModel] | None = None,
    portfolio: pd.DataFrame | None = None,
    portfolio_weights: pd.DataFrame | None = None,
    signature: str | None = None,
    environment: Mapping[str, str] | None = None,
) -> RunResult:
    """Write a run's results into ``folder`` and return them as its :class:`RunResult`.

    Parameters
    ----------
    folder
        The run folder (created).
    scenario
        The resolved configuration, written as ``config.yaml``.
    predictions, returns
        Written as ``predictions.parquet`` and ``returns.parquet``, without their index.
    metrics
        Written as ``metrics.json`` after :func:`json_safe`; the result holds the same safe copy.
    models
        The last model of each variant, written under ``models/`` (:func:`write_models`).
    portfolio, portfolio_weights
        The books and their weights, with a ``portfolio`` block.
    signature
        The walk-forward's signature, stored in ``predictions.parquet``'s metadata
        (``attrs[SIGNATURE_ATTR]`` once read back with pandas).
    environment
        The settings environment variables changed, atop ``config.yaml`` (:func:`write_config`).
    """
    folder = Path(folder)
    write_config(folder, scenario, environment)
    stored = predictions.copy(deep=False)
    stored.attrs = {SIGNATURE_ATTR: signature} if signature else {}
    stored.to_parquet(folder / PREDICTIONS_FILE, index=False)
    if models:
        write_models(folder, models)
    returns.to_parquet(folder / RETURNS_FILE, index=False)
    for frame, name in ((portfolio, PORTFOLIO_FILE), (portfolio_weights, PORTFOLIO_WEIGHTS_FILE)):
        if frame is not None:
            frame.to_parquet(folder / name, index=False)
    safe = json_safe(metrics)
    (folder / METRICS_FILE).write_text(json.dumps(safe, indent=2, allow_nan=False))
    run_id = new_run_id()
    write_manifest(folder, run_id, _RESULTS)  # last: it vouches for the files above
    return RunResult(
        folder, scenario, predictions, returns, safe,
        portfolio=portfolio, portfolio_weights=portfolio_weights, run_id=run_id,
    )  # fmt: skip


def read_scenario(folder: Path, source: str | None = None) -> Scenario:
    """The scenario of ``folder/config.yaml``, validated by the schema (its defaults fill what it omits).

    Raises
    ------
    ConfigError
        When the file is missing, or not a valid scenario (naming the key and the fix).
    """
    from alphacheck.scenarios.loader import validate_scenario

    from alphacheck.scenarios.loader import read_yaml

    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"{path} is missing; give a folder written by `alphacheck run`")
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected the run's scenario, got {type(raw).__name__}; re-run it")
    return validate_scenario(raw, source=source or str(path))


def read_run(folder: Path, backtest: bool = False) -> RunResult:
    """Read back a run folder written by :func:`write_run`.

    Parameters
    ----------
    folder
        The run folder.
    backtest
        For a folder without ``returns.parquet`` (written before it existed):
        reload the configured prices (which may download them) and re-run the
        backtest from the saved predictions. Otherwise such a folder is refused.

    Raises
    ------
    ConfigError
        When the folder lacks one of its files or holds one that cannot be read.
    """
    folder = Path(folder)
    missing = [name for name in _REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ConfigError(
            f"run folder {str(folder)!r} lacks {', '.join(missing)}; "
            "give a folder written by `alphacheck run` (runs/<scenario>-<timestamp>/)"
        )
    run_id = check_manifest(folder, _RESULTS)
    scenario = read_scenario(folder)
    predictions = _read_table(folder / PREDICTIONS_FILE, _PREDICTION_COLUMNS)
    metrics = _read_metrics(folder / METRICS_FILE)
    if (folder / RETURNS_FILE).is_file():
        returns = _read_table(folder / RETURNS_FILE, _RETURN_COLUMNS)
    elif backtest:
        returns = _backtest_again(scenario, predictions)
    else:
        raise ConfigError(
            f"run folder {str(folder)!r} lacks {RETURNS_FILE}; re-run the scenario, or rebuild the "
            "returns from its predictions with `alphacheck report RUN_DIR --backtest` (reloads the "
            "prices, which may download them)"
        )
    books = [folder / name for name in (PORTFOLIO_FILE, PORTFOLIO_WEIGHTS_FILE)]
    portfolio, weights = (_read_table(path, ()) if path.is_file() else None for path in books)
    return RunResult(
        folder, scenario, predictions, returns, metrics, portfolio=portfolio, portfolio_weights=weights,
        run_id=run_id,
    )


# Columns a report or a comparison cannot do without.
_PREDICTION_COLUMNS = ("date", "ticker", "variant", "proba", "label")
_RETURN_COLUMNS = ("date", "ticker", "variant", "net_return")


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A parquet file of the folder, every failure (truncated, not parquet, columns missing) named."""
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path} cannot be read ({reason}); re-run the scenario") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path} lacks columns {missing}; re-run the scenario")
    return frame


def _read_metrics(path: Path) -> dict[str, Any]:
    try:
        metrics = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); re-run the scenario") from None
    if not isinstance(metrics, dict) or not isinstance(metrics.get("metrics", {}), dict):
        raise ConfigError(f"{path} does not hold a run's metrics; re-run the scenario")
    return metrics


def _backtest_again(scenario: Scenario, predictions: pd.DataFrame) -> pd.DataFrame:
    from alphacheck.backtest import evaluate
    from alphacheck.data import load_prices

    return evaluate(predictions, load_prices(scenario.data), scenario.backtest, seed=scenario.seed).frame
