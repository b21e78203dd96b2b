"""What a score sheet shows of one entrant in one round, from the core's own computation: each panel's marks with
the judges whose values were dropped (去掉的最高分/最低分), each item's score, and each judge's own total.

Nothing here computes a score a second way: the panels come from the trace of the very scoring that built the
board (`Board.trace`), the item scores from the round's plan, and a judge's total from the contest's judge formula
when it has one (the per-judge totals the panel combined), else the plain sum of the judge's marks on the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from contest.scoring.board import Board, Row
from contest.scoring.definition import PANEL
from contest.scoring.marks import ItemMarks
from contest.scoring.numbers import ZERO, precise
from contest.scoring.panel import PanelDetail
from contest.scoring.totals import Step

__all__ = ["PANEL", "EntrantSheet", "PanelDetail", "dropped", "entrant_sheet", "judge_totals", "panels_of"]


def panels_of(steps: Iterable[Step], round_key: str | None = None) -> list[PanelDetail]:
    """The panel combinations among an explanation's steps (of one round, when given), in the order scored."""
    return [s.panel for s in steps if s.panel is not None and (round_key is None or s.panel.round == round_key)]


def dropped(detail: PanelDetail) -> frozenset[str]:
    """The judges whose values this panel combination left out (highest and lowest)."""
    return frozenset(detail.high) | frozenset(detail.low)


@dataclass(frozen=True)
class EntrantSheet:
    """One entrant in one round's standing, as a score sheet prints it."""

    row: Row  # rank, round totals and total exactly as the standing shows them
    round: str
    panels: tuple[PanelDetail, ...]  # of this round: each criterion (and PANEL: judges' totals) of each item
    items: Mapping[int, Decimal | None]  # each item's score (None: not complete)


def entrant_sheet(board: Board, code: str, round_key: str | None = None) -> EntrantSheet | None:
    """The sheet of `code` in the board's standing for `round_key` (default: the board's round); None when the
    entrant has no marks there."""
    row = board.row(code)
    if row is None:
        return None
    key = round_key or board.round.key
    _, steps = board.trace(code)
    plan = board.plans[key]
    marks: ItemMarks = board.sheet.entrant(code).get(key, {})
    best = board._best.get(board.group_of(code), {}).get(key, {})
    items: dict[int, Decimal | None] = {}
    with precise():
        for item in range(1, plan.round.items + 1):
            if not any(i == item for i, _ in marks):
                items[item] = ZERO if plan.missing_zero else None
                continue
            value, _ = plan._score_item(item, marks, best, {}, None)
            items[item] = value
    return EntrantSheet(row, key, tuple(panels_of(steps, key)), items)


def judge_totals(
    marks: ItemMarks, judge: str, panels: Iterable[PanelDetail] = (), judged: Iterable[str] | None = None
) -> dict[int, Decimal]:
    """One judge's total on each item of one entrant: the value the judge formula gave (the judge's entry in the
    item's PANEL combination) when the round has one, else the sum of the judge's own marks on the item (of the
    `judged` criteria, when given)."""
    keys = None if judged is None else frozenset(judged)
    formula = {p.item: dict(p.marks)[judge] for p in panels if p.part == PANEL and judge in dict(p.marks)}
    totals: dict[int, Decimal] = {}
    for (item, criterion), by_judge in sorted(marks.items()):
        if judge not in by_judge or (keys is not None and criterion not in keys):
            continue
        totals[item] = totals.get(item, ZERO) + by_judge[judge]
    totals.update({item: value for item, value in formula.items() if item in totals})
    return totals
