"""Where a problem of a contest file is written: the line of a dotted key path, and the file cut into numbered lines
with each problem under the line it concerns (the organizer console shows a rejected file that way).

Key paths are the core's (``scoring.item``, ``criteria[2].max``, ``rounds[1].criteria.color.max``; arrays of tables
counted from 1). A path whose own key is not written (a missing key, a default) points at the nearest written parent:
its table's header. A TOML syntax error names its line in tomllib's message ("at line 3, column 7"); one "at end of
document" points at the last line. Pure: text in, numbers out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from contest.scoring.toml_reader import LineIndex

_AT_LINE = re.compile(r"\bline (\d+)")


def line_of(text: str, path: str) -> int | None:
    """The line (from 1) where `path` is written, or its nearest written parent's; None when nothing of it is."""
    if not path:
        return None
    return _line(LineIndex(text), path)


def _line(index: LineIndex, path: str) -> int | None:
    """`path`'s line, else its nearest parent's: a table's header, or the first dotted key that writes it
    (``scoring.item = ...`` writes the table ``scoring``)."""
    while path:
        if path in index.lines:
            return index.lines[path]
        inside = [line for key, line in index.lines.items() if key.startswith(path + ".")]
        if inside:
            return min(inside)
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def syntax_line(text: str, message: str) -> int | None:
    """The line a tomllib error message points at (the last line for "at end of document")."""
    found = _AT_LINE.search(message)
    if found:
        return int(found.group(1))
    if "end of document" in message:
        return max(1, len(text.splitlines()))
    return None


@dataclass
class Line:
    number: int
    text: str
    problems: list[str] = field(default_factory=list)


@dataclass
class Annotated:
    lines: list[Line]
    general: list[str]  # problems of the whole file (no line)

    @property
    def count(self) -> int:
        return len(self.general) + sum(len(line.problems) for line in self.lines)


def annotate(text: str, problems: Iterable[tuple[str, str, int | None]]) -> Annotated:
    """The file's lines, each with the problems (where, message, line) that concern it. A problem's own line wins;
    else its path is looked up; a line past the end goes to the last line; else it concerns the whole file."""
    lines = [Line(number, content) for number, content in enumerate(text.splitlines(), start=1)]
    index = LineIndex(text)
    general: list[str] = []
    for where, message, line in problems:
        number = line or (_line(index, where) if where else None) or (syntax_line(text, message) if not where else None)
        shown = f"{where}: {message}" if where else message
        if number is None or not lines:
            general.append(shown)
            continue
        lines[min(max(number, 1), len(lines)) - 1].problems.append(shown)
    return Annotated(lines, general)
