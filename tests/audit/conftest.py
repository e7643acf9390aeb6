"""Fixtures for audit tests: registries restored after each test, one torch thread, plugin modules on disk."""

from __future__ import annotations


import pytest



@pytest.fixture
def one_torch_thread():
    """Torch's worker threads contend on the shared 2-core machine; training tests use one."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
