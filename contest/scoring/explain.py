"""Explanations: for one entrant, every step from each judge's mark to the standing, rank and award."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from contest.scoring.board import Board, Row
from contest.scoring.definition import PANEL
from contest.scoring.errors import ScoringError
from contest.scoring.messages import Gettext, Message, translated
from contest.scoring.numbers import plain, round_half_up
from contest.scoring.totals import Step

# a panel method in words a reader knows (the plain lines keep the contest file's own word)
METHOD_WORDS = {
    "mean": Message("mean"),
    "median": Message("median"),
    "sum": Message("sum"),
    "trimmed_mean": Message("trimmed mean (highest and lowest dropped)"),
    "trimmed_sum": Message("trimmed sum (highest and lowest dropped)"),
}
NAMED = ("round", "item", "part", "key")  # the values of a step's message that are keys of rounds or criteria
NAME = re.compile(r"[^\W\d]\w*")  # a name in a formula


def relabelled(text: Any, labels: Mapping[str, str], gettext: Gettext | None = None) -> Any:
    """`text` in words (translated by `gettext` when given): the keys of rounds, criteria and judges it names replaced
    by `labels` (key -> label), also inside a formula, and a panel method by its description."""
    if isinstance(text, Message):
        if text.template in METHOD_WORDS and not text.values:
            text = METHOD_WORDS[text.template]
        values = {}
        for name, value in text.values.items():
            if isinstance(value, Message) or name == "method":
                values[name] = relabelled(value, labels, gettext)
            elif name in NAMED and isinstance(value, str):
                values[name] = labels.get(value, value)
            else:
                values[name] = value
        try:
            return str(gettext(text.template) if gettext else text.template).format(**values)
        except (KeyError, IndexError, ValueError):
            return text.template.format(**values)
    if isinstance(text, str):
        return text if text in labels.values() else NAME.sub(lambda m: labels.get(m.group(), m.group()), text)
    return text


@dataclass(frozen=True)
class Explanation:
    row: Row
    steps: tuple[Step, ...]
    decimals: int
    tie_breakers: tuple[tuple[str, Decimal], ...] = ()  # as compared: rounded to decimals

    def lines(self, gettext: Gettext | None = None) -> list[str]:
        """The explanation line by line: in English, or through a catalog's `gettext` in its language."""

        def text(message: str) -> str:
            return message if gettext is None else translated(message, gettext)

        row = self.row
        who = " ".join(part for part in (row.entrant, row.name, row.organization and f"({row.organization})") if part)
        out = [who]
        for step in self.steps:
            value = "" if step.value is None else f" → {plain(step.value)}"
            out.append(f"  {text(step.label)}: {text(step.detail)}{value}")
        if row.total is None:
            out.append("  " + text(Message("not ranked: incomplete")))
            out.extend(f"    - {text(issue)}" for issue in row.issues)
            return out
        if self.tie_breakers:
            shown = ", ".join(f"{name} {value:f}" for name, value in self.tie_breakers)
            out.append("  " + text(Message("tie-breakers, in order: {values}", values=shown)))
        if row.rank is None:
            place = Message("not ranked in group {group}", group=row.group) if row.group else Message("not ranked")
        elif row.group:
            place = Message("rank {rank} in group {group}", rank=row.rank, group=row.group)
        else:
            place = Message("rank {rank}", rank=row.rank)
        outcome = [text(place)]
        if row.award:
            outcome.append(row.award)
        if row.advances:
            outcome.append(text(Message("advances")))
        shown = text(Message(", ")).join(outcome)
        if row.issues:
            issues = "; ".join(text(i) for i in row.issues)
            shown = text(Message("{outcome} (partial: {issues})", outcome=shown, issues=issues))
        out.append("  " + text(Message("total {total}: {outcome}", total=f"{row.total:f}", outcome=shown)))
        return out

    def panel(self, gettext: Gettext | None = None, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The explanation as a reader's panel: the outcome first (total, rank, award), then each step with the
        names of rounds, criteria and methods in words (`labels`: key -> label), in `gettext`'s language."""

        words = dict(labels or {})
        words.setdefault(PANEL, relabelled(Message("panel result"), {}, gettext))

        def text(message: Any) -> str:
            return str(relabelled(message, words, gettext))

        row = self.row
        steps = [
            {
                "label": text(step.label),
                "detail": text(step.detail),
                "value": None if step.value is None else plain(step.value),
            }
            for step in self.steps
        ]
        breakers = ", ".join(f"{text(name)} {value:f}" for name, value in self.tie_breakers)
        return {
            "entrant": row.entrant,
            "name": row.name,
            "organization": row.organization,
            "group": row.group,
            "total": None if row.total is None else f"{row.total:f}",
            "rank": row.rank,
            "award": row.award,
            "advances": row.advances,
            "complete": row.total is not None and not row.issues,
            "issues": [text(issue) for issue in row.issues],
            "tie_breakers": breakers,
            "steps": steps,
        }

    def __str__(self) -> str:
        return "\n".join(self.lines())


def explain(board: Board, code: str) -> Explanation:
    row = board.row(code)
    if row is None:
        raise ScoringError(
            Message("entrant {code!r} has no marks in round {round!r}", code=code, round=board.round.key)
        )
    result, steps = board.trace(code)
    decimals = board.definition.decimals
    breakers = tuple(  # those this standing has values for (a round that scores no 滋味 is not compared on it)
        (name, round_half_up(result.breakers[name], decimals))
        for name in board.definition.ranking.tie_breakers
        if name in result.breakers
    )
    return Explanation(row, tuple(steps), decimals, breakers if row.total is not None else ())
