"""Progress bars: folds per variant with an ETA, epochs below; nothing when quiet."""

from __future__ import annotations

import io

from alphacheck.walkforward.progress import NullProgress, TqdmProgress, make_progress


def test_quiet_gives_no_bars():
    assert type(make_progress(quiet=True)) is NullProgress


def test_bars_count_folds_and_epochs_with_an_eta():
    stream = io.StringIO()
    assert isinstance(make_progress(stream=stream), TqdmProgress)
    progress = TqdmProgress(stream, mininterval=0)  # draw every update, not ten a second
    progress.start_variant("baseline", 3)
    for fold in range(3):
        progress.start_fold(fold, 4)
        for epoch in range(1, 3):
            progress.epoch(epoch, 4, 0.69)
        progress.end_fold({"epochs_run": 2, "resumed": fold == 0})
    progress.end_variant()
    text = stream.getvalue()
    assert "baseline" in text and "3/3" in text and "fold" in text
    assert "2/4" in text and "epoch" in text
    assert "<" in text  # tqdm's elapsed<remaining (ETA) field
