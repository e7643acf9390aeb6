"""Your own variants: register / register_estimator, their declarations, the estimator module, its files."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import alphacheck.models
from alphacheck.cli.main import cli
from alphacheck.exceptions import ConfigError
from alphacheck.models import VARIANTS, Param, get_variant, parameter_count
from alphacheck.models.estimator import estimator_inputs
from alphacheck.scenarios.loader import validate_scenario
from alphacheck.scenarios.overrides import apply_overrides
from alphacheck.walkforward.checkpoint import run_key
from alphacheck.walkforward.estimators import EstimatorClassifier, weighted_log_loss

TREES = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"


class _LastStepLinear(torch.nn.Module):
    def __init__(self, n_features: int, width: int) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(n_features, width)
        self.head = torch.nn.Linear(width, 1)

    def forward(self, x):
        return self.head(torch.tanh(self.layer(x[:, -1, :]))).squeeze(-1)


def _register_pair():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    @alphacheck.models.register("last_linear", params={"width": Param(int, low=1, high=64, default=4)})
    def last_linear(n_features, width):
        """A linear layer on the last step."""
        return _LastStepLinear(n_features, width)

    @alphacheck.models.register_estimator(
        "logit", params={"C": Param(float, low=0, low_open=True, default=1.0)}
    )
    def logit(C):
        return LogisticRegression(C=C)

    @alphacheck.models.register_estimator("trees", params={"max_iter": 5}, inputs="flatten", trusted=[TREES])
    def trees(max_iter):
        return HistGradientBoostingClassifier(max_iter=max_iter, random_state=0)


def _sequences(n=300, time=4, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, time, features))  # float64, as the walk-forward's sequences
    y = (x[:, -1, 0] + 0.3 * rng.standard_normal(n) > 0).astype("float32")
    return x, y


def test_registered_variants_resolve_their_declared_defaults(clean_registry):
    _register_pair()
    assert get_variant("last_linear").resolve({}) == {"width": 4, "learning_rate": 1e-3}
    assert get_variant("logit").resolve({}) == {"C": 1.0, "inputs": "last"}  # no learning rate: not a module
    assert get_variant("trees").resolve({"max_iter": 7}) == {"max_iter": 7, "inputs": "flatten"}
    assert get_variant("last_linear").kind == "torch" and get_variant("trees").kind == "estimator"
    assert get_variant("logit").plugin == __name__
    # 3 inputs -> 4 hidden: 3*4 + 4 weights, then 4 + 1 in the head, counted by hand
    assert parameter_count("last_linear", 3) == 3 * 4 + 4 + 4 + 1
    assert parameter_count("logit", 3) is None


def test_param_overrides_are_range_checked_through_the_declarations(clean_registry):
    _register_pair()
    scenario = validate_scenario({"name": "t", "variants": ["last_linear", "logit"]})
    changed = apply_overrides(scenario, {"last_linear.width": 8, "logit.inputs": "flatten"})
    assert changed.variants[0].params == {"width": 8} and changed.variants[1].params == {"inputs": "flatten"}
    with pytest.raises(
        ConfigError, match=r"variant 'last_linear': width = 65: must be an integer in \[1, 64\]"
    ):
        apply_overrides(scenario, {"last_linear.width": 65})
    with pytest.raises(ConfigError, match=r"logit.*inputs = 'all': must be one of 'last', 'flatten'"):
        apply_overrides(scenario, {"logit.inputs": "all"})
    with pytest.raises(ConfigError, match=r"no hyperparameter 'widht' \(did you mean 'width'\?\)"):
        apply_overrides(scenario, {"last_linear.widht": 2})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"width": Param(int, low=1)}, r"params\['width'\] declares no default"),
        ({"width": Param(int, low=1, default=0)}, r"width'\]\.default = 0: must be an integer >= 1"),
        ({"width": {"a": 1}}, r"a default must be a number, string, boolean or list"),
        ({"depth": 2}, r"cannot be called with n_features, depth"),
    ],
)
def test_register_refuses_declarations_the_factory_cannot_take(clean_registry, params, message):
    with pytest.raises(ConfigError, match=message):
        alphacheck.models.register("mine", params=params)(lambda n_features, width=3: None)


def test_register_refuses_bad_and_taken_names(clean_registry):
    with pytest.raises(ConfigError, match=r"register\('my model'\): a variant's name starts with a letter"):
        alphacheck.models.register("my model")(lambda n_features: None)
    with pytest.raises(
        ConfigError, match=r"register\('baseline'\): the name is taken by alphacheck's variant"
    ):
        alphacheck.models.register("baseline")(lambda n_features: None)
    with pytest.raises(ConfigError, match=r"'inputs' is alphacheck's own hyperparameter"):
        alphacheck.models.register_estimator("e", params={"inputs": 1})(lambda inputs: None)
    with pytest.raises(ConfigError, match=r"inputs = 'first': must be one of 'last', 'flatten'"):
        alphacheck.models.register_estimator("e", inputs="first")(lambda: None)
    assert "mine" not in VARIANTS and "e" not in VARIANTS


def test_estimator_inputs_last_step_or_whole_sequence_by_hand():
    x = np.arange(2 * 3 * 2).reshape(2, 3, 2)  # row 0: steps [0 1] [2 3] [4 5]
    assert estimator_inputs(x, "last").tolist() == [[4, 5], [10, 11]]
    assert estimator_inputs(x, "flatten").tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]


def test_estimator_fits_like_sklearn_and_its_state_round_trips_through_weights_only_torch(clean_registry):
    from sklearn.linear_model import LogisticRegression

    _register_pair()
    x, y = _sequences()
    fitted = EstimatorClassifier("logit", {}, seed=3).fit(x[:200], y[:200], x[200:], y[200:])
    last = np.ascontiguousarray(x[:, -1, :])
    reference = LogisticRegression().fit(last[:200], y[:200].astype(int))
    np.testing.assert_array_equal(fitted.predict_proba(x[200:]), reference.predict_proba(last[200:])[:, 1])
    assert fitted.best_val_loss_ == pytest.approx(
        weighted_log_loss(reference.predict_proba(last[200:])[:, 1], y[200:], y[:200])
    )
    buffer = io.BytesIO()
    torch.save(fitted.model_.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    rebuilt = get_variant("logit").build_model(3, get_variant("logit").resolve({}))
    rebuilt.load_state_dict(state)
    np.testing.assert_array_equal(rebuilt.predict_proba(x), fitted.predict_proba(x))
    # forward() is the logit of the same probability, for code that treats every variant as a module
    logits = rebuilt(torch.as_tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(
        1 / (1 + np.exp(-logits.astype("float64"))), fitted.predict_proba(x), atol=1e-6
    )


def test_weighted_log_loss_by_hand():
    # train labels 1 up, 3 down: the up class weighs 3
    loss = weighted_log_loss(np.array([0.8, 0.4]), np.array([1, 0]), np.array([1, 0, 0, 0]))
    assert loss == pytest.approx((-3 * np.log(0.8) - np.log(0.6)) / 2, rel=1e-12)


def test_estimator_seed_sets_random_state_and_fixes_the_fit(clean_registry):
    _register_pair()
    x, y = _sequences()
    first = EstimatorClassifier("trees", {}, seed=11).fit(x, y, x, y)
    again = EstimatorClassifier("trees", {}, seed=11).fit(x, y, x, y)
    assert first.model_.estimator.random_state == 11
    np.testing.assert_array_equal(first.predict_proba(x), again.predict_proba(x))


def test_saved_estimator_loads_only_trusted_types(clean_registry):
    from sklearn.ensemble import HistGradientBoostingClassifier

    _register_pair()
    x, y = _sequences()
    state = EstimatorClassifier("trees", {}).fit(x, y, x, y).model_.state_dict()

    @alphacheck.models.register_estimator("untrusting", params={"max_iter": 5}, inputs="flatten")
    def untrusting(max_iter):
        return HistGradientBoostingClassifier(max_iter=max_iter)

    module = get_variant("untrusting").build_model(3, get_variant("untrusting").resolve({}))
    with pytest.raises(
        ConfigError, match=rf"skops does not load by default: {TREES}; .*trusted=\['{TREES}'\]"
    ):
        module.load_state_dict(state)
    with pytest.raises(ValueError, match="not a skops file"):
        module.load_state_dict({"skops": torch.arange(10, dtype=torch.uint8)})


def test_an_estimator_without_predict_proba_is_named(clean_registry):
    @alphacheck.models.register_estimator("bare")
    def bare():
        return object()

    with pytest.raises(ConfigError, match=r"'bare': its factory returned object, which has no fit\(\)"):
        get_variant("bare").build_model(3, {"inputs": "last"})


def test_a_module_returning_the_wrong_shape_is_refused_before_training(clean_registry):
    from alphacheck.walkforward.trainer import SequenceClassifier

    class Column(torch.nn.Module):
        def __init__(self, n_features):
            super().__init__()
            self.head = torch.nn.Linear(n_features, 1)

        def forward(self, x):
            return self.head(x[:, -1, :])  # (batch, 1): not squeezed

    alphacheck.models.register("column")(Column)
    x, y = _sequences(n=40)
    with pytest.raises(ConfigError, match=r"'column': its module returned \(2, 1\) .* shape \(2,\)"):
        SequenceClassifier("column", {}, None, "cpu").fit(x, y, x, y)


def test_estimators_cannot_warm_start_nor_join_an_ensemble(clean_registry):
    _register_pair()
    with pytest.raises(
        ConfigError, match=r"'logit' is an estimator, fitted afresh on each fold: training.warm_start"
    ):
        validate_scenario({"name": "t", "variants": ["logit"], "training": {"warm_start": True}})
    with pytest.raises(
        ConfigError,
        match=r"members must be one or more non-ensemble variants built by torch \(an estimator cannot",
    ):
        validate_scenario({"name": "t", "variants": [{"name": "ensemble", "params": {"members": ["logit"]}}]})


def test_checkpoint_key_changes_with_the_plugin_source(clean_registry):
    plugin = clean_registry / "edited.py"
    plugin.write_text(
        "import torch\nfrom alphacheck.models import register\n"
        "@register('edited', params={'width': 2})\n"
        "def edited(n_features, width):\n    return torch.nn.Linear(n_features, width)\n"
    )
    from alphacheck.features import load_plugins

    load_plugins([str(plugin)], include_entry_points=False)
    scenario = validate_scenario({"name": "t", "variants": ["edited", "baseline"]})
    before = [run_key("data", scenario, v, "cpu") for v in scenario.variants]
    plugin.write_text(plugin.read_text() + "# a change to the model's code\n")
    after = [run_key("data", scenario, v, "cpu") for v in scenario.variants]
    assert before[0] != after[0]  # the plugin's folds are not resumed after an edit
    assert before[1] == after[1]  # a shipped variant's key does not read plugin files


def test_models_list_shows_plugin_variants(clean_registry):
    plugin = clean_registry / "listed.py"
    plugin.write_text(
        "from alphacheck.models import Param, register_estimator\n"
        "@register_estimator('listed_est', params={'depth': Param(int, low=1, default=3)})\n"
        "def listed_est(depth):\n    '''Trees of a given depth.'''\n"
        "    from sklearn.tree import DecisionTreeClassifier\n"
        "    return DecisionTreeClassifier(max_depth=depth)\n"
    )
    result = CliRunner().invoke(cli, ["models", "list", "--features", "4", "--plugin", str(plugin)])
    assert result.exit_code == 0, result.output
    assert re.search(r"listed_est +-  Trees of a given depth.  \[estimator, plugin listed\]", result.output)
    assert "depth=3, inputs=last" in result.output
    missing = CliRunner().invoke(cli, ["models", "list", "--plugin", "no_such_plugin_here"])
    assert missing.exit_code == 1 and "--plugin 'no_such_plugin_here': no such module" in missing.output
