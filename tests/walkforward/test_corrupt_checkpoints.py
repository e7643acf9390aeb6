"""A corrupt or foreign fold checkpoint is named, moved aside and its fold retrained (issue 14, finding 4).

Before, such a file gave a traceback that did not name it, on every re-run.
"""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from alphacheck.exceptions import CheckpointWarning
from alphacheck.walkforward import run_walkforward
from alphacheck.walkforward.checkpoint import FoldStore, data_fingerprint, run_key
from tests.walkforward.test_runner_folds import _scenario, datasets  # noqa: F401  (fixture)

CORRUPTIONS = {
    "garbage": lambda path: path.write_bytes(b"not a checkpoint at all"),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    "empty": lambda path: path.write_bytes(b""),
    "foreign torch file": lambda path: torch.save({"weights": torch.zeros(3)}, path),
    "weights of another model": lambda path: torch.save(
        {**torch.load(path, weights_only=True), "state": {"layer.weight": torch.zeros(2, 2)}}, path
    ),
    "probabilities out of range": lambda path: torch.save(
        {**torch.load(path, weights_only=True), "proba_raw": torch.full((120,), 3.0, dtype=torch.float64)}, path
    ),
}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_bad_checkpoint_is_set_aside_and_its_fold_retrained(datasets, tmp_path, corrupt):  # noqa: F811
    scenario = _scenario()
    first = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    folder = tmp_path / run_key(data_fingerprint(datasets), scenario, scenario.variants[0], "cpu")
    bad = folder / "fold-0001.pt"
    corrupt(bad)
    with pytest.warns(CheckpointWarning, match=rf"fold checkpoint {bad} is unreadable \(.+\); moved it to "
                      rf"{bad}\.corrupt-\d{{8}}-\d{{6}}-\d+ and training fold 1 again"):  # fmt: skip
        again = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    assert [r["resumed"] for r in again.folds] == [True, False] + [True] * (len(first.folds) - 2)
    pd.testing.assert_frame_equal(first.predictions, again.predictions)
    assert len(list(folder.glob("fold-0001.pt.corrupt-*"))) == 1  # kept for a look, out of the way
    assert FoldStore(folder).load(1) is not None  # the retrained fold's checkpoint replaced it
    third = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)  # and no warning again
    assert all(r["resumed"] for r in third.folds)


def test_an_unreadable_checkpoint_is_retrained_even_when_it_cannot_be_moved(tmp_path, monkeypatch):
    store = FoldStore(tmp_path)
    tmp_path.joinpath("fold-0000.pt").write_bytes(b"junk")

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("alphacheck.walkforward.checkpoint.os.replace", refuse)
    with pytest.warns(CheckpointWarning, match=r"could not move it aside \(Permission denied\) and training"):
        assert store.load(0) is None
