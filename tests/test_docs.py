"""Docs are executable: every command, option and setting is in the README."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click

from contest.cli import cli
from contest.scoring import parse_definition

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SETTINGS = (Path(__file__).resolve().parent.parent / "contest" / "settings.py").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_readme() -> None:
    missing = []
    for name, command in cli.commands.items():
        if f"contest {name}" not in README:
            missing.append(f"contest {name}")
        for param in command.params:
            documented = any(re.search(rf"(?<![\w-]){re.escape(opt)}\b", README) for opt in param.opts)
            if isinstance(param, click.Option) and not documented:
                missing.append(f"contest {name} {param.opts[0]}")
    assert missing == []


def test_every_setting_is_in_the_readme() -> None:
    settings = set(re.findall(r"CONTEST_[A-Z_]+", SETTINGS)) | {
        f"CONTEST_{name.upper()}"
        for name in re.findall(r"for name in \(([^)]*)\)", SETTINGS)[0].replace('"', "").replace(" ", "").split(",")
        if name
    }
    settings.discard("CONTEST_")
    assert sorted(s for s in settings if s not in README) == []


# a TOML example inline: `key = value` (spaces around =), maybe after its `[table]`; placeholders (N, [...]) are not
_TOML_SPAN = re.compile(r"`((?:\[[\w.]+\] )?(?:\"[^\"`]+\"|[A-Za-z_][\w.-]*) = [^`\n]+)`")
_PLACEHOLDER = re.compile(r"= (?:[A-Z]|\[\.\.\.\])$")


def test_every_toml_example_in_the_readme_is_valid_toml() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", README, re.S)
    assert blocks, "the README shows a contest file"
    for block in blocks:
        parse_definition(block)  # a whole contest file: valid TOML and a valid contest
    spans = [s for s in _TOML_SPAN.findall(README) if not _PLACEHOLDER.search(s)]
    assert any("感官" in s for s in spans)  # the subtotals example with a Chinese key is among them
    refused = []
    for span in spans:
        text = re.sub(r"^\[([\w.]+)\] ", r"[\1]\n", span)
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            refused.append(f"{span}: {exc}")
    assert refused == []
