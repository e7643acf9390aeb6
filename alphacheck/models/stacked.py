"""Layers over a stack of independent models: every weight has a leading fold dimension.

Each function computes, for every fold ``k`` of the stack, what the ordinary
layer computes with fold ``k``'s weights on fold ``k``'s inputs: inputs are
``(fold, batch, ...)``, weights ``(fold, ...)``, and the matmuls are batched
matmuls over the fold dimension, so F small models cost one kernel launch per
operation instead of F. Nothing mixes folds: fold ``k``'s outputs (and so its
gradients) depend on fold ``k``'s weights and inputs only.

Dropout draws its masks from :class:`FoldNoise`, a counter-based generator
keyed by each fold's own seed: a fold's masks are a pure function of (its
seed, epoch, step, call, position), whatever other folds share the stack and
on whatever device it runs.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["FoldNoise", "dropout", "layer_norm", "linear", "lstm", "self_attention"]

_MASK32 = 0xFFFFFFFF
# Odd multipliers below 2**31, so a 32-bit value times one stays inside int64.
_MULTIPLIERS = (0x7FEB352D, 0x68E31DA5, 0x2C1B3C6D)


def _mix32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit avalanche hash (xorshift-multiply rounds) of int64 values in ``[0, 2**32)``."""
    x = x ^ (x >> 16)
    x = (x * _MULTIPLIERS[0]) & _MASK32
    x = x ^ (x >> 15)
    x = (x * _MULTIPLIERS[1]) & _MASK32
    x = x ^ (x >> 16)
    x = (x * _MULTIPLIERS[2]) & _MASK32
    return x ^ (x >> 15)


class FoldNoise:
    """Per-fold random numbers for dropout, independent of the stack's make-up.

    Parameters
    ----------
    seeds
        One integer seed per fold of the stack.
    device
        Where the masks are drawn.

    Notes
    -----
    Call :meth:`start` before each training step with the fold's epoch and
    step; each :meth:`uniform` call within the step then takes the next call
    number, so the masks of one step differ between layers and between steps.
    """

    def __init__(self, seeds: list[int], device: torch.device | str = "cpu") -> None:
        values = torch.tensor([int(s) & _MASK32 for s in seeds], dtype=torch.int64, device=device)
        self.keys = _mix32(values)
        self._counter = 0
        self._call = 0

    def keep(self, mask: torch.Tensor) -> FoldNoise:
        """The same generator restricted to the folds where ``mask`` is true."""
        kept = FoldNoise([], self.keys.device)
        kept.keys = self.keys[mask.to(self.keys.device)]
        kept._counter, kept._call = self._counter, self._call
        return kept

    def start(self, epoch: int, step: int) -> None:
        """Begin a training step: the calls that follow draw from (epoch, step)'s stream."""
        self._counter = (epoch << 20) + step
        self._call = 0

    def uniform(self, shape: tuple[int, ...]) -> torch.Tensor:
        """Uniform numbers in ``[0, 1)`` of ``shape`` (its first dimension is the fold)."""
        call = (self._counter * 64 + self._call) & _MASK32
        self._call += 1
        stream = _mix32(self.keys ^ _mix32(torch.tensor(call, dtype=torch.int64, device=self.keys.device)))
        per_fold = math.prod(shape[1:])
        position = torch.arange(per_fold, dtype=torch.int64, device=self.keys.device)
        bits = _mix32(_mix32(position.unsqueeze(0) ^ stream.unsqueeze(1)) ^ stream.unsqueeze(1))
        # 24 bits convert to float32 exactly
        return ((bits >> 8).to(torch.float32) * 2.0**-24).reshape(shape)


def dropout(x: torch.Tensor, p: float, noise: FoldNoise | None) -> torch.Tensor:
    """Inverted dropout with per-fold masks; the identity in evaluation (``noise`` is None) or at p=0."""
    if noise is None or p <= 0:
        return x
    keep = noise.uniform(tuple(x.shape)) >= p
    return x * keep.to(x.dtype) / (1.0 - p)


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``x @ weight.T + bias`` per fold.

    Shapes: x ``(fold, ..., in)``, weight ``(fold, out, in)``, bias ``(fold, out)``.
    """
    flat = x.reshape(x.shape[0], -1, x.shape[-1])
    if bias is None:
        out = torch.bmm(flat, weight.transpose(1, 2))
    else:
        out = torch.baddbmm(bias.unsqueeze(1), flat, weight.transpose(1, 2))
    return out.reshape(*x.shape[:-1], weight.shape[1])


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    """LayerNorm over the last dimension with per-fold affine weights ``(fold, width)``."""
    shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (x.shape[-1],)
    normed = F.layer_norm(x, (x.shape[-1],), eps=eps)
    return torch.addcmul(bias.reshape(shape), normed, weight.reshape(shape))


def lstm(
    x: torch.Tensor,
    params: dict[str, torch.Tensor],
    prefix: str,
    num_layers: int,
    bidirectional: bool,
    dropout_p: float,
    noise: FoldNoise | None,
) -> torch.Tensor:
    """A stacked ``nn.LSTM`` (batch-first) over ``x`` ``(fold, batch, time, in)``: the output sequence.

    ``params`` holds the LSTM's weights under ``nn.LSTM``'s names after
    ``prefix`` (``weight_ih_l0``, ``bias_hh_l1_reverse``...), each with a
    leading fold dimension. ``dropout_p`` applies between layers, as in ``nn.LSTM``.
    """
    layer_input = x
    for layer in range(num_layers):
        outputs = []
        for suffix in ("", "_reverse") if bidirectional else ("",):
            weights = [params[f"{prefix}.{kind}_l{layer}{suffix}"] for kind in _LSTM_KINDS]
            sequence = layer_input.flip(2) if suffix else layer_input
            output = _lstm_direction(sequence, *weights)
            outputs.append(output.flip(2) if suffix else output)
        layer_input = torch.cat(outputs, dim=-1) if len(outputs) > 1 else outputs[0]
        if layer < num_layers - 1:
            layer_input = dropout(layer_input, dropout_p, noise)
    return layer_input


_LSTM_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _lstm_direction(x, weight_ih, weight_hh, bias_ih, bias_hh) -> torch.Tensor:
    """One direction of one layer: the input projection for all steps at once, then a loop over time."""
    projected = linear(x, weight_ih, bias_ih + bias_hh)  # (fold, batch, time, 4 * hidden)
    recurrent = weight_hh.transpose(1, 2)
    h = c = None
    outputs = []
    # unbind, not indexing per step: one backward stack instead of a zero-filled full-size gradient per step
    for gates in projected.unbind(2):
        if h is not None:
            gates = torch.baddbmm(gates, h, recurrent)
        i, f, g, o = gates.chunk(4, dim=-1)  # nn.LSTM's gate order
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = i * g if c is None else f * c + i * g
        h = o * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs, dim=2)


def self_attention(
    x: torch.Tensor,
    params: dict[str, torch.Tensor],
    prefix: str,
    num_heads: int,
    dropout_p: float,
    noise: FoldNoise | None,
) -> torch.Tensor:
    """``nn.MultiheadAttention(x, x, x)`` without masks, per fold; x ``(fold, batch, time, d_model)``.

    Dropout applies to the attention weights, as in ``nn.MultiheadAttention``.
    """
    folds, batch, steps, width = x.shape
    head = width // num_heads
    qkv = linear(x, params[f"{prefix}.in_proj_weight"], params[f"{prefix}.in_proj_bias"])
    # (fold * batch, heads, time, head width) for each of q, k, v
    q, k, v = (
        part.reshape(folds * batch, steps, num_heads, head).transpose(1, 2) for part in qkv.chunk(3, dim=-1)
    )
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(head)
    weights = torch.softmax(scores, dim=-1)
    weights = dropout(weights.reshape(folds, batch, num_heads, steps, steps), dropout_p, noise)
    attended = torch.matmul(weights.reshape(folds * batch, num_heads, steps, steps), v)
    attended = attended.transpose(1, 2).reshape(folds, batch, steps, width)
    return linear(attended, params[f"{prefix}.out_proj.weight"], params[f"{prefix}.out_proj.bias"])
