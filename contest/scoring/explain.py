"""Explanations: for one entrant, every step from each judge's mark to the standing, rank and award."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contest.scoring.board import Board, Row
from contest.scoring.errors import ScoringError
from contest.scoring.numbers import ZERO, plain, round_half_up
from contest.scoring.totals import Step


@dataclass(frozen=True)
class Explanation:
    row: Row
    steps: tuple[Step, ...]
    decimals: int
    tie_breakers: tuple[tuple[str, Decimal], ...] = ()  # as compared: rounded to decimals

    def lines(self) -> list[str]:
        row = self.row
        who = " ".join(part for part in (row.entrant, row.name, row.organization and f"({row.organization})") if part)
        out = [who]
        for step in self.steps:
            value = "" if step.value is None else f" → {plain(step.value)}"
            out.append(f"  {step.label}: {step.detail}{value}")
        if row.total is None:
            out.append("  not ranked: incomplete")
            out.extend(f"    - {issue}" for issue in row.issues)
        else:
            rank = f"rank {row.rank}" if row.rank is not None else "not ranked"
            award = f", {row.award}" if row.award else ""
            advances = ", advances" if row.advances else ""
            group = f" in group {row.group}" if row.group else ""
            partial = " (partial: " + "; ".join(row.issues) + ")" if row.issues else ""
            if self.tie_breakers:
                shown = ", ".join(f"{name} {value:f}" for name, value in self.tie_breakers)
                out.append(f"  tie-breakers, in order: {shown}")
            out.append(f"  total {row.total:f}: {rank}{group}{award}{advances}{partial}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def explain(board: Board, code: str) -> Explanation:
    row = board.row(code)
    if row is None:
        raise ScoringError(f"entrant {code!r} has no marks in round {board.round.key!r}")
    result, steps = board.trace(code)
    decimals = board.definition.decimals
    breakers = tuple(
        (name, round_half_up(result.breakers.get(name, ZERO), decimals))
        for name in board.definition.ranking.tie_breakers
    )
    return Explanation(row, tuple(steps), decimals, breakers if row.total is not None else ())
