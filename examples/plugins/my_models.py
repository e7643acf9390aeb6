"""Two walk-forward models of your own, for ``alphacheck run ... --plugin examples/plugins/my_models.py``.

- ``gru_small``: a torch module (a one-layer GRU and a linear head) that
  returns one logit per sequence.
- ``hgb``: scikit-learn's ``HistGradientBoostingClassifier`` on the last
  time step's standardised features (``--param hgb.inputs=flatten`` gives it
  the whole sequence).

Both are retrained on every fold, calibrated on the fold's validation tail,
checkpointed, and written to the run folder's ``models/`` like the shipped
variants.
"""

import torch
from sklearn.ensemble import HistGradientBoostingClassifier

from alphacheck.models import Param, register, register_estimator


class SmallGRU(torch.nn.Module):
    """A one-layer GRU over the sequence; the last hidden state goes through a linear head."""

    def __init__(self, n_features: int, hidden_size: int, dropout: float) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(n_features, hidden_size, batch_first=True)
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.gru(x)
        return self.head(self.dropout(output[:, -1, :])).squeeze(-1)  # (batch,) logits


@register(
    "gru_small",
    params={
        "hidden_size": Param(int, low=1, default=16),
        "dropout": Param(float, low=0, high=1, high_open=True, default=0.1),
    },
    learning_rate=2e-3,
)
def gru_small(n_features, hidden_size, dropout):
    """One-layer GRU, hidden 16, linear head."""
    return SmallGRU(n_features, hidden_size, dropout)


@register_estimator(
    "hgb",
    params={
        "max_iter": Param(int, low=1, default=100),
        "learning_rate": Param(float, low=0, low_open=True, default=0.05),
        "max_depth": Param(int, low=1, default=3),
    },
    inputs="last",
    # HistGradientBoostingClassifier's trees; skops loads them only when you say you trust them.
    trusted=["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"],
)
def hgb(max_iter, learning_rate, max_depth):
    """Gradient-boosted trees (scikit-learn HistGradientBoostingClassifier) on the last step."""
    return HistGradientBoostingClassifier(
        max_iter=max_iter, learning_rate=learning_rate, max_depth=max_depth, early_stopping=False
    )
