"""Device selection: the one place that decides where tensors live.

``auto`` picks CUDA, then MPS, then the CPU; ``FORCE_CPU=1`` (the original
project's variable) forces the CPU whatever was asked.
"""

from __future__ import annotations

import os

from alphacheck.exceptions import DeviceError, did_you_mean

__all__ = ["DEVICES", "resolve_device", "set_cpu_threads"]

DEVICES = ("auto", "cpu", "cuda", "mps")

_TRUE = {"1", "true", "yes", "on"}


def resolve_device(name: str = "auto"):
    """Return the ``torch.device`` to train on.

    Raises
    ------
    DeviceError
        For an unknown name, or a device this machine does not have.
    """
    import torch

    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}{did_you_mean(name, DEVICES)}; choose one of {', '.join(DEVICES)}")
    if os.environ.get("FORCE_CPU", "").strip().lower() in _TRUE:
        return torch.device("cpu")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        raise DeviceError("device 'cuda' requested but torch sees no CUDA GPU here; use --device cpu or auto")
    if name == "mps" and not mps:
        raise DeviceError("device 'mps' requested but MPS is not available here; use --device cpu or auto")
    return torch.device(name)


def set_cpu_threads(device, threads: int) -> None:
    """Give torch ``threads`` intra-op threads when ``device`` is the CPU."""
    import torch

    if torch.device(device).type == "cpu":
        torch.set_num_threads(threads)
