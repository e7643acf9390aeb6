"""Where a run's numbers come from: data fingerprint, library versions, git commit."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import subprocess
from pathlib import Path

import pandas as pd

__all__ = ["git_commit", "library_versions", "prices_fingerprint", "walkforward_signature"]

_LIBRARIES = ("torch", "vectorbt", "quantstats", "mlflow", "pandas", "numpy", "alphacheck")


def prices_fingerprint(prices: dict[str, pd.DataFrame]) -> str:
    """SHA-256 of the price data a run used: tickers, dates, columns and every value.

    Two runs with the same fingerprint saw bit-identical prices; the order of
    the tickers in the mapping does not matter.
    """
    digest = hashlib.sha256()
    for ticker in sorted(prices):
        frame = prices[ticker]
        digest.update(ticker.encode())
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(pd.DatetimeIndex(frame.index).asi8.tobytes())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def walkforward_signature(scenario, prices: dict[str, pd.DataFrame]) -> str:
    """SHA-256 of what makes a walk-forward's predictions: prices, features, folds, training, variants, seed.

    ``alphacheck run`` stores it with ``predictions.parquet``; ``alphacheck
    evaluate`` compares it with its own scenario and prices to tell whether
    that scenario's features and folds made the file (then the audit's checks
    of them apply to it).
    """
    import json

    config = scenario.model_dump(mode="json")
    parts = {key: config[key] for key in ("features", "walkforward", "training", "variants")}
    parts.update(seed=scenario.seed, execution=scenario.backtest.execution, prices=prices_fingerprint(prices))
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries behind the numbers (``"not installed"`` if absent)."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(path: Path | None = None) -> str | None:
    """The commit checked out in the git working tree holding ``path`` (``+dirty`` if modified).

    ``None`` outside a git working tree or without git.
    """
    where = str(path or Path(__file__).resolve().parent)
    try:
        commit = subprocess.run(["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", where, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if status else commit or None
