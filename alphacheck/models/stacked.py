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


def _mix32_int(x: int) -> int:
    """:func:`_mix32` of one Python integer."""
    x ^= x >> 16
    x = (x * _MULTIPLIERS[0]) & _MASK32
    x ^= x >> 15
    x = (x * _MULTIPLIERS[1]) & _MASK32
    x ^= x >> 16
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
        # the call's hash as a Python int: a scalar argument, not a host-to-device copy that waits for the GPU
        stream = _mix32(self.keys ^ _mix32_int(call))
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
    # Time-major inside, (fold, time, batch, ...): one step of every fold is F contiguous blocks.
    layer_input = x.transpose(1, 2)
    for layer in range(num_layers):
        outputs = []
        for suffix in ("", "_reverse") if bidirectional else ("",):
            weights = [params[f"{prefix}.{kind}_l{layer}{suffix}"] for kind in _LSTM_KINDS]
            sequence = layer_input.flip(1) if suffix else layer_input
            output = _lstm_direction(sequence, *weights)
            outputs.append(output.flip(1) if suffix else output)
        layer_input = torch.cat(outputs, dim=-1) if len(outputs) > 1 else outputs[0]
        if layer < num_layers - 1:
            layer_input = dropout(layer_input, dropout_p, noise)
    return layer_input.transpose(1, 2)


_LSTM_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _lstm_direction(x, weight_ih, weight_hh, bias_ih, bias_hh) -> torch.Tensor:
    """One direction of one layer over time-major ``x``: the input projection of all steps, then the recurrence.

    On a GPU the recurrence runs with the hand-written backward of
    :class:`_Recurrence` (a dozen kernel launches per step instead of some
    thirty: launches are what a GPU pays for at these sizes); on the CPU with
    autograd over per-step tensors, which stay in cache where the full-length
    buffers of :class:`_Recurrence` do not (measured 1.6-1.9x faster on the CPU).
    """
    projected = linear(x, weight_ih, bias_ih + bias_hh)  # (fold, time, batch, 4 * hidden)
    if projected.is_cuda:
        return _Recurrence.apply(projected, weight_hh)
    return _recurrence(projected, weight_hh)


def _recurrence(projected: torch.Tensor, weight_hh: torch.Tensor) -> torch.Tensor:
    """The LSTM recurrence over time-major input projections, differentiated by autograd."""
    recurrent = weight_hh.transpose(1, 2)
    h = c = None
    outputs = []
    # unbind, not indexing per step: one backward stack instead of a zero-filled full-size gradient per step
    for gates in projected.unbind(1):
        if h is not None:
            gates = torch.baddbmm(gates, h, recurrent)
        i, f, g, o = gates.chunk(4, dim=-1)  # nn.LSTM's gate order
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = i * g if c is None else f * c + i * g
        h = o * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs, dim=1)


class _Recurrence(torch.autograd.Function):
    """The LSTM recurrence over precomputed input projections, with a hand-written backward.

    Autograd through a Python loop over time records a dozen small operations
    per step and accumulates the recurrent weight's gradient step by step. Here
    the forward keeps the activated gates, cells and their tanh; the backward
    walks back in time with five operations per step and takes the recurrent
    weight's gradient in one batched matmul over all steps. ``nn.LSTM``'s gate
    order (input, forget, cell, output) and arithmetic are kept.
    """

    @staticmethod
    def forward(ctx, projected: torch.Tensor, weight_hh: torch.Tensor) -> torch.Tensor:
        # (fold, time, batch, ...) throughout: step t of every fold is one contiguous block per fold.
        hidden = weight_hh.shape[2]
        gates = torch.empty_like(projected)
        cells = projected.new_empty(*projected.shape[:3], hidden)
        tanh_cells, outputs = torch.empty_like(cells), torch.empty_like(cells)
        recurrent = weight_hh.transpose(1, 2)
        for t in range(projected.shape[1]):
            pre = projected[:, t]
            if t > 0:
                pre = torch.baddbmm(pre, outputs[:, t - 1], recurrent)
            step = gates[:, t]
            torch.sigmoid(pre, out=step)
            torch.tanh(pre[..., 2 * hidden : 3 * hidden], out=step[..., 2 * hidden : 3 * hidden])
            i, f, g, o = step.chunk(4, dim=-1)
            torch.mul(i, g, out=cells[:, t])
            if t > 0:
                cells[:, t].addcmul_(f, cells[:, t - 1])
            torch.tanh(cells[:, t], out=tanh_cells[:, t])
            torch.mul(o, tanh_cells[:, t], out=outputs[:, t])
        ctx.save_for_backward(gates, cells, tanh_cells, outputs, weight_hh)
        return outputs

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        gates, cells, tanh_cells, outputs, weight_hh = ctx.saved_tensors
        grad_output = grad_output.contiguous()
        hidden = weight_hh.shape[2]
        i, f, g, o = gates.chunk(4, dim=-1)
        previous_cells, previous_outputs = _shifted(cells), _shifted(outputs)
        # d gate pre-activation = [dc, dc, dc, dh] * coefficients (the gate's partner times its derivative)
        derivative = gates * (1 - gates)
        derivative[..., 2 * hidden : 3 * hidden] = 1 - g * g
        coefficients = derivative * torch.cat([g, previous_cells, i, tanh_cells], dim=-1)
        through_tanh = o * (1 - tanh_cells * tanh_cells)
        grad_gates = torch.empty_like(gates)
        last = gates.shape[1] - 1
        dc = None
        for t in range(last, -1, -1):
            dh = grad_output[:, t]
            if t < last:
                dh = torch.baddbmm(dh, grad_gates[:, t + 1], weight_hh)
            dc = dh * through_tanh[:, t] if dc is None else torch.addcmul(
                dc * f[:, t + 1], dh, through_tanh[:, t]
            )
            torch.mul(torch.cat([dc, dc, dc, dh], dim=-1), coefficients[:, t], out=grad_gates[:, t])
        folds = gates.shape[0]
        # d W_hh = sum over steps of d gates_t^T h_{t-1}: one batched matmul over every step (h_{-1} = 0)
        grad_weight = torch.bmm(
            grad_gates.reshape(folds, -1, 4 * hidden).transpose(1, 2), previous_outputs.reshape(folds, -1, hidden)
        )
        return grad_gates, grad_weight


def _shifted(sequence: torch.Tensor) -> torch.Tensor:
    """``sequence`` one step later along time (dimension 1), zeros at the first step."""
    shifted = torch.zeros_like(sequence)
    shifted[:, 1:] = sequence[:, :-1]
    return shifted


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
