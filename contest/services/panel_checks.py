"""Who may mark an item, beyond the named panel and the assignments (contest/services/assigned.py): what the
offline core counts (contest/scoring/item_panels.py), the server refuses at the door, so that a board never holds an
item the core would call broken.

- A criterion with its own aspect team is marked by that team only; while the round's panel is not named, a team
  member marks nothing else (the core leaves team members out of the inferred panel).
- With `panel_size = N`, an item's criterion takes marks from N judges: the (N+1)th is refused (409), naming the
  judges who have it. A judge correcting their own mark is one of them. A judge's tablet offers only the items
  with a seat left for them (`open_seats`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from contest.db import queries
from contest.scoring import ContestDefinition
from contest.scoring.definition import Round
from contest.scoring.item_panels import judge_order, teams
from contest.services.errors import Conflict, Forbidden, Message

ItemKey = tuple[str, str, int]  # entrant, round, item
TEAM_ONLY = "{key} is judged by {judges}, not by {judge}"  # as `contest compute` refuses it (item_panels.py)


def criteria_of(definition: ContestDefinition, rnd: Round, judge: str, judged: list[str]) -> list[str]:
    """Of the round's judged criteria, those `judge` marks: their aspect team's, else (not on a team, or the
    round's panel named) the ones without a team."""
    own = teams(definition, rnd)
    if not own:
        return judged
    mine = [key for key in judged if judge in own.get(key, ())]
    on_team = bool(mine)
    others = [key for key in judged if key not in own and (not on_team or definition.panel(rnd.key))]
    return [key for key in judged if key in mine or key in others]


def open_seats(
    rnd: Round, marks: Iterable[tuple[str, int, str, str]], judge: str, judged: list[str]
) -> Callable[[str], dict[int, tuple[str, ...]]] | None:
    """With `panel_size` (each item's panel is whoever marks it first) and no assignments: for an entrant, the items
    and criteria `judge` may still mark among `judged`, given the round's `marks` (entrant, item, criterion, judge):
    those they marked and those whose panel is not yet full. None: the round has no panel_size."""
    size = rnd.scoring.panel_size
    if not size:
        return None
    seated: dict[tuple[str, int, str], set[str]] = {}
    for who, item, criterion, by in marks:
        if by and criterion in judged:
            seated.setdefault((who, item, criterion), set()).add(by)

    def of(code: str) -> dict[int, tuple[str, ...]]:
        own: dict[int, tuple[str, ...]] = {}
        for item in range(1, rnd.items + 1):
            panels = [(k, seated.get((code, item, k), set())) for k in judged]
            keys = tuple(k for k, on in panels if judge in on or len(on) < size)
            if keys:
                own[item] = keys
        return own

    return of


class PanelChecks:
    """The checks for one batch of submissions to one contest; the judges already on each item read once."""

    def __init__(self, session: Session, contest_id: int, definition: ContestDefinition, items: set[ItemKey]) -> None:
        self.session = session
        self.contest_id = contest_id
        self.definition = definition
        self._items = items
        self._marked: dict[ItemKey, dict[str, set[str]]] | None = None

    def check(self, rnd: Round, entrant: str, item: int, judge: str, keys: list[str]) -> None:
        """Refuse `judge` marking `keys` (the judged criteria of one submission) of this item when the round's
        aspect teams or its panel_size do not let them; else note them as on the item."""
        own = teams(self.definition, rnd)
        on_teams = {j for team in own.values() for j in team}
        named = self.definition.panel(rnd.key)
        for key in keys:
            team = own.get(key)
            if team is not None and judge not in team:
                members = ", ".join(team)
                raise Forbidden(Message(TEAM_ONLY, key=key, judges=members, judge=judge), f"values.{key}")
            if team is None and not named and judge in on_teams:
                aspects = ", ".join(k for k, members in own.items() if judge in members)
                why = Message("judge {judge} marks {criteria} only (aspect team)", judge=judge, criteria=aspects)
                raise Forbidden(why, f"values.{key}")
        size = rnd.scoring.panel_size
        if size is None:
            return
        marked = self._judges_on((entrant, rnd.key, item))
        for key in keys:
            judges = marked.setdefault(key, set())
            if judge not in judges and len(judges) >= size:
                shown = ", ".join(sorted(judges, key=judge_order))
                why = Message(
                    "entrant {entrant} item {item}: {key} already has its {size} judges ({judges})",
                    entrant=entrant,
                    item=item,
                    key=key,
                    size=size,
                    judges=shown,
                )
                raise Conflict(why, f"values.{key}")
        for key in keys:
            marked[key].add(judge)

    def _judges_on(self, at: ItemKey) -> dict[str, set[str]]:
        if self._marked is None:
            self._marked = queries.item_judges(self.session, self.contest_id, self._items)
        return self._marked.setdefault(at, {})
