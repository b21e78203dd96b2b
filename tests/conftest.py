from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import pytest

from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

MarkRow = tuple[str, str, int, str, str, str]  # entrant, round, item, criterion, judge, value


def marks_of(rows: Iterable[MarkRow]) -> list[Mark]:
    return [Mark(e, r, i, c, j, Decimal(v)) for e, r, i, c, j, v in rows]


def panel_marks(
    entrant: str,
    criterion: str,
    values: Iterable[str],
    *,
    round_key: str = "main",
    item: int = 1,
    judges: Iterable[str] = ("J1", "J2", "J3", "J4", "J5"),
) -> list[Mark]:
    return [Mark(entrant, round_key, item, criterion, j, Decimal(v)) for j, v in zip(judges, values, strict=False)]


BoardMaker = Callable[..., Board]


@pytest.fixture
def make_board() -> BoardMaker:
    def make(
        toml: str, marks: Iterable[Mark], *, round_key: str | None = None, entrants: Iterable[Entrant] | None = None
    ) -> Board:
        definition = parse_definition(toml)
        marks = list(marks)
        people = (
            list(entrants) if entrants is not None else [Entrant(c) for c in dict.fromkeys(m.entrant for m in marks)]
        )
        return Board(definition, round_key or definition.rounds[-1].key, people, MarkSheet(marks))

    return make
