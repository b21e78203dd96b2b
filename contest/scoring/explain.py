"""Explanations: for one entrant, every step from each judge's mark to the standing, rank and award."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contest.scoring.board import Board, Row
from contest.scoring.errors import ScoringError
from contest.scoring.numbers import plain, round_half_up
from contest.scoring.totals import Step


@dataclass(frozen=True)
class Explanation:
    row: Row
    steps: tuple[Step, ...]
    decimals: int

    def lines(self) -> list[str]:
        row = self.row
        who = " ".join(part for part in (row.entrant, row.name, row.organization and f"({row.organization})") if part)
        out = [who]
        for step in self.steps:
            value = "" if step.value is None else f" → {shown(step.value)}"
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
            out.append(f"  total {row.total:f}: {rank}{group}{award}{advances}{partial}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def shown(value: Decimal) -> str:
    """An intermediate value as computed: exact when short (85.25), else to 6 places with … (85.333333…)."""
    text = plain(value)
    if "." in text and len(text.split(".")[1]) > 6:
        return f"{round_half_up(value, 6):f}…"
    return text


def explain(board: Board, code: str) -> Explanation:
    row = board.row(code)
    if row is None:
        raise ScoringError(f"entrant {code!r} has no marks in round {board.round.key!r}")
    _, steps = board.trace(code)
    return Explanation(row, tuple(steps), board.definition.decimals)
