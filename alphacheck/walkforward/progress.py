"""Progress of the walk-forward: bars on a terminal, plain lines elsewhere.

On a terminal, tqdm draws a bar per variant (folds, with ETA) and one for
epochs. When stderr is a file or a pipe (a log, CI), redrawn bars would leave
escape codes behind, so :class:`LineProgress` writes one plain line per fold
instead. :class:`NullProgress` prints nothing (``-q``, library use, or the
bare-bones GPU check).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["LineProgress", "NullProgress", "TqdmProgress", "fold_outcome", "make_progress"]


class NullProgress:
    """Progress that shows nothing."""

    def start_variant(self, variant: str, n_folds: int) -> None:
        """A variant's walk-forward of ``n_folds`` folds begins."""

    def start_fold(self, fold: int, epochs: int) -> None:
        """Training of one fold begins; up to ``epochs`` epochs."""

    def epoch(self, epoch: int, epochs: int, val_loss: float) -> None:
        """An epoch finished with validation loss ``val_loss``."""

    def end_fold(self, record: dict[str, Any]) -> None:
        """A fold finished (trained or resumed from a checkpoint)."""

    def end_variant(self) -> None:
        """The variant's last fold finished."""


class TqdmProgress(NullProgress):
    """A tqdm bar of folds per variant (with ETA) and a transient bar of epochs below it."""

    def __init__(self, stream: Any = None, mininterval: float = 0.1) -> None:
        from tqdm.auto import tqdm

        self._tqdm = tqdm
        self._stream = stream or sys.stderr
        self._mininterval = mininterval
        self._folds = None
        self._epochs = None

    def start_variant(self, variant: str, n_folds: int) -> None:
        self._folds = self._tqdm(
            total=n_folds,
            desc=f"{variant:>12}",
            unit="fold",
            file=self._stream,
            position=0,
            dynamic_ncols=True,
            mininterval=self._mininterval,
        )

    def start_fold(self, fold: int, epochs: int) -> None:
        self._epochs = self._tqdm(
            total=epochs,
            desc=f"{'fold ' + str(fold):>12}",
            unit="epoch",
            file=self._stream,
            position=1,
            leave=False,
            dynamic_ncols=True,
            mininterval=self._mininterval,
        )

    def epoch(self, epoch: int, epochs: int, val_loss: float) -> None:
        if self._epochs is not None:
            self._epochs.set_postfix(val_loss=f"{val_loss:.4f}", refresh=False)
            self._epochs.update(1)

    def end_fold(self, record: dict[str, Any]) -> None:
        if self._epochs is not None:
            self._epochs.close()
            self._epochs = None
        if self._folds is not None:
            self._folds.set_postfix_str(f"last: {fold_outcome(record)}", refresh=False)
            self._folds.update(1)

    def end_variant(self) -> None:
        if self._folds is not None:
            self._folds.close()
            self._folds = None


class LineProgress(NullProgress):
    """One plain line per fold, for a stream that is not a terminal (no bars, no escape codes)."""

    def __init__(self, stream: Any = None) -> None:
        self._stream = stream or sys.stderr
        self._variant, self._total, self._done = "", 0, 0

    def start_variant(self, variant: str, n_folds: int) -> None:
        self._variant, self._total, self._done = variant, n_folds, 0

    def end_fold(self, record: dict[str, Any]) -> None:
        self._done += 1
        dates = f"test {record.get('test_start')}..{record.get('test_end')}"
        print(f"  {self._variant} fold {self._done}/{self._total}: {dates}, {fold_outcome(record)}",
              file=self._stream, flush=True)


def fold_outcome(record: dict[str, Any]) -> str:
    """What became of a fold, in words: "7 epochs, 3.1 s", or "read from its checkpoint"."""
    if record.get("resumed"):
        return "read from its checkpoint"
    return f"{record.get('epochs_run')} epochs, {float(record.get('seconds') or 0):.1f} s"


def make_progress(quiet: bool = False, stream: Any = None) -> NullProgress:
    """Bars on a terminal, a line per fold on any other stream, nothing when ``quiet``.

    Without tqdm installed a terminal gets the lines too.
    """
    if quiet:
        return NullProgress()
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        return LineProgress(stream)
    try:
        return TqdmProgress(stream)
    except ImportError:
        return LineProgress(stream)
