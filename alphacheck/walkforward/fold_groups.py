"""How many folds train in one stack: an estimate of each fold's memory against the device's.

A fold in a stack holds its rows on the device, its weights four times over
(weights, gradients, two AdamW moments) plus its best weights and the update's
temporaries, and the activations autograd keeps for one training step. The
activations are counted, not guessed: one training forward of the stacked
model runs on PyTorch's ``meta`` device (shapes only, no arithmetic) and every
tensor saved for the backward pass is added up. The budget is a fixed share
of the device's total memory (not of what is free at the moment), so the
groups, and so the results, do not change from one run to the next on the
same machine; ``compute.fold_group_size`` caps the group size.
"""

from __future__ import annotations

import math
import os
from typing import Any

__all__ = ["BUDGET_SHARE", "device_memory_bytes", "fold_memory_bytes", "split_groups", "stack_size"]

#: Share of the device's total memory the stacks may use (the rest: CUDA context, allocator slack, the OS).
BUDGET_SHARE = 0.5
# Weights, gradients, two AdamW moments, best weights, and the update's temporaries.
_WEIGHT_COPIES = 6
# Autograd's saved activations, plus the gradients flowing back through them.
_ACTIVATION_FACTOR = 2


def device_memory_bytes(device: Any) -> int:
    """Total memory of ``device``: the GPU's for CUDA, the machine's RAM otherwise."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def fold_memory_bytes(
    variant: str,
    params: dict[str, Any],
    n_features: int,
    length: int,
    batch_size: int,
    n_fit: int,
    n_val: int,
) -> int:
    """Bytes one fold takes in a stack (the largest member's, for an ensemble, which trains one at a time).

    Parameters
    ----------
    variant, params
        The variant and its hyperparameter overrides.
    n_features, length
        Features per step and steps per sequence.
    batch_size
        Training batch size.
    n_fit, n_val
        The fold's training and validation sequences.
    """
    from alphacheck.models.registry import get_variant

    spec = get_variant(variant)
    resolved = spec.resolve(params)
    members = [(m, get_variant(m).resolve({})) for m in resolved["members"]] if spec.is_ensemble else [
        (variant, resolved)
    ]
    rows = 4 * (n_fit + n_val) * (length * n_features + 1)
    largest = 0
    for name, member_params in members:
        weights, per_sample = _member_bytes(name, member_params, n_features, length)
        activations = per_sample * max(_ACTIVATION_FACTOR * batch_size, n_val)
        largest = max(largest, _WEIGHT_COPIES * weights + activations)
    return rows + largest


def _member_bytes(name: str, params: dict[str, Any], n_features: int, length: int) -> tuple[int, int]:
    """(bytes of the weights, bytes autograd saves per training sample) of one module, on the meta device."""
    import torch

    from alphacheck.models.registry import get_variant
    from alphacheck.models.stacked import FoldNoise
    from alphacheck.models.stacked_variants import stack_parameters, stacked_forward

    module = get_variant(name).build_model(n_features, params).to("meta")
    forward = stacked_forward(module)
    stacked = stack_parameters([module])
    weights = sum(p.numel() * p.element_size() for p in stacked.values())
    if forward is None:
        return weights, 0
    saved = [0]

    def pack(tensor):
        saved[0] += tensor.numel() * tensor.element_size()
        return tensor

    probe = 8
    noise = FoldNoise([0], "meta")
    noise.start(1, 0)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        forward(stacked, torch.zeros(1, probe, length, n_features, device="meta"), noise)
    return weights, math.ceil(saved[0] / probe)


def stack_size(per_fold_bytes: int, budget_bytes: int, n_folds: int, cap: int | None = None) -> int:
    """Folds per stack: as many as the budget holds, at most ``cap`` and ``n_folds``, at least one."""
    fit = max(1, budget_bytes // max(1, per_fold_bytes))
    return int(max(1, min(n_folds, fit, cap or n_folds)))


def split_groups(positions: list[int], size: int) -> list[list[int]]:
    """``positions`` in order, cut into the fewest groups of at most ``size``, as even as possible."""
    if not positions:
        return []
    count = math.ceil(len(positions) / max(1, size))
    base, extra = divmod(len(positions), count)
    groups, start = [], 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        groups.append(positions[start:end])
        start = end
    return groups
