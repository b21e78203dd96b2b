"""Errors of the scoring core, split by who must act.

`ContestError` and its subclasses are problems a user can fix (a bad contest file, a mark out of range, a panel
too small to trim). They carry every problem found, each naming where it is. Anything else raised from the core
is a bug in contest itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from contest.scoring.messages import Gettext, Message, translated


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with where it is (`where`: a key path such as ``criteria[2].max``, or a file and row)."""

    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.text()

    def text(self, gettext: Gettext | None = None) -> str:
        """The problem as one line: in English, or through a catalog's `gettext` in its language."""
        at: str = self.where
        if self.line:
            at = (
                Message("{where} (line {line})", where=at, line=self.line)
                if at
                else Message("line {line}", line=self.line)
            )
        shown = Message("{where}: {message}", where=at, message=self.message) if at else self.message
        return shown if gettext is None else translated(shown, gettext)


class ContestError(Exception):
    """A problem the user can fix. `problems` lists every one found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str, *, title: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.title = title
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.text()

    def as_message(self) -> Message:
        """The error's text as a `Message` (English), which a shell translates whole, title and every problem,
        in the reader's language (a web answer's message)."""
        return _Report(self)

    def text(self, gettext: Gettext | None = None) -> str:
        """Every problem, a line each under the title: in English, or in the language of `gettext`."""
        lines = [p.text(gettext) for p in self.problems]
        if len(lines) == 1 and not self.title:
            return lines[0]  # as it is: a Message stays one, for whoever translates it later
        if self.title:
            title = self.title if gettext is None else translated(self.title, gettext)
            return "\n".join([title, *("  - " + line for line in lines)])
        return "\n".join(lines)


class _Report(Message):
    """A ContestError's text that translates itself through the error (see `ContestError.as_message`)."""

    error: ContestError

    def __new__(cls, error: ContestError) -> _Report:
        text = str.__new__(cls, error.text())
        text.template, text.values, text.error = "{text}", {"text": str(text)}, error
        return text

    def translated(self, gettext: Gettext) -> str:
        return self.error.text(gettext)


class DefinitionError(ContestError):
    """The contest definition (TOML) is invalid; nothing of it is used."""


class MarkError(ContestError):
    """One or more marks are invalid (out of range, off step, unknown key, wrong judge...)."""


class ScoringError(ContestError):
    """The marks cannot be scored under this definition (e.g. a panel too small for the trimming it asks)."""
