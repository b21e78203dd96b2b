"""The line of a key path in a contest file (contest/scoring/toml_lines.py): a table of cases, and a property: in
any document built of tables, arrays of tables and keys, every key's path finds the line it is written on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.scoring.toml_lines import annotate, line_of, syntax_line

DOC = """\
# a contest
[contest]
slug = "meet"
title = "测试"

[[criteria]]
key = "a"
max = 10

[[criteria]]
key = "b"
"max" = 5

[[rounds]]
key = "r1"
scoring.item = "a"

[[rounds]]
key = "r2"

[rounds.scoring]
panel = "mean"

[rounds.criteria.color]
max = 3
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("contest.slug", 3),
        ("contest.title", 4),
        ("contest", 2),
        ("contest.decimals", 2),  # not written: its table's header
        ("criteria[1].max", 8),
        ("criteria[2].max", 12),  # a quoted key
        ("criteria[2].min", 10),  # not written: the element's header
        ("rounds[1].scoring.item", 16),  # a dotted key
        ("rounds[1].scoring.panel", 16),  # the nearest written parent
        ("rounds[2].scoring.panel", 22),  # a sub-table of the latest array element
        ("rounds[2].criteria.color.max", 25),
        ("rounds[2].key", 19),
        ("nowhere.at.all", None),
        ("", None),
    ],
)
def test_line_of(path: str, line: int | None) -> None:
    assert line_of(DOC, path) == line


def test_syntax_lines() -> None:
    assert syntax_line("a = 1\nb = \n", "Invalid value (at line 2, column 5)") == 2
    assert syntax_line("a = [\n1,\n", "Unclosed array (at end of document)") == 2
    assert syntax_line("", "something else") is None


def test_annotate_puts_each_problem_under_its_line() -> None:
    found = annotate(DOC, [("criteria[2].max", "too big", None), ("", "whole file", None), ("x", "at 99", 99)])
    assert found.lines[11].problems == ["criteria[2].max: too big"]
    assert found.general == ["whole file"]
    assert found.lines[-1].problems == ["x: at 99"]  # past the end: the last line
    assert found.count == 3


KEY = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    """A TOML text and the line of each key path written in it."""
    lines: list[str] = []
    where: dict[str, int] = {}
    top = draw(st.lists(KEY, unique=True, max_size=3))
    for key in top:
        lines.append(f"{key} = 1")
        where[key] = len(lines)
    counts: dict[str, int] = {}
    for _ in range(draw(st.integers(0, 5))):
        name = draw(KEY.filter(lambda k: k not in top))
        array = draw(st.booleans()) and name not in where
        if name in where and not array and name not in counts:
            continue
        if array or name in counts:
            counts[name] = counts.get(name, 0) + 1
            path = f"{name}[{counts[name]}]"
            lines.append(f"[[{name}]]")
        else:
            path = name
            lines.append(f"[{name}]")
        where.setdefault(path, len(lines))
        for key in draw(st.lists(KEY, unique=True, max_size=3)):
            lines.append(f'{key} = "v"' if draw(st.booleans()) else f"  {key}   =   2  # note")
            where.setdefault(f"{path}.{key}", len(lines))
        lines.append("")
    return "\n".join(lines) + "\n", where


@settings(max_examples=200, deadline=None)
@given(documents())
def test_every_written_key_is_found_on_its_line(document: tuple[str, dict[str, int]]) -> None:
    text, where = document
    lines = text.splitlines()
    for path, number in where.items():
        assert line_of(text, path) == number, (path, text)
        leaf = path.rsplit(".", 1)[-1].split("[")[0]
        assert leaf in lines[number - 1]
