"""Named panels (评委分组) and who judges whom: the types, and the two questions the server asks of them.

A contest file may name panels (``[[panels]]``: a key, a label, its judges; a judge may sit on several) and say
which panel judges which entrants (a list of codes, a group, or a range of codes), which items and which criteria
in a round (``[[assignments]]``). A round with assignments is judged by its panels alone: an item's panel is the
judges assigned to it, and an (entrant, item, criterion) no assignment covers has nobody to judge it.

Assignments may also be drawn or uploaded on the server (contest/services/assignments.py): then they are rows
(`Assigned`), one per entrant, item, criterion and judge, and replace the contest file's for that round.

`RoundPlan` answers both questions:
- `plan.judges(entrant, item, criterion)`: the judges who may mark it;
- `plan.duties(judge, items, criteria)`: every (entrant, item, criterion) that judge has in the round.

Recusal (回避) is read from ``[recusal]``: each judge's organization (a judge never scores an entrant of their own
organization) and explicit conflicts (a judge and the entrants they must not score).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contest.scoring.messages import Message

TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class Panel:
    key: str
    label: str
    judges: tuple[str, ...]


@dataclass(frozen=True)
class Entrants:
    """Which entrants an assignment covers: every one (nothing given), a list of codes, a group, or a code range."""

    codes: tuple[str, ...] | None = None
    group: str | None = None
    range: tuple[str, str] | None = None  # inclusive, same prefix, compared by the trailing number

    def covers(self, code: str, group: str) -> bool:
        if self.codes is not None:
            return code in self.codes
        if self.group is not None:
            return group == self.group
        if self.range is not None:
            return in_range(code, self.range)
        return True

    def describe(self) -> str:
        if self.codes is not None:
            return ", ".join(self.codes)
        if self.group is not None:
            return Message("group {group}", group=self.group)
        if self.range is not None:
            return f"{self.range[0]}–{self.range[1]}"
        return Message("every entrant")


def split_code(code: str) -> tuple[str, int] | None:
    """A code as its prefix and trailing number ("A017" -> ("A", 17)); None when it does not end in digits."""
    found = TRAILING_NUMBER.match(code)
    return (found.group(1), int(found.group(2))) if found else None


def in_range(code: str, bounds: tuple[str, str]) -> bool:
    parts, low, high = split_code(code), split_code(bounds[0]), split_code(bounds[1])
    if parts is None or low is None or high is None:
        return False
    return parts[0] == low[0] and low[1] <= parts[1] <= high[1]


@dataclass(frozen=True)
class Assignment:
    """One ``[[assignments]]`` table: a panel judges these entrants' items and criteria in a round."""

    round: str
    panel: str
    entrants: Entrants = Entrants()
    items: frozenset[int] | None = None  # None: every item of the round
    criteria: frozenset[str] | None = None  # None: every judged criterion of the round


@dataclass(frozen=True)
class Recusal:
    """回避: judges' organizations, and explicit (judge, entrant) pairs that must never meet."""

    organizations: Mapping[str, str] = field(default_factory=dict)  # judge code -> organization
    conflicts: frozenset[tuple[str, str]] = frozenset()  # (judge, entrant code)

    def recused(self, judge: str, entrant: str, organization: str) -> bool:
        own = self.organizations.get(judge, "")
        return bool(own and organization and own == organization) or (judge, entrant) in self.conflicts

    def why(self, judge: str, entrant: str, organization: str) -> str | None:
        if (judge, entrant) in self.conflicts:
            return Message("judge {judge} has a declared conflict with entrant {entrant}", judge=judge, entrant=entrant)
        own = self.organizations.get(judge, "")
        if own and organization and own == organization:
            return Message(
                "judge {judge} is of the same organization as entrant {entrant} ({organization})",
                judge=judge,
                entrant=entrant,
                organization=organization,
            )
        return None


@dataclass(frozen=True)
class Panels:
    """The contest file's panels, assignments and recusal."""

    panels: tuple[Panel, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    recusal: Recusal = Recusal()

    def panel(self, key: str) -> Panel:
        return next(p for p in self.panels if p.key == key)

    def assigned_rounds(self) -> set[str]:
        return {a.round for a in self.assignments}


@dataclass(frozen=True)
class Assigned:
    """One stored row of a drawn or uploaded assignment: a judge on an entrant's item (0: every item) and criterion
    ("": every judged criterion) in a round, and the panel it came from ("" when judges were assigned one by one)."""

    entrant: str
    round: str
    judge: str
    item: int = 0
    criterion: str = ""
    panel: str = ""


@dataclass(frozen=True)
class Duty:
    """Judges on some items and criteria of one entrant (None: all of them), and the panel they sit as."""

    judges: frozenset[str]
    panel: str = ""
    items: frozenset[int] | None = None
    criteria: frozenset[str] | None = None

    def covers(self, item: int, criterion: str | None) -> bool:
        if self.items is not None and item not in self.items:
            return False
        return criterion is None or self.criteria is None or criterion in self.criteria


class RoundPlan:
    """Who judges whom in one round: each entrant's duties."""

    def __init__(self, round_key: str, duties: Mapping[str, list[Duty]]) -> None:
        self.round = round_key
        self.by_entrant = duties

    def judges(self, entrant: str, item: int, criterion: str | None = None) -> frozenset[str]:
        """The judges who may mark this entrant's item (for this criterion, or for any when None)."""
        found: set[str] = set()
        for duty in self.by_entrant.get(entrant, ()):
            if duty.covers(item, criterion):
                found |= duty.judges
        return frozenset(found)

    def owners(self, entrant: str, item: int, criterion: str | None = None) -> list[Duty]:
        return [d for d in self.by_entrant.get(entrant, ()) if d.covers(item, criterion)]

    def duties(self, judge: str, items: int, criteria: Iterable[str]) -> dict[str, dict[int, tuple[str, ...]]]:
        """Every (entrant, item, criterion) `judge` has here: entrant -> item -> criteria, entrants in plan order."""
        wanted = tuple(criteria)
        out: dict[str, dict[int, tuple[str, ...]]] = {}
        for entrant, duties in self.by_entrant.items():
            mine = [d for d in duties if judge in d.judges]
            if not mine:
                continue
            for item in range(1, items + 1):
                keys = tuple(c for c in wanted if any(d.covers(item, c) for d in mine))
                if keys:
                    out.setdefault(entrant, {})[item] = keys
        return out

    def pool(self) -> frozenset[str]:
        """Every judge with a duty in the round."""
        return frozenset(j for duties in self.by_entrant.values() for d in duties for j in d.judges)


def plan_from_file(panels: Panels, round_key: str, entrants: Iterable[tuple[str, str]]) -> RoundPlan | None:
    """The contest file's plan of a round over these (code, group) entrants; None when it assigns nothing there."""
    mine = [a for a in panels.assignments if a.round == round_key]
    if not mine:
        return None
    judges = {p.key: frozenset(p.judges) for p in panels.panels}
    by_entrant: dict[str, list[Duty]] = {}
    for code, group in entrants:
        duties = [Duty(judges[a.panel], a.panel, a.items, a.criteria) for a in mine if a.entrants.covers(code, group)]
        if duties:
            by_entrant[code] = duties
    return RoundPlan(round_key, by_entrant)


def plan_from_rows(round_key: str, rows: Iterable[Assigned]) -> RoundPlan:
    """A stored (drawn or uploaded) plan: rows of one judge each, gathered into duties."""
    gathered: dict[str, dict[tuple[int, str, str], set[str]]] = {}
    for row in rows:
        if row.round != round_key:
            continue
        gathered.setdefault(row.entrant, {}).setdefault((row.item, row.criterion, row.panel), set()).add(row.judge)
    by_entrant = {
        entrant: [
            Duty(
                frozenset(judges),
                panel,
                None if item == 0 else frozenset({item}),
                None if not criterion else frozenset({criterion}),
            )
            for (item, criterion, panel), judges in duties.items()
        ]
        for entrant, duties in gathered.items()
    }
    return RoundPlan(round_key, by_entrant)


def describe_owner(entrant: str, item: int, duties: list[Duty]) -> str:
    """Whose an item is, for a refusal: "entrant A017 item 2 is panel B's (J6, J7, J8)"."""
    if not duties:
        return Message("entrant {entrant} item {item} is assigned to no panel", entrant=entrant, item=item)
    parts = []
    for duty in duties:
        judges = ", ".join(sorted(duty.judges, key=natural))
        parts.append(Message("panel {panel}'s ({judges})", panel=duty.panel, judges=judges) if duty.panel else judges)
    return Message("entrant {entrant} item {item} is {owners}", entrant=entrant, item=item, owners="; ".join(parts))


def natural(code: str) -> tuple[str, int, str]:
    """Sort codes as people do: J2 before J10."""
    parts = split_code(code)
    return (parts[0], parts[1], code) if parts else (code, -1, code)
