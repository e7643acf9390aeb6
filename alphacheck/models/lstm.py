"""LSTM classifiers over sequences of feature rows; each outputs a logit.

Input is ``(batch, time, features)``; every module returns one logit per
sequence, shape ``(batch,)``. The sigmoid lives only in the trainer's
``predict_proba``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["AttentionLSTM", "LSTMClassifier", "MultiScaleLSTM", "stacked_lstm"]



def stacked_lstm(
    n_features: int, hidden_size: int, num_layers: int, dropout: float, bidirectional: bool = False
) -> nn.LSTM:
    """A batch-first LSTM; ``dropout`` applies between layers, so only when there are several."""
    return nn.LSTM(
        n_features,
        hidden_size,
        num_layers=num_layers,
        batch_first=True,
        dropout=dropout if num_layers > 1 else 0.0,
        bidirectional=bidirectional,
    )


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
        self.lstm = stacked_lstm(n_features, hidden_size, num_layers, dropout, bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per sequence, shape ``(batch,)``."""
        output, _ = self.lstm(x)
        return self.head(self.dropout(output[:, -1, :])).squeeze(-1)


class AttentionLSTM(nn.Module):
    """The ``enhanced`` variant: (bi)LSTM, additive attention over time, LayerNorm, MLP head.

    Additive (Bahdanau) attention scores each step with
    ``v^T tanh(W h_t)``; the softmax of the scores over time weights the
    steps into one context vector. A bidirectional LSTM's step t has seen the
    whole input window, which is causal here: the window ends at the
    prediction date.

    Parameters
    ----------
    n_features
        Features per time step.
    hidden_size, num_layers, dropout, bidirectional
        LSTM size; ``dropout`` between LSTM layers and inside the head.
    attention_size
        Width of the attention's hidden layer.
    """

    def __init__(
        self,
        n_features: int,
        hidden_size: int = 96,
        num_layers: int = 2,
        dropout: float = 0.25,
        bidirectional: bool = True,
        attention_size: int = 64,
    ) -> None:
        super().__init__()
        self.lstm = stacked_lstm(n_features, hidden_size, num_layers, dropout, bidirectional)
        width = hidden_size * (2 if bidirectional else 1)
        self.score = nn.Sequential(nn.Linear(width, attention_size), nn.Tanh(), nn.Linear(attention_size, 1))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Sequential(
            nn.Linear(width, hidden_size), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden_size, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per sequence, shape ``(batch,)``."""
        output, _ = self.lstm(x)
        weights = torch.softmax(self.score(output), dim=1)  # (batch, time, 1)
        context = (weights * output).sum(dim=1)
        return self.head(self.norm(context)).squeeze(-1)


class MultiScaleLSTM(nn.Module):
    """The ``advanced`` variant: a short LSTM over the last steps and a long one over all.

    The short LSTM reads the last ``short_steps`` rows, the long (stacked)
    LSTM the whole window; their last states are concatenated, normalised and
    passed through an MLP ``(2 * hidden) -> 96 -> 48 -> 24 -> 1``.

    Parameters
    ----------
    n_features
        Features per time step.
    hidden_size
        Hidden size of each LSTM.
    long_layers
        Layers of the long LSTM.
    short_steps
        How many of the most recent steps the short LSTM reads.
    head_sizes
        Widths of the MLP's hidden layers.
    dropout
        Dropout between the long LSTM's layers and inside the MLP.
    """

    def __init__(
        self,
        n_features: int,
        hidden_size: int = 48,
        long_layers: int = 2,
        short_steps: int = 5,
        head_sizes: tuple[int, ...] = (96, 48, 24),
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.short_steps = short_steps
        self.short = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.long = stacked_lstm(n_features, hidden_size, long_layers, dropout)
        self.norm = nn.LayerNorm(2 * hidden_size)
        layers: list[nn.Module] = []
        width = 2 * hidden_size
        for size in head_sizes:
            layers += [nn.Linear(width, size), nn.GELU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per sequence, shape ``(batch,)``."""
        short_out, _ = self.short(x[:, -self.short_steps :, :])
        long_out, _ = self.long(x)
        joined = torch.cat([short_out[:, -1, :], long_out[:, -1, :]], dim=-1)
        return self.head(self.norm(joined)).squeeze(-1)
