"""The signal for the next trading day from a finished run: ``alphacheck predict RUN_DIR``.

For each variant, the run's last-fold model (``models/<variant>.pt``, served
by ONNX Runtime or torch: :mod:`alphacheck.models.serving`) reads the run's
features on the latest prices: the run's scenario with ``data.end`` left
open, from the price cache (``update=True`` first downloads the missing
days; otherwise only what is cached is used, so it works offline), from
``data.start`` as in the run, so every feature is computed as it was. The
sequence ending at the decision date is standardised with the fold's scaler,
and P(up) is calibrated with the fold's calibrator.

The decision convention is the run's: P(up) at date t is known at the close
of t, and the position is filled at the next bar's open (``next_open``) or
close (``next_close``). The position is the scenario's policy (thresholds,
band, holding, sizing) replayed on this model's P(up) from its first
out-of-sample day to the decision date. The model's age is counted in
trading days since the last day of its training range; it is stale once the
walk-forward would have replaced it (``step`` trading days after its first
test day, or a new calendar period with ``retrain_frequency``).

The sequences are built in the walk-forward's order (every ticker of the
run, dates from the model's first test day), so on a date of the run's last
test period the same model sees the same inputs as in the run: through
torch, the probability equals the one in ``predictions.parquet``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError, DataError
from alphacheck.scenarios.schema import Scenario

__all__ = ["Signal", "predict_signals"]


@dataclass(frozen=True)
class Signal:
    """What one variant's last model says about one ticker at a decision date."""

    decision_date: str
    ticker: str
    variant: str
    proba: float
    proba_raw: float
    position: str  # long | short | flat
    weight: float  # signed fraction of equity held after the next fill
    execution: str
    fill: str
    fold: int
    trained_through: str
    first_test_day: str
    trading_days_since_training: int
    retrain_every: str
    stale: bool
    warning: str | None
    backend: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def predict_signals(
    run_dir: Path,
    date: str | pd.Timestamp | None = None,
    tickers: list[str] | None = None,
    update: bool = False,
    backend: str = "auto",
) -> list[Signal]:
    """The signals of every variant of a run, for every ticker, at the decision date.

    Parameters
    ----------
    run_dir
        A run folder (``config.yaml``, ``models/<variant>.pt``); plugins its
        variants or features come from must be loaded first.
    date
        The decision date (default: the last date with complete features for every ticker).
    tickers
        Only these tickers (of the run's; the model sees the run's calendar either way).
    update
        Download the days the price cache lacks first (Yahoo); otherwise use the cache as it is.
    backend
        ``auto``, ``onnx`` or ``torch`` (see :func:`alphacheck.models.serving.load_served_model`).

    Raises
    ------
    ConfigError
        For a folder without config or model files, tickers not in the run,
        a date beyond the data or before the model's first out-of-sample day,
        or features whose warm-up the prices do not cover.
    DataError
        For prices the cache or source cannot give.
    """
    from alphacheck.models.serving import load_served_model

    run_dir = Path(run_dir)
    scenario = _read_scenario(run_dir)
    chosen = _chosen_tickers(scenario, tickers)
    prices = latest_prices(scenario, update)
    features = _feature_frames(prices, scenario)
    calendar = _complete_calendar(features)
    decision = _decision_date(date, calendar, prices)
    signals = []
    for variant in scenario.variants:
        model = load_served_model(run_dir / "models" / f"{variant.name}.pt", backend)
        fold = _fold_dates(run_dir, model.config)
        dates = _model_dates(model.config, fold, calendar, decision)
        proba_raw = _predict(model, features, calendar, dates)
        for ticker in chosen:
            raw = proba_raw[ticker]
            proba = model.calibrator.predict_proba(raw)
            weights = _policy_weights(proba, prices[ticker], dates, scenario)
            signals.append(_signal(scenario, model, fold, ticker, dates, calendar, (proba, raw, weights)))
    return signals


def _read_scenario(run_dir: Path) -> Scenario:
    import yaml

    from alphacheck.scenarios.loader import validate_scenario

    path = run_dir / "config.yaml"
    if not path.is_file():
        raise ConfigError(f"{path} is missing; give a run folder written by `alphacheck run`")
    return validate_scenario(yaml.safe_load(path.read_text()), source=str(path))


def _chosen_tickers(scenario: Scenario, tickers: list[str] | None) -> list[str]:
    run = [t.upper() for t in scenario.data.tickers]
    if not tickers:
        return run
    chosen = [t.upper() for t in tickers]
    unknown = [t for t in chosen if t not in run]
    if unknown:
        raise ConfigError(
            f"--tickers {','.join(unknown)}: the run's models were trained on {', '.join(run)} only; "
            "choose among them (run the scenario with the other tickers to model them)"
        )
    return chosen


def latest_prices(scenario: Scenario, update: bool = False) -> dict[str, pd.DataFrame]:
    """The run's tickers from ``data.start`` to the latest day (cached, or first fetched with ``update``)."""
    from alphacheck.data import load_prices

    data = scenario.data
    if update and data.source != "yahoo":
        raise ConfigError(
            f"--update downloads from Yahoo, but the run's data source is {data.source!r}; "
            "predict without --update (the prices are read as the run read them, to their last day)"
        )
    end = None  # sample and csv: every day they hold
    if data.source == "yahoo":
        from alphacheck.data.yahoo import last_complete_day

        # An explicit end: to yesterday, downloading what the cache lacks; else the cache's last day.
        end = last_complete_day() if update else _cached_end(data.tickers)
    return load_prices(data.model_copy(update={"end": end}))


def _cached_end(tickers: list[str]):
    """The last day the price cache holds for every one of ``tickers``."""
    from alphacheck.data.cache import PriceCache

    cache, ends = PriceCache(), []
    for ticker in tickers:
        entry = cache.read(ticker.upper())
        if entry is None:
            raise DataError(
                f"{ticker.upper()}: no cached prices in {cache.root}; run with --update to download them, or "
                f"`alphacheck data fetch {ticker.upper()}` / `alphacheck data import FILE`"
            )
        ends.append(entry.covered[1])
    return min(ends)


def _feature_frames(prices: dict[str, pd.DataFrame], scenario: Scenario) -> dict[str, pd.DataFrame]:
    from alphacheck.features.sets import compute_features

    return {ticker: compute_features(frame, scenario.features) for ticker, frame in prices.items()}


def _complete_calendar(features: dict[str, pd.DataFrame]) -> pd.DatetimeIndex:
    """Dates on which every ticker's features are complete (the walk-forward's calendar, unlabelled too)."""
    calendar = None
    for frame in features.values():
        complete = frame.index[np.isfinite(frame.to_numpy(dtype="float64")).all(axis=1)]
        calendar = complete if calendar is None else calendar.intersection(complete)
    return pd.DatetimeIndex(calendar).sort_values()


def _decision_date(date, calendar: pd.DatetimeIndex, prices: dict[str, pd.DataFrame]) -> pd.Timestamp:
    last_price = min(frame.index[-1] for frame in prices.values())
    if len(calendar) == 0:
        raise ConfigError(
            "no date has complete features for every ticker: the prices do not cover the warm-up"
        )
    if date is None:
        return calendar[-1]
    day = pd.Timestamp(date)
    if day > last_price:
        raise ConfigError(
            f"--date {day.date()} is beyond the data: the prices end on {last_price.date()}; "
            "use --update to fetch the missing days, or an earlier date"
        )
    if day not in calendar:
        earlier = calendar[calendar < day]
        hint = f"; the latest one before it is {earlier[-1].date()}" if len(earlier) else ""
        raise ConfigError(
            f"--date {day.date()}: not a date on which every ticker traded with complete features "
            f"(warm-up, or not a trading day){hint}"
        )
    return day


def _model_dates(config: dict[str, Any], fold: dict[str, Any], calendar, decision) -> pd.DatetimeIndex:
    """Decision dates the model is replayed on: its first out-of-sample day up to the decision date."""
    first_test = pd.Timestamp(fold["test_start"])
    if decision < first_test:
        raise ConfigError(
            f"--date {decision.date()} is before the first out-of-sample day of {config['variant']}'s last "
            f"model ({first_test.date()}): that model trained on it; choose {first_test.date()} or later"
        )
    return calendar[(calendar >= first_test) & (calendar <= decision)]


def _fold_dates(run_dir: Path, config: dict[str, Any]) -> dict[str, Any]:
    if config.get("fold_dates"):
        return config["fold_dates"]
    # Model files written before they carried their dates: the fold's record in metrics.json.
    metrics = (
        json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else {}
    )
    for record in metrics.get("folds", []):
        if record.get("variant") == config["variant"] and record.get("index") == config["fold"]:
            return record
    raise ConfigError(
        f"{run_dir}: the model of {config['variant']} does not say which dates it trained on, and "
        "metrics.json "
        "has no record of its fold; run the scenario again"
    )


def _predict(model, features, calendar, dates) -> dict[str, np.ndarray]:
    """The model's own P(up) at ``dates`` per ticker, in one batch, rows in the walk-forward's order."""
    columns = list(model.config["feature_columns"])
    length = int(model.config["sequence_length"])
    batches, sizes = [], {}
    for ticker, frame in features.items():
        if list(frame.columns) != columns:
            missing = [c for c in columns if c not in frame.columns]
            raise ConfigError(
                f"{model.config['variant']}: the model reads features {missing or columns} that the "
                "scenario's "
                "feature set does not give here; load the plugin that defines them (--plugin)"
            )
        rows = frame.loc[frame.index.isin(calendar)]
        scaled = model.scale(rows.to_numpy())
        ends = rows.index.get_indexer(dates)
        if (ends < length - 1).any():
            first = dates[ends < length - 1][0]
            raise ConfigError(
                f"{ticker} on {first.date()}: a sequence of {length} dates needs "
                f"{length - 1 - ends.min()} more "
                f"dates of complete features before it; the warm-up is not covered (load prices from earlier)"
            )
        batches.append(np.stack([scaled[end - length + 1 : end + 1] for end in ends]))
        sizes[ticker] = len(ends)
    raw = model.predict_proba_raw(np.concatenate(batches))
    out, start = {}, 0
    for ticker, size in sizes.items():
        out[ticker] = raw[start : start + size]
        start += size
    return out


def _policy_weights(proba: np.ndarray, prices: pd.DataFrame, dates, scenario: Scenario) -> np.ndarray:
    from alphacheck.backtest.positions import policy_weights
    from alphacheck.backtest.strategies import sizing_volatility

    config = scenario.backtest
    volatility = None
    if config.sizing == "volatility":
        volatility = sizing_volatility(prices, config).reindex(dates).to_numpy()
    return policy_weights(proba, config, volatility)


def _signal(scenario, model, fold, ticker, dates, calendar, series) -> Signal:
    config = model.config
    proba, raw, weights = series
    decision = dates[-1]
    trained_through = pd.Timestamp(fold["val_end"])
    age = int(((calendar > trained_through) & (calendar <= decision)).sum())
    every, stale = _staleness(scenario, calendar, pd.Timestamp(fold["test_start"]), decision)
    weight = float(weights[-1])
    warning = None
    if stale:
        warning = (
            f"the model is older than the scenario's retraining interval ({every}): the walk-forward would "
            f"have replaced it; run the scenario again to retrain it"
        )
    execution = scenario.backtest.execution
    bar = "open" if execution == "next_open" else "close"
    return Signal(
        str(decision.date()), ticker, config["variant"], float(proba[-1]), float(raw[-1]),
        "long" if weight > 0 else "short" if weight < 0 else "flat", weight, execution,
        f"at the {bar} of the trading day after {decision.date()}", int(config["fold"]),
        str(trained_through.date()), str(pd.Timestamp(fold["test_start"]).date()), age, every, stale, warning,
        model.backend,
    )  # fmt: skip


def _staleness(
    scenario: Scenario, calendar, first_test: pd.Timestamp, decision: pd.Timestamp
) -> tuple[str, bool]:
    """The retraining interval in words, and whether ``decision`` lies past it for this model."""
    walk = scenario.walkforward
    if walk.retrain_frequency is not None:
        names = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}
        period = walk.retrain_frequency
        stale = decision.to_period(period) != first_test.to_period(period)
        return f"every calendar {names[period]}", bool(stale)
    served = int(((calendar >= first_test) & (calendar <= decision)).sum())
    return f"every {walk.step} trading days", served > walk.step
