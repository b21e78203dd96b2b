"""Checking the standings: every board the server shows, against a fresh computation from the stored marks.

What the server shows is what `BoardRegistry` holds: boards built once, then kept current one change at a time from
the change log (and frozen boards, built from the marks up to the freeze with the entrants and panel kept then).
Each is compared with a brand-new core `Board` built straight from the entrants, judges and marks in the database:
every round, the whole standing and each group's, row by row.

- `contest verify` (outside any server) checks registries built the ways a running server builds them: loaded at
  once, replayed from version 0 one change at a time with every board built along the way, and loaded half-way then
  caught up in one step (`verify_contest`).
- The chief judge's page checks the running server's own registry (`verify_server`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import RoundState
from contest.exports.tables import as_json
from contest.live.boards import BoardRegistry, UnknownContest, core_mark
from contest.scoring import Board, ContestDefinition, Entrant, Mark, MarkSheet, parse_definition
from contest.scoring.messages import Message, Plural
from contest.services.errors import NotFound
from contest.services.judging import seat_of
from contest.services.principals import Principal

Json = dict[str, Any]
FIELDS = ("rank", "total", "rounds", "award", "advances", "complete", "issues", "group", "name", "organization")
HIDDEN = "…"  # a blind contest's names, in what the chief judge reads


@dataclass(frozen=True)
class Difference:
    view: str  # which board: a Message naming how it was built (live, replayed, frozen...)
    round: str
    group: str | None  # None: the whole standing
    entrant: str  # "" for the standing as a whole (its version, its board state)
    field: str  # rank, total, rounds.KEY, award, advances, complete, issues, group, name, organization, row...
    shown: str
    fresh: str

    def message(self) -> Message:
        if self.field == "version":
            return Message(
                "{view}: the boards are at version {shown}, the stored changes at version {fresh}",
                view=self.view,
                shown=self.shown,
                fresh=self.fresh,
            )
        group = Message("all groups") if self.group is None else Message("group {group}", group=self.group or "—")
        return Message(
            "round {round}, {group}, {view}, entrant {entrant}: {field} shown {shown}, fresh {fresh}",
            round=self.round,
            group=group,
            view=self.view,
            entrant=self.entrant or "—",
            field=self.field,
            shown=self.shown,
            fresh=self.fresh,
        )


@dataclass(frozen=True)
class Verification:
    slug: str
    version: int
    standings: int  # how many standings were compared
    differences: tuple[Difference, ...]

    @property
    def agree(self) -> bool:
        return not self.differences

    def summary(self) -> Message:
        if self.agree:
            return Plural(
                "the {count} standing agrees (version {version})",
                "all {count} standings agree (version {version})",
                count=self.standings,
                version=self.version,
            )
        return Plural(
            "{count} difference between the standings shown and a fresh computation (version {version}):",
            "{count} differences between the standings shown and a fresh computation (version {version}):",
            count=len(self.differences),
            version=self.version,
        )


def verify_contest(db: sessionmaker[Session], slug: str) -> Verification:
    """Every standing of the contest as a server would show it, built the three ways a server builds boards."""
    with db() as session:
        contest = queries.contest_by_slug(session, slug)
        if contest is None:
            raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
        version = contest.seq
    loaded = BoardRegistry(db)
    replayed = BoardRegistry(db)
    rounds = [r.key for r in parse_definition(contest.definition).rounds]
    for step in range(version + 1):  # from version 0, one change at a time, every board built and kept current
        state = replayed.current(slug, upto=step)
        with state.lock:
            for key in rounds:
                state.board(key)
    jumped = BoardRegistry(db)
    jumped.current(slug, upto=version // 2)  # loaded half-way, then caught up in one step
    views = [
        (Message("loaded at once"), loaded),
        (Message("replayed one change at a time"), replayed),
        (Message("loaded at version {version}, caught up at once", version=version // 2), jumped),
    ]
    return _verify(db, slug, views, every_mark=True)


def verify_server(
    db: sessionmaker[Session], boards: BoardRegistry, principal: Principal, slug: str | None
) -> tuple[Verification, bool]:
    """The running server's own boards against a fresh computation, for the chief judge (or an organizer naming
    the contest); also whether names must be hidden from who asks (a blind contest)."""
    with db() as session:
        seat = seat_of(session, principal, slug, chief=True)
        slug = seat.contest.slug
    # marks keep arriving while the server runs: compare with the marks up to the version its boards are at
    found = _verify(db, slug, [(Message("this server's board"), boards)], every_mark=False)
    if not seat.names_hidden:
        return found, False
    hidden = tuple(
        Difference(d.view, d.round, d.group, d.entrant, d.field, HIDDEN, HIDDEN)
        if d.field in ("name", "organization")
        else d
        for d in found.differences
    )
    return Verification(found.slug, found.version, found.standings, hidden), True


# -- comparing ------------------------------------------------------------------------------------------------


@dataclass
class _Shown:
    view: str
    version: int
    live: dict[str, dict[str | None, list[Json]]]  # round -> group (None: all) -> rows
    boards: dict[str, tuple[str, int | None]]  # round -> (board state, frozen version)
    frozen: dict[str, dict[str | None, list[Json]]]


def _verify(
    db: sessionmaker[Session], slug: str, views: Sequence[tuple[str, BoardRegistry]], *, every_mark: bool
) -> Verification:
    """Compare each registry's boards with fresh ones: from every stored mark, or (`every_mark` false) from the
    marks up to the version the registries are at."""
    shown = [_snapshot(view, registry, slug) for view, registry in views]
    fresh = _Fresh.read(db, slug, None if every_mark else max(s.version for s in shown))
    version = fresh.version
    differences: list[Difference] = []
    count = 0
    for seen in shown:
        if seen.version != version:
            differences.append(Difference(seen.view, "", None, "", "version", str(seen.version), str(version)))
        for rnd in fresh.definition.rounds:
            key = rnd.key
            board = fresh.board(key)
            for group in _groups(board, seen.live[key]):
                count += 1
                differences += _compare(seen.view, key, group, seen.live[key].get(group, []), _rows(board, group))
            state = fresh.states.get(key)
            expected = (state.board, state.frozen_seq) if state is not None else ("live", None)
            if seen.boards.get(key, ("live", None)) != expected:
                was, now = seen.boards.get(key, ("live", None)), expected
                differences.append(Difference(seen.view, key, None, "", "board", _state(*was), _state(*now)))
                continue
            if key in seen.frozen and state is not None and state.frozen_seq is not None:
                frozen = fresh.frozen(key)
                view = Message("{view}: frozen board as of version {version}", view=seen.view, version=state.frozen_seq)
                for group in _groups(frozen, seen.frozen[key]):
                    count += 1
                    differences += _compare(view, key, group, seen.frozen[key].get(group, []), _rows(frozen, group))
    return Verification(slug, version, count, _merged(differences))


def _merged(differences: list[Difference]) -> tuple[Difference, ...]:
    """One line for a difference every way of building the boards shows alike, naming each way."""
    views: dict[Difference, list[str]] = {}
    for d in differences:
        views.setdefault(Difference("", d.round, d.group, d.entrant, d.field, d.shown, d.fresh), []).append(d.view)
    return tuple(
        Difference(_joined(names), d.round, d.group, d.entrant, d.field, d.shown, d.fresh) for d, names in views.items()
    )


def _joined(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return Message("{first}; {rest}", first=names[0], rest=_joined(names[1:]))


def _snapshot(view: str, registry: BoardRegistry, slug: str) -> _Shown:
    """What the registry shows now: every round's rows (whole and by group), and its frozen boards."""
    try:
        state = registry.current(slug)
    except UnknownContest:
        raise NotFound(Message("no contest {slug!r}", slug=slug), "slug") from None
    with state.lock:
        live = {r.key: _views(state.board(r.key)) for r in state.definition.rounds}
        boards = {key: (s.board, s.frozen_seq) for key, s in state.states.items()}
        frozen = {
            key: _views(registry.frozen(state, slug, key))
            for key, s in state.states.items()
            if s.board == "frozen" and s.frozen_seq is not None
        }
        return _Shown(view, state.seq, live, boards, frozen)


def _views(board: Board) -> dict[str | None, list[Json]]:
    return {group: _rows(board, group) for group in [None, *_ranked_groups(board)]}


def _ranked_groups(board: Board) -> list[str]:
    """The groups ranked separately (none when the contest ranks everyone together, or has one group only: the
    whole standing is that group's)."""
    groups = board.groups
    return groups if board.definition.ranking.groups == "separate" and len(groups) > 1 else []


def _rows(board: Board, group: str | None) -> list[Json]:
    rows: list[Json] = as_json(board, board.rows(group=group))["rows"]
    return rows


def _groups(board: Board, shown: dict[str | None, list[Json]]) -> list[str | None]:
    """The whole standing, then every group either side shows (a group missing on one side is a difference)."""
    groups = dict.fromkeys([None, *_ranked_groups(board), *shown])
    return list(groups)


def _compare(view: str, round_key: str, group: str | None, shown: list[Json], fresh: list[Json]) -> list[Difference]:
    out: list[Difference] = []

    def differ(entrant: str, field: str, a: object, b: object) -> None:
        out.append(Difference(view, round_key, group, entrant, field, _text(a), _text(b)))

    theirs = {row["entrant"]: row for row in fresh}
    ours = {row["entrant"]: row for row in shown}
    for code in dict.fromkeys([*ours, *theirs]):
        a, b = ours.get(code), theirs.get(code)
        if a is None or b is None:
            differ(code, "row", a is not None, b is not None)
            continue
        for name in FIELDS:
            if name == "rounds":
                for key in dict.fromkeys([*a["rounds"], *b["rounds"]]):
                    if a["rounds"].get(key) != b["rounds"].get(key):
                        differ(code, f"rounds.{key}", a["rounds"].get(key), b["rounds"].get(key))
            elif a[name] != b[name]:
                differ(code, name, a[name], b[name])
    if not out:  # the same rows: then the same order, or say where it first differs
        mine, fresh_order = [c for c in ours if c in theirs], [c for c in theirs if c in ours]
        slip = next((i for i, (x, y) in enumerate(zip(mine, fresh_order, strict=True)) if x != y), None)
        if slip is not None:
            differ(mine[slip], "position", slip + 1, fresh_order.index(mine[slip]) + 1)
    return out


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "—"
    return str(value)


def _state(board: str, frozen: int | None) -> str:
    return board if frozen is None else f"{board} @{frozen}"


# -- the fresh computation ------------------------------------------------------------------------------------


@dataclass
class _Fresh:
    definition: ContestDefinition
    entrants: list[Entrant]
    panel: tuple[str, ...]
    marks: list[tuple[int, Mark]]  # (version, core mark), oldest first
    states: dict[str, RoundState]
    version: int

    @classmethod
    def read(cls, db: sessionmaker[Session], slug: str, upto: int | None) -> _Fresh:
        """The contest as stored: every mark (its version: the newest change, of marks or of the contest's
        counter), or the marks up to `upto`."""
        with db() as session:
            contest = queries.contest_by_slug(session, slug)
            if contest is None:
                raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
            marks = [(m.seq, core_mark(m)) for m in queries.marks_since(session, contest.id, 0, upto=upto)]
            newest = max(contest.seq, marks[-1][0] if marks else 0)
            return cls(
                definition=parse_definition(contest.definition),
                entrants=[
                    Entrant(e.code, e.name, e.organization, e.group, e.attributes)
                    for e in queries.entrants_of(session, contest.id)
                ],
                panel=tuple(j.code for j in queries.judges_of(session, contest.id) if not j.chief),
                marks=marks,
                states=dict(queries.round_states(session, contest.id)),
                version=newest if upto is None else upto,
            )

    def board(self, key: str) -> Board:
        return self._built(key, self.entrants, self.panel, self.version)

    def frozen(self, key: str) -> Board:
        """The round's board as frozen: the marks up to the freeze, the entrants and panel kept with it."""
        state = self.states[key]
        entrants, panel = self.entrants, self.panel
        if state.frozen_field is not None:
            then = json.loads(state.frozen_field)
            entrants = [Entrant(code, name, org, group) for code, name, org, group in then["entrants"]]
            panel = tuple(then["panel"])
        assert state.frozen_seq is not None
        return self._built(key, entrants, panel, state.frozen_seq)

    def _built(self, key: str, entrants: Iterable[Entrant], panel: tuple[str, ...], version: int) -> Board:
        definition = self.definition
        panels = {r.key: definition.panel(r.key) or panel for r in definition.rounds}
        sheet = MarkSheet(mark for seq, mark in self.marks if seq <= version)
        return Board(definition, key, list(entrants), sheet, panels=panels, version=version)
