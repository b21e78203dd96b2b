"""Reading a parsed TOML document field by field while collecting every problem, each with its key path and line.

`tomllib` gives values without positions, so `LineIndex` maps key paths back to lines by reading table headers
and ``key = value`` lines of the text (inline tables point at the line of their parent key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from contest.scoring.errors import Problem
from contest.scoring.messages import Message, reason
from contest.scoring.numbers import parse_decimal
from contest.scoring.text import refused_character

T = TypeVar("T")

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[^\s=#"']+)\s*=""")


def _clean(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'" else part


class LineIndex:
    """Key path (``criteria[2].max``, arrays counted from 1) -> line number in the TOML text."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        counts: dict[str, int] = {}
        prefix = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                parts = [_clean(p) for p in header.group(2).split(".")]
                path = self._resolve(parts, counts, array=header.group(1) == "[[")
                prefix = path
                self.lines.setdefault(path, number)
                continue
            key = _KEY.match(line)
            if key:
                name = ".".join(_clean(p) for p in key.group(1).split("."))
                self.lines.setdefault(f"{prefix}.{name}" if prefix else name, number)

    def _resolve(self, parts: list[str], counts: dict[str, int], *, array: bool) -> str:
        # parents that are arrays of tables refer to their latest element: [rounds.scoring] -> rounds[3].scoring
        path = ""
        for i, part in enumerate(parts):
            path = f"{path}.{part}" if path else part
            last = i == len(parts) - 1
            if last and array:
                counts[path] = counts.get(path, 0) + 1
                path = f"{path}[{counts[path]}]"
            elif path in counts:
                path = f"{path}[{counts[path]}]"
        return path

    def line(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


class Reader:
    """Typed access to one TOML table; every problem goes to the shared list instead of being raised."""

    def __init__(self, table: Mapping[str, Any], path: str, problems: list[Problem], index: LineIndex) -> None:
        self.table = table
        self.path = path
        self.problems = problems
        self.index = index

    def where(self, key: str = "") -> str:
        if not key:
            return self.path
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, message: str) -> None:
        """Note a problem; the same problem at the same place once (an inherited [scoring] is read per round)."""
        where = self.where(key)
        found = Problem(where, message, self.index.line(where))
        if found not in self.problems:
            self.problems.append(found)

    def child(self, key: str, table: Mapping[str, Any]) -> Reader:
        return Reader(table, self.where(key), self.problems, self.index)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.table:
            if key not in allowed:
                hint = _closest(key, allowed)
                if hint:
                    self.problem(key, Message("unknown key; did you mean {hint!r}?", hint=hint))
                else:
                    self.problem(key, Message("unknown key; known keys: {known}", known=", ".join(allowed)))

    def has(self, key: str) -> bool:
        return key in self.table

    def _get(self, key: str, required: bool, default: T, check: Callable[[Any], T], expected: str) -> T:
        if key not in self.table:
            if required:
                self.problem(key, Message("is required ({expected})", expected=expected))
            return default
        try:
            return check(self.table[key])
        except ValueError as exc:
            self.problem(key, reason(exc) or Message("expected {expected}", expected=expected))
            return default

    def text(
        self, key: str, default: str = "", *, required: bool = False, max_length: int = 500, lines: bool = False
    ) -> str:
        """Text under the policy of contest/scoring/text.py (no control or bidirectional characters; line breaks
        only with `lines`)."""

        def check(value: Any) -> str:
            if not isinstance(value, str):
                raise ValueError(Message("expected text, got {kind}", kind=_kind(value)))
            why = refused_character(value, lines=lines)
            if why is not None:
                raise ValueError(why)
            if required and not value.strip():
                raise ValueError(Message("must not be empty"))
            if len(value) > max_length:
                raise ValueError(Message("is longer than {most} characters", most=max_length))
            return value

        return self._get(key, required, default, check, Message("text"))

    def boolean(self, key: str, default: bool) -> bool:
        def check(value: Any) -> bool:
            if not isinstance(value, bool):
                raise ValueError(Message("expected true or false, got {kind}", kind=_kind(value)))
            return value

        return self._get(key, False, default, check, Message("true or false"))

    def integer(self, key: str, default: int | None, *, low: int, high: int, required: bool = False) -> int | None:
        def check(value: Any) -> int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(Message("expected {expected}, got {kind}", expected=whole, kind=_kind(value)))
            if not low <= value <= high:
                raise ValueError(Message("expected {expected}, got {kind}", expected=whole, kind=value))
            return value

        whole = Message("a whole number from {low} to {high}", low=low, high=high)
        return self._get(key, required, default, check, whole)

    def number(self, key: str, default: Decimal | None = None, *, required: bool = False) -> Decimal | None:
        def check(value: Any) -> Decimal:
            if isinstance(value, str):
                raise ValueError(Message("expected a number, got text {text!r} (write it without quotes)", text=value))
            return parse_decimal(value)

        return self._get(key, required, default, check, Message("a number"))

    def choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        def check(value: Any) -> str:
            if value not in options:
                raise ValueError(Message("expected {expected}, got {kind!r}", expected=one_of, kind=value))
            return str(value)

        one_of = Message("one of {options}", options=", ".join(options))
        return self._get(key, False, default, check, one_of)

    def text_list(self, key: str) -> tuple[str, ...] | None:
        def check(value: Any) -> tuple[str, ...]:
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValueError(Message("expected a list of non-empty texts, e.g. {example}", example='["a", "b"]'))
            for v in value:
                why = refused_character(v)
                if why is not None:
                    raise ValueError(Message("{text!r}: {why}", text=v, why=why))
            if len(set(value)) != len(value):
                dup = next(v for v in value if value.count(v) > 1)
                raise ValueError(Message("lists {value!r} twice", value=dup))
            return tuple(v.strip() for v in value)

        return self._get(key, False, None, check, Message("a list of texts"))

    def tables(self, key: str) -> list[Reader]:
        """An array of tables (``[[criteria]]``), each as a Reader with its 1-based index in the path."""
        if key not in self.table:
            return []
        value = self.table[key]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(key, Message("expected {tables} tables", tables=f"[[{key}]]"))
            return []
        return [Reader(v, f"{self.where(key)}[{i}]", self.problems, self.index) for i, v in enumerate(value, 1)]

    def table_at(self, key: str) -> Reader | None:
        if key not in self.table:
            return None
        value = self.table[key]
        if not isinstance(value, dict):
            self.problem(
                key, Message("expected a table {table}, got {kind}", table=f"[{self.where(key)}]", kind=_kind(value))
            )
            return None
        return self.child(key, value)


def _kind(value: Any) -> str:
    """What a TOML value is, as a problem names it ("text 'x'", "the number 5", "a list")."""
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return Message("text {text!r}", text=value)
    if isinstance(value, int | float):
        return Message("the number {number}", number=value)
    if isinstance(value, list):
        return Message("a list")
    if isinstance(value, dict):
        return Message("a table")
    return type(value).__name__


def _closest(word: str, options: tuple[str, ...]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
    return found[0] if found else None
