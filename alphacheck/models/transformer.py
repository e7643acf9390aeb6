"""A transformer encoder over the time axis; outputs a logit."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["TransformerClassifier", "sinusoidal_encoding"]


def sinusoidal_encoding(length: int, d_model: int) -> torch.Tensor:
    """The fixed positional encoding of Vaswani et al. (2017), shape ``(length, d_model)``.

    ``PE[t, 2i] = sin(t / 10000^(2i/d))`` and ``PE[t, 2i+1] = cos(t / 10000^(2i/d))``.
    """
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    encoding = torch.zeros(length, d_model)
    encoding[:, 0::2] = torch.sin(position * div)
    encoding[:, 1::2] = torch.cos(position * div)[:, : d_model // 2]
    return encoding


class TransformerClassifier(nn.Module):
    """Linear input projection, sinusoidal positions, encoder layers, a linear head.

    Parameters
    ----------
    n_features
        Features per time step.
    d_model, num_layers, num_heads, dim_feedforward, dropout
        Encoder size.
    pooling
        ``"last"`` reads the last step's encoding, ``"mean"`` averages all steps.
    max_length
        Longest sequence the positional table covers.
    """

    def __init__(
        self,
        n_features: int,
        d_model: int = 64,
        num_layers: int = 2,
        num_heads: int = 4,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
        pooling: str = "last",
        max_length: int = 512,
    ) -> None:
        super().__init__()
        if pooling not in ("last", "mean"):
            raise ValueError(f"pooling must be 'last' or 'mean', got {pooling!r}")
        self.pooling = pooling
        self.project = nn.Linear(n_features, d_model)
        self.register_buffer("positions", sinusoidal_encoding(max_length, d_model), persistent=False)
        layer = nn.TransformerEncoderLayer(
            d_model, num_heads, dim_feedforward=dim_feedforward, dropout=dropout, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per sequence, shape ``(batch,)``."""
        hidden = self.project(x) + self.positions[: x.shape[1]]
        encoded = self.encoder(hidden)
        pooled = encoded[:, -1, :] if self.pooling == "last" else encoded.mean(dim=1)
        return self.head(self.norm(pooled)).squeeze(-1)
