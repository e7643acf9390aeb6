"""Progress: bars on a terminal (folds per variant with an ETA, epochs below), plain lines elsewhere."""

from __future__ import annotations

import io

from alphacheck.walkforward.progress import LineProgress, NullProgress, TqdmProgress, make_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_gives_no_bars():
    assert type(make_progress(quiet=True)) is NullProgress


def test_bars_count_folds_and_epochs_with_an_eta():
    stream = Terminal()
    assert isinstance(make_progress(stream=stream), TqdmProgress)
    progress = TqdmProgress(stream, mininterval=0)  # draw every update, not ten a second
    progress.start_variant("baseline", 3)
    for fold in range(3):
        progress.start_fold(fold, 4)
        for epoch in range(1, 3):
            progress.epoch(epoch, 4, 0.69)
        progress.end_fold({"epochs_run": 2, "seconds": 1.25, "resumed": fold == 0})
    progress.end_variant()
    text = stream.getvalue()
    assert "baseline" in text and "3/3" in text and "fold" in text
    assert "2/4" in text and "epoch" in text
    assert "<" in text  # tqdm's elapsed<remaining (ETA) field
    assert "last: 2 epochs, 1.2 s" in text and "resumed" not in text


def test_a_stream_that_is_not_a_terminal_gets_one_plain_line_per_fold():
    stream = io.StringIO()  # a log file, a pipe, CI
    progress = make_progress(stream=stream)
    assert isinstance(progress, LineProgress)
    progress.start_variant("baseline", 2)
    progress.start_fold(0, 4)
    progress.epoch(1, 4, 0.69)
    progress.end_fold({"test_start": "2018-01-02", "test_end": "2018-06-29", "epochs_run": 3, "seconds": 2.04,
                       "resumed": False})
    progress.end_fold({"test_start": "2018-07-02", "test_end": "2018-12-31", "resumed": True})
    progress.end_variant()
    assert stream.getvalue().splitlines() == [
        "  baseline fold 1/2: test 2018-01-02..2018-06-29, 3 epochs, 2.0 s",
        "  baseline fold 2/2: test 2018-07-02..2018-12-31, read from its checkpoint",
    ]
