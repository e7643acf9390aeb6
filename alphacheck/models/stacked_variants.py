"""The shipped variants' modules as stacked models: F folds' weights of one architecture at once.

:func:`stacked_forward` reads an ordinary module (one fold's) and returns a
function ``forward(params, x, noise)`` that computes, with the layers of
:mod:`alphacheck.models.stacked`, what that module's ``forward`` computes,
for every fold of a stack: ``params`` maps the module's parameter names to
tensors with a leading fold dimension (:func:`stack_parameters`), ``x`` is
``(fold, batch, time, features)`` and the result is ``(fold, batch)`` logits.
``noise`` is a :class:`~alphacheck.models.stacked.FoldNoise` in training and
``None`` in evaluation (no dropout). A module this file does not know gets
``None``: its folds train one at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from alphacheck.models.lstm import AttentionLSTM, LSTMClassifier, MultiScaleLSTM
from alphacheck.models.stacked import FoldNoise, dropout, layer_norm, linear, lstm, self_attention
from alphacheck.models.transformer import TransformerClassifier

__all__ = ["FlatParameters", "StackedForward", "fold_state", "stack_parameters", "stacked_forward"]

StackedForward = Callable[[dict[str, torch.Tensor], torch.Tensor, FoldNoise | None], torch.Tensor]


def stack_parameters(modules: list[nn.Module]) -> dict[str, torch.Tensor]:
    """Every parameter of ``modules`` (one architecture) stacked along a new first dimension, as leaves."""
    named = [dict(m.named_parameters()) for m in modules]
    return {
        name: torch.stack([n[name].detach() for n in named]).requires_grad_(True) for name in named[0]
    }


class FlatParameters:
    """Every weight of a stack in one leaf tensor ``(fold, weights)``, read through named views.

    One tensor keeps the optimiser, the clipping and the best-weight copies at a
    handful of operations per step whatever the number of weight tensors (a
    GPU pays per kernel launch); :meth:`views` splits it into tensors shaped
    like the module's parameters (with the fold first), and autograd gathers
    their gradients back into one ``(fold, weights)`` gradient.

    Parameters
    ----------
    modules
        One module per fold, all of one architecture.
    """

    def __init__(self, modules: list[nn.Module]) -> None:
        named = [dict(m.named_parameters()) for m in modules]
        self.names = list(named[0])
        self.shapes = [tuple(named[0][n].shape) for n in self.names]
        self.sizes = [named[0][n].numel() for n in self.names]
        rows = [torch.cat([n[name].detach().reshape(-1) for name in self.names]) for n in named]
        self.flat = torch.stack(rows).requires_grad_(True)

    def views(self, flat: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Each parameter of ``flat`` (default: the leaf) as a ``(fold, *shape)`` view."""
        flat = self.flat if flat is None else flat
        chunks = flat.split(self.sizes, dim=1)
        return {n: c.unflatten(1, shape) for n, c, shape in zip(self.names, chunks, self.shapes)}

    def keep(self, mask: torch.Tensor) -> None:
        """Keep the folds where ``mask`` is true (a new leaf)."""
        self.flat = self.flat.detach()[mask].requires_grad_(True)


def fold_state(params: dict[str, torch.Tensor], fold: int) -> dict[str, torch.Tensor]:
    """Fold ``fold``'s weights of a stack, as a state dict for the ordinary module."""
    return {name: value[fold].detach().clone() for name, value in params.items()}


def stacked_forward(module: nn.Module) -> StackedForward | None:
    """The stacked forward of modules built like ``module``, or None when its layers have none.

    Parameters
    ----------
    module
        One fold's module; its hyperparameters (sizes, dropout rates, pooling)
        and buffers are read from it.
    """
    for kind, make in _MAKERS:
        if type(module) is kind:
            return make(module)
    return None


def _lstm_settings(layer: nn.LSTM) -> tuple[int, bool, float] | None:
    plain = layer.batch_first and layer.bias and not getattr(layer, "proj_size", 0)
    return (layer.num_layers, layer.bidirectional, float(layer.dropout)) if plain else None


def _sequential(block: nn.Sequential, prefix: str) -> Callable | None:
    """A stacked ``nn.Sequential`` of Linear, Tanh, ReLU, GELU and Dropout layers."""
    steps = []
    for index, layer in enumerate(block):
        name = f"{prefix}.{index}"
        if isinstance(layer, nn.Linear):
            steps.append(lambda h, p, n, name=name: linear(h, p[f"{name}.weight"], p.get(f"{name}.bias")))
        elif isinstance(layer, nn.Dropout):
            steps.append(lambda h, p, n, rate=layer.p: dropout(h, rate, n))
        elif isinstance(layer, nn.GELU):
            steps.append(lambda h, p, n, approximate=layer.approximate: F.gelu(h, approximate=approximate))
        elif isinstance(layer, (nn.Tanh, nn.ReLU)):
            steps.append(lambda h, p, n, act=type(layer)(): act(h))
        else:
            return None

    def run(hidden, params, noise):
        for step in steps:
            hidden = step(hidden, params, noise)
        return hidden

    return run


def _lstm_classifier(module: LSTMClassifier) -> StackedForward | None:
    settings = _lstm_settings(module.lstm)
    if settings is None:
        return None
    rate = module.dropout.p

    def forward(params, x, noise):
        output = lstm(x, params, "lstm", *settings, noise)
        last = dropout(output[:, :, -1], rate, noise)
        return linear(last, params["head.weight"], params["head.bias"]).squeeze(-1)

    return forward


def _attention_lstm(module: AttentionLSTM) -> StackedForward | None:
    settings = _lstm_settings(module.lstm)
    score, head = _sequential(module.score, "score"), _sequential(module.head, "head")
    if settings is None or score is None or head is None:
        return None
    eps = module.norm.eps

    def forward(params, x, noise):
        output = lstm(x, params, "lstm", *settings, noise)
        weights = torch.softmax(score(output, params, noise), dim=2)  # (fold, batch, time, 1)
        context = (weights * output).sum(dim=2)
        normed = layer_norm(context, params["norm.weight"], params["norm.bias"], eps)
        return head(normed, params, noise).squeeze(-1)

    return forward


def _multi_scale(module: MultiScaleLSTM) -> StackedForward | None:
    short, long = _lstm_settings(module.short), _lstm_settings(module.long)
    head = _sequential(module.head, "head")
    if short is None or long is None or head is None:
        return None
    steps, eps = module.short_steps, module.norm.eps

    def forward(params, x, noise):
        short_out = lstm(x[:, :, -steps:], params, "short", *short, noise)
        long_out = lstm(x, params, "long", *long, noise)
        joined = torch.cat([short_out[:, :, -1], long_out[:, :, -1]], dim=-1)
        normed = layer_norm(joined, params["norm.weight"], params["norm.bias"], eps)
        return head(normed, params, noise).squeeze(-1)

    return forward


def _encoder_layer(layer: nn.TransformerEncoderLayer, prefix: str) -> Callable | None:
    """One stacked ``nn.TransformerEncoderLayer`` (self-attention without masks, then feed-forward)."""
    attention = layer.self_attn
    if not attention.batch_first or attention.in_proj_weight is None or attention.bias_k is not None:
        return None
    heads, attention_rate = attention.num_heads, attention.dropout
    rates = (layer.dropout1.p, layer.dropout.p, layer.dropout2.p)
    activation, norm_first = layer.activation, layer.norm_first
    eps = (layer.norm1.eps, layer.norm2.eps)

    def norm(h, params, which):
        name = f"{prefix}.norm{which}"
        return layer_norm(h, params[f"{name}.weight"], params[f"{name}.bias"], eps[which - 1])

    def attend(h, params, noise):
        out = self_attention(h, params, f"{prefix}.self_attn", heads, attention_rate, noise)
        return dropout(out, rates[0], noise)

    def feed_forward(h, params, noise):
        inner = activation(linear(h, params[f"{prefix}.linear1.weight"], params[f"{prefix}.linear1.bias"]))
        inner = dropout(inner, rates[1], noise)
        out = linear(inner, params[f"{prefix}.linear2.weight"], params[f"{prefix}.linear2.bias"])
        return dropout(out, rates[2], noise)

    def run(h, params, noise):
        if norm_first:
            h = h + attend(norm(h, params, 1), params, noise)
            return h + feed_forward(norm(h, params, 2), params, noise)
        h = norm(h + attend(h, params, noise), params, 1)
        return norm(h + feed_forward(h, params, noise), params, 2)

    return run


def _transformer(module: TransformerClassifier) -> StackedForward | None:
    if module.encoder.norm is not None:
        return None
    layers = [_encoder_layer(layer, f"encoder.layers.{i}") for i, layer in enumerate(module.encoder.layers)]
    if any(layer is None for layer in layers):
        return None
    positions, pooling, eps = module.positions, module.pooling, module.norm.eps

    def forward(params, x, noise):
        hidden = linear(x, params["project.weight"], params["project.bias"]) + positions[: x.shape[2]]
        for layer in layers:
            hidden = layer(hidden, params, noise)
        pooled = hidden[:, :, -1] if pooling == "last" else hidden.mean(dim=2)
        normed = layer_norm(pooled, params["norm.weight"], params["norm.bias"], eps)
        return linear(normed, params["head.weight"], params["head.bias"]).squeeze(-1)

    return forward


_MAKERS = (
    (LSTMClassifier, _lstm_classifier),
    (AttentionLSTM, _attention_lstm),
    (MultiScaleLSTM, _multi_scale),
    (TransformerClassifier, _transformer),
)
