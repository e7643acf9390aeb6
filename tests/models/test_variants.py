"""The model zoo: shapes, hand-counted parameter sizes, positional encoding, registry errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from alphacheck.exceptions import ConfigError
from alphacheck.models import VARIANTS, get_variant, parameter_count
from alphacheck.models.transformer import sinusoidal_encoding

N_FEATURES = 11


def _lstm_layer(inputs: int, hidden: int) -> int:
    # four gates, each with input and recurrent weights and two biases (PyTorch keeps b_ih and b_hh)
    return 4 * (inputs * hidden + hidden * hidden + 2 * hidden)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_returns_one_logit_per_sequence(name):
    spec = get_variant(name)
    torch.manual_seed(0)
    model = spec.build_model(N_FEATURES, spec.resolve({})).eval()
    x = torch.randn(3, 12, N_FEATURES)
    out = model(x)
    assert out.shape == (3,)
    assert torch.isfinite(out).all()


def test_baseline_and_lightweight_parameter_counts_by_hand():
    assert parameter_count("baseline", N_FEATURES) == _lstm_layer(N_FEATURES, 32) + 32 + 1
    assert parameter_count("lightweight", N_FEATURES) == _lstm_layer(N_FEATURES, 16) + 16 + 1


def test_enhanced_parameter_count_by_hand():
    h, a = 96, 64
    lstm = 2 * _lstm_layer(N_FEATURES, h) + 2 * _lstm_layer(2 * h, h)  # two directions, two layers
    attention = (2 * h * a + a) + (a + 1)
    norm = 2 * (2 * h)
    head = (2 * h * h + h) + (h + 1)
    assert parameter_count("enhanced", N_FEATURES) == lstm + attention + norm + head


def test_advanced_parameter_count_by_hand():
    h = 48
    short = _lstm_layer(N_FEATURES, h)
    long = _lstm_layer(N_FEATURES, h) + _lstm_layer(h, h)
    norm = 2 * 2 * h
    head = (96 * 96 + 96) + (96 * 48 + 48) + (48 * 24 + 24) + (24 + 1)
    assert parameter_count("advanced", N_FEATURES) == short + long + norm + head


def test_ensemble_counts_its_members():
    expected = parameter_count("baseline", N_FEATURES) + parameter_count("lightweight", N_FEATURES)
    assert parameter_count("ensemble", N_FEATURES, {"members": ["baseline", "lightweight"]}) == expected


def test_ensemble_module_is_logit_of_mean_member_probability():
    spec = get_variant("ensemble")
    torch.manual_seed(1)
    model = spec.build_model(N_FEATURES, spec.resolve({"members": ["baseline", "lightweight"]})).eval()
    x = torch.randn(5, 8, N_FEATURES)
    with torch.no_grad():
        members = [torch.sigmoid(m(x)).numpy() for m in model.members]
        proba = torch.sigmoid(model(x)).numpy()
    np.testing.assert_allclose(proba, (members[0] + members[1]) / 2, rtol=0, atol=1e-6)


def test_sinusoidal_encoding_matches_the_formula():
    encoding = sinusoidal_encoding(7, 6).numpy()
    for t in range(7):
        for i in range(3):
            angle = t / 10000 ** (2 * i / 6)
            assert encoding[t, 2 * i] == pytest.approx(math.sin(angle), abs=1e-6)
            assert encoding[t, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-6)


def test_transformer_pooling_changes_the_head_input():
    spec = get_variant("transformer")
    torch.manual_seed(0)
    last = spec.build_model(N_FEATURES, spec.resolve({"pooling": "last"})).eval()
    torch.manual_seed(0)
    mean = spec.build_model(N_FEATURES, spec.resolve({"pooling": "mean"})).eval()
    x = torch.randn(4, 9, N_FEATURES)
    with torch.no_grad():
        assert not torch.allclose(last(x), mean(x))


def test_unknown_variant_gets_a_hint():
    with pytest.raises(ConfigError, match=r"unknown model variant 'enhancd'.*did you mean 'enhanced'"):
        get_variant("enhancd")


def test_unknown_hyperparameter_is_refused():
    with pytest.raises(ConfigError, match=r"no hyperparameter 'hiden_size'.*did you mean 'hidden_size'"):
        get_variant("baseline").resolve({"hiden_size": 8})


def test_ensemble_of_an_ensemble_is_refused():
    with pytest.raises(ConfigError, match="members must be one or more non-ensemble variants"):
        get_variant("ensemble").resolve({"members": ["ensemble"]})
