"""The fold-concurrent trainer against the sequential one, fold by fold."""

from __future__ import annotations

import numpy as np
import pytest

from alphacheck.scenarios.schema import TrainingConfig
from alphacheck.walkforward.batched import batching_obstacle, fit_folds
from alphacheck.walkforward.trainer import SequenceClassifier

# Small enough for CI; dropout 0 where the comparison with the sequential trainer is exact.
NO_DROPOUT = {
    "baseline": {"hidden_size": 8, "num_layers": 2, "dropout": 0.0},
    "lightweight": {},
    "enhanced": {"hidden_size": 6, "attention_size": 4, "dropout": 0.0},
    "advanced": {"hidden_size": 6, "head_sizes": [8, 4], "dropout": 0.0},
    "transformer": {"d_model": 8, "num_heads": 2, "dim_feedforward": 12, "dropout": 0.0},
}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def folds():
    """Three folds of different sizes (so different batch counts and a short last batch), with a test set."""
    rng = np.random.default_rng(4)

    def fold(n_fit, n_val):
        x = rng.normal(size=(n_fit + n_val + 20, 6, 3)).astype("float32")
        y = (x[:, -1, 0] + x[:, -2, 1] + rng.normal(size=len(x)) > 0).astype("float32")
        return x[:n_fit], y[:n_fit], x[n_fit : n_fit + n_val], y[n_fit : n_fit + n_val], x[n_fit + n_val :]

    return [fold(90, 30), fold(61, 25), fold(130, 36)]


CONFIG = TrainingConfig(epochs=5, batch_size=32, patience=2)


def _sequential(variant, params, folds, config=CONFIG, seeds=(10, 11, 12)):
    return [
        SequenceClassifier(variant, params, config, "cpu", seed=s).fit(*f[:4]) for s, f in zip(seeds, folds)
    ]


def _batched(variant, params, folds, config=CONFIG, seeds=(10, 11, 12)):
    return fit_folds(variant, params, config, "cpu", [f[:4] for f in folds], list(seeds))


def _proba(models, folds):
    return [m.predict_proba(f[4]) for m, f in zip(models, folds)]


@pytest.mark.parametrize("variant", sorted(NO_DROPOUT))
def test_without_dropout_each_fold_equals_the_sequential_trainer(variant, folds):
    sequential = _sequential(variant, NO_DROPOUT[variant], folds)
    batched = _batched(variant, NO_DROPOUT[variant], folds)
    for s, b, p_s, p_b in zip(sequential, batched, _proba(sequential, folds), _proba(batched, folds)):
        np.testing.assert_allclose(p_b, p_s, rtol=0, atol=1e-5)
        assert (b.epochs_run_, b.best_epoch_) == (s.epochs_run_, s.best_epoch_)
        assert b.best_val_loss_ == pytest.approx(s.best_val_loss_, abs=1e-5)


def test_folds_stop_early_at_their_own_epochs(folds):
    # A high learning rate makes the validation loss turn early, at different epochs per fold.
    config = TrainingConfig(epochs=12, batch_size=16, patience=2, learning_rate=0.05)
    sequential = _sequential("lightweight", {}, folds, config)
    batched = _batched("lightweight", {}, folds, config)
    stops = [m.epochs_run_ for m in sequential]
    assert min(stops) < 12 and len(set(stops)) > 1, "the case should stop folds early, at different epochs"
    assert [m.epochs_run_ for m in batched] == stops
    assert [m.best_epoch_ for m in batched] == [m.best_epoch_ for m in sequential]
    for p_s, p_b in zip(_proba(sequential, folds), _proba(batched, folds)):
        np.testing.assert_allclose(p_b, p_s, rtol=0, atol=1e-5)


def test_constant_schedule_and_shared_learning_rate_follow_the_sequential_trainer(folds):
    config = TrainingConfig(epochs=3, batch_size=32, patience=5, lr_schedule="constant", learning_rate=0.01)
    sequential = _sequential("lightweight", {}, folds, config)
    batched = _batched("lightweight", {}, folds, config)
    for p_s, p_b in zip(_proba(sequential, folds), _proba(batched, folds)):
        np.testing.assert_allclose(p_b, p_s, rtol=0, atol=1e-5)


def test_ensemble_trains_each_member_stacked(folds):
    params = {"members": ["lightweight", "lightweight"]}
    sequential = _sequential("ensemble", params, folds)
    batched = _batched("ensemble", params, folds)
    for p_s, p_b in zip(_proba(sequential, folds), _proba(batched, folds)):
        np.testing.assert_allclose(p_b, p_s, rtol=0, atol=1e-5)
    assert type(batched[0].model_).__name__ == "MeanProbabilityEnsemble"


@pytest.mark.parametrize("variant", ["baseline", "transformer"])
def test_with_dropout_results_are_deterministic_for_a_seed(variant, folds):
    params = {"baseline": {"hidden_size": 8, "num_layers": 2, "dropout": 0.3}, "transformer": NO_DROPOUT[
        "transformer"
    ] | {"dropout": 0.2}}[variant]
    first = _proba(_batched(variant, params, folds), folds)
    second = _proba(_batched(variant, params, folds), folds)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    other_seeds = _proba(_batched(variant, params, folds, seeds=(20, 21, 22)), folds)
    assert not np.allclose(first[0], other_seeds[0], atol=1e-4)
    # Dropout is live: the masks change what the folds learn compared with no dropout.
    without = _proba(_batched(variant, params | {"dropout": 0.0}, folds), folds)
    assert not np.allclose(first[0], without[0], atol=1e-4)


def test_a_folds_result_does_not_depend_on_its_stack_mates_beyond_rounding(folds):
    params = {"hidden_size": 8, "num_layers": 2, "dropout": 0.3}
    together = _proba(_batched("baseline", params, folds), folds)
    alone = _proba(fit_folds("baseline", params, CONFIG, "cpu", [folds[1][:4]], [11]), folds[1:2])
    np.testing.assert_allclose(alone[0], together[1], rtol=0, atol=1e-5)


def test_every_shipped_variant_can_be_batched():
    from alphacheck.models import VARIANTS

    shipped = ["baseline", "enhanced", "lightweight", "advanced", "transformer", "ensemble"]
    assert set(shipped) <= set(VARIANTS)
    assert [name for name in shipped if batching_obstacle(name, {}, 5) is not None] == []


def test_the_gpu_recurrence_trains_each_fold_as_the_sequential_trainer(folds, monkeypatch):
    # On CUDA the stacked LSTM runs _Recurrence (its own backward); force it here, on the CPU.
    from alphacheck.models import stacked

    monkeypatch.setattr(stacked, "_recurrence", lambda projected, w: stacked._Recurrence.apply(projected, w))
    params = NO_DROPOUT["baseline"]
    sequential = _sequential("baseline", params, folds)
    batched = _batched("baseline", params, folds)
    for s, b, p_s, p_b in zip(sequential, batched, _proba(sequential, folds), _proba(batched, folds)):
        np.testing.assert_allclose(p_b, p_s, rtol=0, atol=1e-5)
        assert (b.epochs_run_, b.best_epoch_) == (s.epochs_run_, s.best_epoch_)
