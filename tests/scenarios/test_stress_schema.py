"""The stress block of the scenario schema: shapes, defaults and the errors users see."""

from __future__ import annotations

import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios import load_scenario, shipped_scenarios, validate_scenario
from alphacheck.scenarios.stress import CostShock, CrashShock, GapShock, VolatilityShock


def test_no_stress_block_means_no_windows_and_no_shocks():
    scenario = validate_scenario({"name": "plain"})
    assert scenario.stress.windows == [] and scenario.stress.shocks == []


def test_shocks_are_chosen_by_kind():
    scenario = validate_scenario(
        {
            "name": "s",
            "stress": {
                "shocks": [
                    {"kind": "costs", "name": "c", "cost_multiplier": 2},
                    {"kind": "volatility", "name": "v", "scale": 1.5},
                    {"kind": "crash", "name": "k", "drop_pct": 20},
                    {"kind": "gaps", "name": "g", "size_pct": 3},
                ]
            },
        }
    )
    kinds = [type(shock) for shock in scenario.stress.shocks]
    assert kinds == [CostShock, VolatilityShock, CrashShock, GapShock]
    crash = scenario.stress.shocks[2]
    assert (crash.days, crash.offset_days, crash.start) == (5, 20, None)


@pytest.mark.parametrize(
    ("stress", "message"),
    [
        (
            {"windows": [{"name": "a", "start": "2020-01-01", "end": "2020-02-01"}] * 2},
            r"stress windows names must be unique; \['a'\] appear more than once",
        ),
        (
            {"shocks": [{"kind": "crash", "name": "c", "drop_pct": 120}]},
            r"stress.shocks.0.crash.drop_pct = 120: Input should be less than 100",
        ),
        (
            {"shocks": [{"kind": "volatility", "name": "v", "scale": 0}]},
            r"stress.shocks.0.volatility.scale = 0: Input should be greater than 0",
        ),
        (
            {"shocks": [{"name": "nokind", "scale": 2}]},
            r"stress.shocks.0 = .*Unable to extract tag using discriminator 'kind'",
        ),
        (
            {"windos": []},
            r"unknown key 'stress.windos' \(did you mean 'windows'\?\); allowed here: shocks, windows",
        ),
        (
            {"windows": [{"name": "bad name", "start": "2020-01-01", "end": "2020-02-01"}]},
            r"stress.windows.0.name = 'bad name': String should match pattern",
        ),
    ],
)
def test_bad_stress_blocks_name_the_key_and_value(stress, message):
    with pytest.raises(ConfigError, match=message):
        validate_scenario({"name": "bad", "stress": stress}, source="study.yaml")


def test_errors_name_the_file(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        "name: s\nstress:\n  shocks:\n    - {kind: gaps, name: g, size_pct: 3, probabilty: 0.1}\n"
    )
    with pytest.raises(
        ConfigError,
        match=rf"^{path}: unknown key 'stress.shocks.0.gaps.probabilty' \(did you mean 'probability'\?\)",
    ):
        load_scenario(path)


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_every_shipped_scenario_is_valid_and_documented(name):
    path = shipped_scenarios()[name]
    scenario = load_scenario(path)
    assert scenario.name == name
    assert scenario.description
    assert path.read_text().startswith("#"), "each shipped scenario starts with comments saying what it tests"


def test_shipped_crisis_windows_are_the_ones_the_issue_names():
    windows = {w.name: (str(w.start), str(w.end)) for w in load_scenario("covid_crash_2020").stress.windows}
    assert windows == {
        "covid_crash": ("2020-02-20", "2020-04-30"),
        "covid_recovery": ("2020-05-01", "2020-12-31"),
    }
    biotech = load_scenario("biotech_winter_2022")
    assert biotech.data.tickers == ["XBI"]
    assert [(str(w.start), str(w.end)) for w in biotech.stress.windows] == [("2022-02-01", "2022-10-31")]
    levels = load_scenario("transaction_costs").backtest.cost_levels_bps
    assert levels[0] == 0 and levels[-1] == 190
    default = [w.name for w in load_scenario("default").stress.windows]
    assert default == [
        "dot_com_bust",
        "crisis_2008",
        "august_2011",
        "august_2015",
        "february_2018",
        "q4_2018",
    ]
