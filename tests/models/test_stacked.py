"""Stacked layers against the ordinary modules, fold by fold; per-fold AdamW, clipping and dropout noise."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from alphacheck.models.lstm import LSTMClassifier
from alphacheck.models.registry import get_variant
from alphacheck.models.stacked import FoldNoise, dropout
from alphacheck.models.stacked_optim import StackedAdamW, clip_grad_norm_per_fold
from alphacheck.models.stacked_variants import fold_state, stack_parameters, stacked_forward

SMALL = {
    "baseline": {"hidden_size": 6, "num_layers": 2, "dropout": 0.0},
    "bidirectional": None,  # LSTMClassifier's own option; no registered variant sets it
    "lightweight": {},
    "enhanced": {"hidden_size": 6, "attention_size": 4, "dropout": 0.0},
    "advanced": {"hidden_size": 5, "head_sizes": [8, 4], "dropout": 0.0},
    "transformer": {"d_model": 8, "num_heads": 2, "dim_feedforward": 12, "dropout": 0.0},
    "transformer_mean": {
        "d_model": 8, "num_heads": 2, "dim_feedforward": 12, "dropout": 0.0, "pooling": "mean"
    },
}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _modules(case: str, folds: int = 3, n_features: int = 4) -> list[nn.Module]:
    name = {"transformer_mean": "transformer"}.get(case, case)
    modules = []
    for seed in range(folds):
        torch.manual_seed(seed)
        if case == "bidirectional":
            modules.append(LSTMClassifier(n_features, 5, num_layers=2, dropout=0.0, bidirectional=True))
        else:
            spec = get_variant(name)
            modules.append(spec.build_model(n_features, spec.resolve(SMALL[case])))
    return modules


@pytest.mark.parametrize("case", sorted(SMALL))
def test_stacked_forward_and_gradients_equal_each_fold_module(case):
    modules = _modules(case)
    forward = stacked_forward(modules[0])
    params = stack_parameters(modules)
    x = torch.randn(3, 5, 7, 4, generator=torch.Generator().manual_seed(1))
    logits = forward(params, x, None)
    logits.square().mean(dim=1).sum().backward()  # each fold's own loss, summed
    for k, module in enumerate(modules):
        module.train()  # dropout 0: train and eval agree; nn.LSTM takes its training path
        expected = module(x[k])
        torch.testing.assert_close(logits[k], expected, rtol=0, atol=2e-6)
        expected.square().mean().backward()
        for name, weight in module.named_parameters():
            torch.testing.assert_close(params[name].grad[k], weight.grad, rtol=1e-4, atol=2e-6)


def test_fold_state_loads_back_into_the_module():
    modules = _modules("enhanced")
    params = stack_parameters(modules)
    clone = _modules("enhanced", folds=1)[0]
    clone.load_state_dict(fold_state(params, 2))
    for name, weight in modules[2].state_dict().items():
        assert torch.equal(clone.state_dict()[name], weight)


def test_an_unknown_module_has_no_stacked_form():
    assert stacked_forward(nn.Sequential(nn.Linear(3, 1))) is None
    lstm = get_variant("baseline").build_model(3, get_variant("baseline").resolve({}))
    lstm.lstm = nn.LSTM(3, 32, batch_first=True, proj_size=4)
    assert stacked_forward(lstm) is None


def test_stacked_adamw_equals_torch_adamw_on_each_fold():
    generator = torch.Generator().manual_seed(0)
    start = torch.randn(3, 4, 5, generator=generator)
    stacked = start.clone().requires_grad_(True)
    optimiser = StackedAdamW([stacked], weight_decay=0.01)
    singles = [start[k].clone().requires_grad_(True) for k in range(3)]
    rates = [1e-2, 3e-3, 5e-2]
    torch_optimisers = [torch.optim.AdamW([p], lr=r, weight_decay=0.01) for p, r in zip(singles, rates)]
    # fold 1 sits out steps 1 and 3 (no batch then, or stopped): its weights and moments must not move
    plan = [[True, True, True], [True, False, True], [True, True, True], [False, False, True]]
    for stepping in plan:
        grads = torch.randn(3, 4, 5, generator=generator)
        stacked.grad = grads.clone()
        optimiser.step(torch.tensor(stepping), torch.tensor(rates, dtype=torch.float64))
        for k in range(3):
            if stepping[k]:
                singles[k].grad = grads[k].clone()
                torch_optimisers[k].step()
    for k in range(3):
        torch.testing.assert_close(stacked.detach()[k], singles[k].detach(), rtol=0, atol=1e-7)
    assert optimiser.steps.tolist() == [3.0, 2.0, 4.0]


def test_clipping_uses_each_folds_own_norm():
    generator = torch.Generator().manual_seed(2)
    weights = [torch.zeros(3, 4, requires_grad=True), torch.zeros(3, 2, 2, requires_grad=True)]
    grads = [torch.randn(3, 4, generator=generator), torch.randn(3, 2, 2, generator=generator)]
    grads[0][1] *= 100  # only fold 1 exceeds the limit
    for w, g in zip(weights, grads):
        w.grad = g.clone()
    norms = clip_grad_norm_per_fold(weights, 1.0)
    for k in range(3):
        singles = [g[k].clone().requires_grad_(True) for g in grads]
        for s, g in zip(singles, grads):
            s.grad = g[k].clone()
        expected_norm = torch.nn.utils.clip_grad_norm_(singles, 1.0)
        torch.testing.assert_close(norms[k], expected_norm, rtol=1e-6, atol=0)
        for w, s in zip(weights, singles):
            torch.testing.assert_close(w.grad[k], s.grad, rtol=1e-6, atol=1e-7)
    assert norms[1] > 1.0 and norms[0] < 10.0


def test_fold_noise_is_a_function_of_the_folds_own_seed():
    noise = FoldNoise([7, 8, 9])
    noise.start(epoch=2, step=3)
    together = noise.uniform((3, 50, 40))
    alone = FoldNoise([9])
    alone.start(epoch=2, step=3)
    assert torch.equal(alone.uniform((1, 50, 40))[0], together[2])
    kept = noise.keep(torch.tensor([False, True, True]))
    kept.start(epoch=2, step=3)
    assert torch.equal(kept.uniform((2, 50, 40)), together[1:])
    assert not torch.equal(together[0], together[1])
    noise.start(epoch=2, step=4)
    assert not torch.equal(noise.uniform((3, 50, 40)), together)


def test_fold_noise_is_uniform_and_dropout_keeps_the_expected_share():
    noise = FoldNoise([1, 2])
    noise.start(1, 0)
    draws = noise.uniform((2, 200_000))
    assert 0.0 <= float(draws.min()) and float(draws.max()) < 1.0
    # mean and variance of U(0, 1) within ~5 standard errors of 400k draws
    assert abs(float(draws.mean()) - 0.5) < 5 * (1 / 12) ** 0.5 / 400_000**0.5
    assert abs(float(draws.var()) - 1 / 12) < 2e-3
    kept = dropout(torch.ones(2, 200_000), 0.3, noise)
    share = float((kept > 0).float().mean())
    assert abs(share - 0.7) < 0.005
    assert torch.allclose(kept[kept > 0], torch.tensor(1 / 0.7))
    assert torch.equal(dropout(torch.ones(2, 5), 0.3, None), torch.ones(2, 5))


def test_hand_written_recurrence_backward_equals_autograd():
    # The GPU path (_Recurrence, its own backward) against the CPU path (autograd), both run here.
    from alphacheck.models.stacked import _Recurrence, _recurrence

    generator = torch.Generator().manual_seed(5)
    projected = torch.randn(3, 6, 4, 20, generator=generator)  # (fold, time, batch, 4 * hidden)
    weight = 0.3 * torch.randn(3, 20, 5, generator=generator)
    upstream = torch.randn(3, 6, 4, 5, generator=generator)
    results = []
    for recurrence in (_Recurrence.apply, _recurrence):
        inputs = [projected.clone().requires_grad_(True), weight.clone().requires_grad_(True)]
        output = recurrence(*inputs)
        output.backward(upstream)
        results.append((output.detach(), inputs[0].grad, inputs[1].grad))
    for hand, auto in zip(*results):
        torch.testing.assert_close(hand, auto, rtol=1e-5, atol=1e-6)


def test_the_integer_hash_equals_the_tensor_hash():
    from alphacheck.models.stacked import _mix32, _mix32_int

    values = [0, 1, 2, 12345, 2**31 - 1, 2**32 - 1, 0x9E3779B9]
    assert _mix32(torch.tensor(values, dtype=torch.int64)).tolist() == [_mix32_int(v) for v in values]
