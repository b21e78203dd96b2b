"""Explanations: for one entrant, every step from each judge's mark to the standing, rank and award."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contest.scoring.board import Board, Row
from contest.scoring.errors import ScoringError
from contest.scoring.messages import Gettext, Message, translated
from contest.scoring.numbers import plain, round_half_up
from contest.scoring.totals import Step


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
