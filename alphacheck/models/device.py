"""Device selection: the one place that decides where tensors live.

``auto`` picks CUDA, then MPS, then the CPU; ``FORCE_CPU=1`` (the original
project's variable) forces the CPU whatever was asked.
"""

from __future__ import annotations

import os

from alphacheck.exceptions import DeviceError, did_you_mean

__all__ = ["DEVICES", "force_cpu", "resolve_device", "set_cpu_threads"]

DEVICES = ("auto", "cpu", "cuda", "mps")

_FORCE_CPU = {"1": True, "true": True, "0": False, "false": False, "": False}


def force_cpu(text: str | None = None) -> bool:
    """Whether ``FORCE_CPU`` (``text``, else the environment's) asks for the CPU.

    Raises
    ------
    DeviceError
        For anything but 0, 1, true or false (any case; empty means unset): a
        typo must not silently train on the GPU.
    """
    text = os.environ.get("FORCE_CPU", "") if text is None else text
    value = _FORCE_CPU.get(text.strip().lower())
    if value is None:
        raise DeviceError(
            f"FORCE_CPU={text!r} is not 0, 1, true or false; set FORCE_CPU=1 to train on the CPU"
        )
    return value


def resolve_device(name: str = "auto"):
    """Return the ``torch.device`` to train on.

    Raises
    ------
    DeviceError
        For an unknown name, or a device this machine does not have.
    """
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}{did_you_mean(name, DEVICES)}; choose one of {', '.join(DEVICES)}")
    forced = force_cpu()
    import torch

    if forced:
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
