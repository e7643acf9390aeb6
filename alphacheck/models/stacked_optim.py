"""AdamW and gradient clipping over stacked weights: each fold its own step count, rate and norm.

AdamW's update is element-wise, so updating a ``(fold, ...)`` tensor is updating
each fold's weights with its own optimiser, provided the per-fold scalars are
per fold: the step count (bias corrections), the learning rate (schedules) and
whether the fold steps at all (a fold without samples in this step, or one
that stopped early, keeps its weights and moments). The arithmetic follows
``torch.optim.AdamW``'s single-tensor path operation by operation.
"""

from __future__ import annotations

import torch

__all__ = ["StackedAdamW", "clip_grad_norm_per_fold"]


def _per_fold(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``values`` ``(fold,)`` shaped to broadcast against ``like`` ``(fold, ...)``."""
    return values.reshape((-1,) + (1,) * (like.dim() - 1))


def clip_grad_norm_per_fold(params: list[torch.Tensor], max_norm: float) -> torch.Tensor:
    """Scale each fold's gradients so their joint 2-norm is at most ``max_norm``.

    The per-fold analogue of ``torch.nn.utils.clip_grad_norm_``: fold ``k``'s
    norm is taken over fold ``k``'s slices of every parameter only.

    Returns
    -------
    torch.Tensor
        The norm of each fold's gradients before clipping, shape ``(fold,)``.
    """
    grads = [p.grad for p in params if p.grad is not None]
    norms = torch.stack([torch.linalg.vector_norm(g.flatten(1), dim=1) for g in grads], dim=1)
    total = torch.linalg.vector_norm(norms, dim=1)
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for grad in grads:
        grad.mul_(_per_fold(scale, grad))
    return total


class StackedAdamW:
    """AdamW (decoupled weight decay) over tensors whose first dimension is the fold.

    Parameters
    ----------
    params
        Leaf tensors ``(fold, ...)``, all with the same number of folds.
    weight_decay
        Decoupled weight decay, shared by every fold.
    betas, eps
        As in ``torch.optim.AdamW`` (same defaults).
    """

    def __init__(
        self,
        params: list[torch.Tensor],
        weight_decay: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = list(params)
        self.weight_decay = weight_decay
        self.betas = betas
        self.eps = eps
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        device = self.params[0].device
        # float64 like the Python floats torch's AdamW computes its bias corrections in
        self.steps = torch.zeros(self.params[0].shape[0], dtype=torch.float64, device=device)

    def zero_grad(self) -> None:
        """Drop every gradient."""
        for p in self.params:
            p.grad = None

    def keep(self, mask: torch.Tensor) -> None:
        """Restrict the state to the folds where ``mask`` is true; ``params`` are replaced by the caller."""
        self.exp_avg = [m[mask] for m in self.exp_avg]
        self.exp_avg_sq = [v[mask] for v in self.exp_avg_sq]
        self.steps = self.steps[mask]

    @torch.no_grad()
    def step(self, stepping: torch.Tensor, lr: torch.Tensor) -> None:
        """One update of the folds where ``stepping`` is true, at their own rates ``lr`` (float64).

        Parameters
        ----------
        stepping
            Boolean ``(fold,)``: which folds take a step.
        lr
            Learning rate of each fold for this step, ``(fold,)``.
        """
        beta1, beta2 = self.betas
        self.steps += stepping.to(torch.float64)
        steps = self.steps.clamp(min=1.0)  # a fold that never stepped is masked below anyway
        step_size = (lr / (1 - beta1**steps)).to(torch.float32)
        correction2 = torch.sqrt(1 - beta2**steps).to(torch.float32)
        decay = (1 - lr * self.weight_decay).to(torch.float32)
        for p, exp_avg, exp_avg_sq in zip(self.params, self.exp_avg, self.exp_avg_sq):
            grad = p.grad if p.grad is not None else torch.zeros_like(p)
            take = _per_fold(stepping, p)
            decayed = p * _per_fold(decay, p)
            new_avg = exp_avg.lerp(grad, 1 - beta1)
            new_avg_sq = (exp_avg_sq * beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (new_avg_sq.sqrt() / _per_fold(correction2, p)).add_(self.eps)
            updated = decayed + (-_per_fold(step_size, p)) * new_avg / denom
            p.copy_(torch.where(take, updated, p))
            exp_avg.copy_(torch.where(take, new_avg, exp_avg))
            exp_avg_sq.copy_(torch.where(take, new_avg_sq, exp_avg_sq))
