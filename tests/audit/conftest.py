"""Fixtures for audit tests: registries restored after each test, one torch thread, plugin modules on disk."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from alphacheck.features import plugins as plugins_module
from alphacheck.features import registry
from alphacheck.models import registry as model_registry


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Restore the feature and variant registries, sys.path, and forget plugin modules; cwd is tmp_path."""
    saved = dict(registry._REGISTRY)
    variants = dict(model_registry.VARIANTS)
    path = list(sys.path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plugins_module, "_loaded_entry_points", False)
    yield tmp_path
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
    model_registry.VARIANTS.clear()
    model_registry.VARIANTS.update(variants)
    # Only the plugin modules written into tmp_path: torch or vectorbt imported meanwhile must stay.
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]
    sys.path[:] = path


@pytest.fixture
def one_torch_thread():
    """Torch's worker threads contend on the shared 2-core machine; training tests use one."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
