"""Shell completion, as the README sets it up: a script for bash, zsh and fish; scenario names complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _complete(words: str) -> list[str]:
    """Bash's completion of the last word of ``words`` (a trailing space: a new, empty word)."""
    env = {"_ALPHACHECK_COMPLETE": "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}  # fmt: skip
    result = CliRunner().invoke(cli, [], prog_name="alphacheck", env=env)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_readme_sets_up_each_shell_and_the_script_is_printed(shell):
    assert f"_ALPHACHECK_COMPLETE={shell}_source alphacheck" in README.read_text()
    env = {"_ALPHACHECK_COMPLETE": f"{shell}_source"}
    result = CliRunner().invoke(cli, [], prog_name="alphacheck", env=env)
    assert result.exit_code == 0 and "_ALPHACHECK_COMPLETE" in result.output
    assert re.search(rf"{shell}_complete", result.output)


@pytest.mark.parametrize("words", ["alphacheck run qu", "alphacheck audit qu", "alphacheck scenarios show q"])
def test_scenario_names_complete(words):
    lines = _complete(words)
    assert "plain,quick" in lines and all(not line.startswith("plain,default") for line in lines)
    assert lines[-1] == f"file,{words.split()[-1]}"  # and a scenario file's path


def test_every_shipped_scenario_is_offered():
    from alphacheck.scenarios import shipped_scenarios

    assert _complete("alphacheck run x") == ["file,x"]  # no scenario starts with x
    offered = {line.split(",", 1)[1] for line in _complete("alphacheck run ") if line.startswith("plain,")}
    assert offered == set(shipped_scenarios())
