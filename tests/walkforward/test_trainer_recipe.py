"""The training recipe: determinism, cosine schedule, warm start, learning-rate precedence, ensemble."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from alphacheck.scenarios.schema import TrainingConfig
from alphacheck.walkforward import trainer as trainer_module
from alphacheck.walkforward.trainer import SequenceClassifier


@pytest.fixture
def arrays():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(160, 6, 4)).astype("float32")
    y = (x[:, -1, 0] + 0.5 * rng.normal(size=160) > 0).astype("float32")
    return x[:120], y[:120], x[120:], y[120:]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _fit(arrays, variant="lightweight", seed=0, **training):
    config = TrainingConfig(**{"epochs": 4, "batch_size": 32, "patience": 10, **training})
    return SequenceClassifier(variant, {}, config, "cpu", seed=seed).fit(*arrays)


def test_same_seed_gives_bit_identical_probabilities(arrays):
    first = _fit(arrays, "enhanced", seed=5).predict_proba(arrays[2])
    second = _fit(arrays, "enhanced", seed=5).predict_proba(arrays[2])
    assert np.array_equal(first, second)
    other = _fit(arrays, "enhanced", seed=6).predict_proba(arrays[2])
    assert not np.array_equal(first, other)


def test_cosine_schedule_follows_the_closed_form(arrays, monkeypatch):
    seen = []
    original = torch.optim.AdamW.step

    def spy(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", spy)
    _fit(arrays, epochs=4, batch_size=120, learning_rate=0.01)  # one step per epoch
    expected = [0.005 * (1 + np.cos(np.pi * e / 4)) for e in range(4)]
    np.testing.assert_allclose(seen, expected, rtol=1e-9)


def test_constant_schedule_keeps_the_rate(arrays, monkeypatch):
    seen = []
    original = torch.optim.AdamW.step

    def spy(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", spy)
    _fit(arrays, epochs=3, batch_size=120, lr_schedule="constant")
    assert seen == [2e-3] * 3  # lightweight's own default


def test_variant_params_beat_the_shared_learning_rate():
    config = TrainingConfig(learning_rate=0.02)
    assert (
        trainer_module._learning_rate("baseline", {"learning_rate": 0.3}, {"learning_rate": 2e-3}, config)
        == 0.3
    )
    assert trainer_module._learning_rate("baseline", {}, {"learning_rate": 2e-3}, config) == 0.02
    assert trainer_module._learning_rate("baseline", {}, {"learning_rate": 2e-3}, TrainingConfig()) == 2e-3


def test_pos_weight_is_negatives_over_positives():
    y = np.array([1, 0, 0, 0, 1, 0], dtype="float32")
    assert float(trainer_module._pos_weight(y, torch.device("cpu"))) == pytest.approx(2.0)


def test_warm_start_begins_from_the_given_weights(arrays):
    first = _fit(arrays)
    state = {k: v.clone() for k, v in first.model_.state_dict().items()}
    config = TrainingConfig(epochs=1, batch_size=32, patience=1, learning_rate=1e-12, lr_schedule="constant")
    warm = SequenceClassifier("lightweight", {}, config, "cpu", seed=9).fit(*arrays, init_state=state)
    cold = SequenceClassifier("lightweight", {}, config, "cpu", seed=9).fit(*arrays)
    # a vanishing learning rate leaves the warm model where it started
    for key, value in warm.model_.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=1e-9)
    assert not torch.allclose(cold.model_.state_dict()["head.weight"], state["head.weight"])


def test_early_stopping_restores_the_best_epoch(arrays):
    model = _fit(arrays, "baseline", epochs=12, patience=2)
    assert model.best_epoch_ <= model.epochs_run_ <= 12
    x_val, y_val = torch.as_tensor(arrays[2]), torch.as_tensor(arrays[3])
    positives = float(arrays[1].sum())
    weight = torch.tensor((len(arrays[1]) - positives) / positives)
    with torch.no_grad():
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            model.model_(x_val), y_val, pos_weight=weight
        )
    assert float(loss) == pytest.approx(model.best_val_loss_, abs=1e-7)


def test_ensemble_is_the_mean_of_its_members_trained_alone(arrays):
    params = {"members": ["baseline", "lightweight"]}
    config = TrainingConfig(epochs=3, batch_size=32, patience=10)
    ensemble = SequenceClassifier("ensemble", params, config, "cpu", seed=2).fit(*arrays)
    alone = [SequenceClassifier(m, {}, config, "cpu", seed=2).fit(*arrays) for m in params["members"]]
    expected = np.mean([m.predict_proba(arrays[2]) for m in alone], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(arrays[2]), expected, rtol=0, atol=1e-6)


def test_predict_before_fit_is_refused():
    with pytest.raises(RuntimeError, match="not fitted"):
        SequenceClassifier("baseline").predict_proba(np.zeros((1, 2, 3)))
