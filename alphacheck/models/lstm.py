"""LSTM classifiers over sequences of feature rows; each outputs a logit."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["LSTMClassifier"]


class LSTMClassifier(nn.Module):
    """Stacked LSTM over ``(batch, time, features)``; a linear head on the last step.

    Parameters
    ----------
    n_features
        Features per time step.
    hidden_size, num_layers, dropout
        LSTM size; ``dropout`` applies between layers and before the head.
    bidirectional
        Read the sequence both ways (the head sees both final states).
    """

    def __init__(
        self,
        n_features: int,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.1,
        bidirectional: bool = False,
    ) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            n_features,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per sequence, shape ``(batch,)``."""
        output, _ = self.lstm(x)
        return self.head(self.dropout(output[:, -1, :])).squeeze(-1)
