"""The ensemble as one torch module: the mean probability of its members, as a logit."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MeanProbabilityEnsemble"]

# Keeps logit() finite when every member is certain; far below float32 resolution near 0.5.
_EPS = 1e-7


class MeanProbabilityEnsemble(nn.Module):
    """Average the members' probabilities and return the logit of that mean.

    Returning a logit keeps the one-sigmoid rule: ``sigmoid(forward(x))`` is
    the members' mean probability.
    """

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per sequence, shape ``(batch,)``."""
        proba = torch.stack([torch.sigmoid(member(x)) for member in self.members]).mean(dim=0)
        return torch.logit(proba.clamp(_EPS, 1 - _EPS))
