"""Marks: one value from one judge (or, for non-judged criteria, from the chief judge or a recorder) for one
criterion of one item of one entrant in one round, and the sheet that holds the current value of each.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from contest.scoring.definition import ContestDefinition
from contest.scoring.errors import Problem
from contest.scoring.messages import Message

# entrant -> round -> (item, criterion) -> judge ("" when not judged) -> value
ItemMarks = dict[tuple[int, str], dict[str, Decimal]]


@dataclass(frozen=True, slots=True)
class Mark:
    entrant: str
    round: str
    item: int
    criterion: str
    judge: str  # "" for a criterion that is not judged
    value: Decimal


def mark_problems(
    definition: ContestDefinition,
    mark: Mark,
    *,
    entrants: Collection[str] | None = None,
    panel: Collection[str] | None = None,
) -> list[Problem]:
    """Everything wrong with one mark, each problem naming its field; [] when it can be stored."""
    problems: list[Problem] = []
    if entrants is not None and mark.entrant not in entrants:
        problems.append(Problem("entrant", Message("no entrant has the code {code!r}", code=mark.entrant)))
    if not definition.has_round(mark.round):
        known = ", ".join(r.key for r in definition.rounds)
        problems.append(Problem("round", Message("no round {round!r}; rounds: {known}", round=mark.round, known=known)))
        return problems
    rnd = definition.round(mark.round)
    if not 1 <= mark.item <= rnd.items:
        message = Message(
            "round {round!r} has items 1 to {items}, got {item}", round=rnd.key, items=rnd.items, item=mark.item
        )
        problems.append(Problem("item", message))
    if mark.criterion not in rnd.criteria:
        known = ", ".join(rnd.criteria)
        message = Message(
            "round {round!r} has no criterion {key!r}; it has {known}", round=rnd.key, key=mark.criterion, known=known
        )
        problems.append(Problem("criterion", message))
        return problems
    criterion = definition.criterion(mark.criterion)
    if criterion.judged and not mark.judge:
        problems.append(
            Problem("judge", Message("{key!r} is judged: each mark needs the judge's code", key=criterion.key))
        )
    if not criterion.judged and mark.judge:
        problems.append(Problem("judge", Message("{key!r} is not judged: leave the judge empty", key=criterion.key)))
    if criterion.judged and mark.judge and panel is not None and mark.judge not in panel:
        message = Message("judge {judge!r} is not on the panel of round {round!r}", judge=mark.judge, round=rnd.key)
        problems.append(Problem("judge", message))
    why = criterion.problem_with(mark.value)
    if why:
        problems.append(Problem("value", Message("{key}: {why}", key=criterion.key, why=why)))
    return problems


class MarkSheet:
    """The current value of every mark, grouped the way scoring reads them. A newer value replaces an older one
    (the history of versions lives in the database, not here)."""

    def __init__(self, marks: Iterable[Mark] = ()) -> None:
        self._by_entrant: dict[str, dict[str, ItemMarks]] = {}
        self._round_judges: dict[str, set[str]] = {}
        for mark in marks:
            self.put(mark)

    def put(self, mark: Mark) -> None:
        rounds = self._by_entrant.setdefault(mark.entrant, {})
        items = rounds.setdefault(mark.round, {})
        items.setdefault((mark.item, mark.criterion), {})[mark.judge] = mark.value
        if mark.judge:
            self._round_judges.setdefault(mark.round, set()).add(mark.judge)

    def entrant(self, code: str) -> dict[str, ItemMarks]:
        return self._by_entrant.get(code, {})

    def entrants(self) -> Iterator[str]:
        return iter(self._by_entrant)

    def judges(self, round_key: str) -> tuple[str, ...]:
        """Everyone who marked anything in the round, sorted: the panel when the contest does not name one."""
        return tuple(sorted(self._round_judges.get(round_key, ())))

    def __len__(self) -> int:
        return sum(len(j) for rounds in self._by_entrant.values() for items in rounds.values() for j in items.values())
