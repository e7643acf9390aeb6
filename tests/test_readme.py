"""The README against the code: each command, flag, choice, scenario name and scenario key it names exists.

Read from README.md itself (its ```bash blocks, its inline `alphacheck ...` spans, its scenario table and
its ```yaml blocks), so a renamed flag or a new shipped scenario the README does not mention fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml

from alphacheck.cli.main import cli
from alphacheck.scenarios import shipped_scenarios
from alphacheck.scenarios.loader import read_yaml, validate_scenario

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
_FENCED = re.compile(r"```(\w*)\n(.*?)```", flags=re.S)


def _documented_commands() -> list[str]:
    """What follows ``alphacheck`` on each README command line (bash blocks and inline code spans)."""
    found = []
    for language, block in _FENCED.findall(README):
        if language != "bash":
            continue
        for line in block.replace("\\\n", " ").splitlines():
            match = re.search(r"(?:^|\s|/)alphacheck (.*)", line.split("#", 1)[0])
            if match:
                found.append(match.group(1))
    prose = _FENCED.sub("", README)
    found += [m.group(1) for m in re.finditer(r"`(?:\S*/)?alphacheck ([^`\n]*)`", prose)]
    return found


def _command(path: list[str]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group), f"{command.name} has no subcommands (README: {name})"
        sub = command.get_command(click.Context(command), name)
        assert sub is not None, f"README documents `alphacheck {' '.join(path)}`: no command {name!r}"
        command = sub
    return command


def _check(line: str) -> int:
    """Check one documented command line against the click commands; return how many flags it names."""
    tokens = re.sub(r"[\[\]]|\.\.\.", " ", line).split(">", 1)[0].split()
    path: list[str] = []
    command: click.Command = cli
    words = re.compile(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*")  # a subcommand (audit-predictions), or `list|compute`
    while tokens and isinstance(command, click.Group) and words.fullmatch(tokens[0]):
        path.append(tokens.pop(0))
        if "|" in path[-1]:
            break
        command = _command(path)
    commands = [_command([*path[:-1], name]) for name in path[-1].split("|")] if path else [cli]
    flags = 0
    for command in commands:
        params = {
            opt: p for p in command.get_params(click.Context(command)) for opt in p.opts + p.secondary_opts
        }
        for at, token in enumerate(tokens):
            if not token.startswith("-") or re.fullmatch(r"-?\d+", token):
                continue
            flags += 1
            assert token in params, f"README: `alphacheck {line}`: {command.name} has no option {token}"
            param, value = params[token], tokens[at + 1] if at + 1 < len(tokens) else ""
            if isinstance(param.type, click.Choice) and not getattr(param, "is_flag", False):
                # A value (or alternatives a|b|c) in lower case is a literal choice, not a placeholder.
                for choice in (v for v in value.split("|") if v.islower()):
                    assert choice in param.type.choices, (
                        f"README: {token} {choice}: not in {param.type.choices}"
                    )
        if path in (["run"], ["scenarios", "show"]) and tokens and re.fullmatch(r"[a-z0-9_]+", tokens[0]):
            assert tokens[0] in shipped_scenarios(), f"README: `alphacheck {line}`: no shipped scenario"
    return flags


def test_every_documented_command_flag_and_choice_exists():
    lines = _documented_commands()
    assert len(lines) >= 30  # the extraction itself works: the README names dozens of command lines
    flags = sum(_check(line) for line in lines)
    assert flags >= 40


def test_the_check_fails_on_an_unknown_flag_choice_or_scenario():
    with pytest.raises(AssertionError, match="run has no option --no-such-flag"):
        _check("run quick --no-such-flag")
    with pytest.raises(AssertionError, match="--device tpu: not in"):
        _check("run quick --device cpu|tpu")
    with pytest.raises(AssertionError, match="no shipped scenario"):
        _check("run not_a_scenario --epochs 1")
    with pytest.raises(AssertionError, match="no command 'fetchall'"):
        _check("data fetchall SPY")
    with pytest.raises(AssertionError, match="list has no option --rows"):
        _check("features list|compute --rows 3")


def test_the_scenario_table_lists_every_shipped_scenario():
    table = README.split("| scenario | what it tests |", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `(\w+)` \|", table, flags=re.M)
    assert sorted(listed) == sorted(shipped_scenarios())


def _merged(base: dict, block: dict) -> dict:
    out = dict(base)
    for key, value in block.items():
        nested = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = _merged(base[key], value) if nested else value
    return out


def test_every_yaml_example_is_a_valid_scenario_section():
    blocks = [yaml.safe_load(block) for language, block in _FENCED.findall(README) if language == "yaml"]
    assert {"data", "stress", "portfolio"} <= {key for block in blocks for key in block}
    quick = read_yaml(shipped_scenarios()["quick"])
    for block in blocks:
        if "portfolio" in block:  # a book needs a universe larger than its k
            block = _merged({"data": {"source": "yahoo", "tickers": [f"T{i}" for i in range(8)]}}, block)
        validate_scenario(_merged(quick, block), "README.md")
