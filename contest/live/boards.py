"""Boards in memory, one set per contest, kept current by reading the change log after `version`.

Any worker can serve any contest: before answering, a contest's boards catch up with the marks committed after
the version they were built at (by this worker or another), so every worker agrees on "as of version N". The marks
this worker's writer commits are handed to the boards as well (`committed`): when nothing else changed since the
boards' version, the live hub's next render takes them from there instead of reading them back. A frozen
board is built once from the marks up to its freeze, with the entrants and panel as they were then, and shown to
the public until it is unfrozen. What a viewer may see of these boards is decided by `services.standings`.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Mark, RoundState
from contest.scoring import Board, ContestDefinition, Entrant, MarkSheet, parse_definition
from contest.scoring import Mark as CoreMark

FED = 1000  # the writer's batches a contest keeps until its boards are next asked for (older: read back instead)


class UnknownContest(LookupError):
    """No contest has this slug."""


def core_mark(row: Mark) -> CoreMark:
    return CoreMark(row.entrant, row.round, row.item, row.criterion, row.judge, Decimal(row.value))


@dataclass(frozen=True)
class Shown:
    """A round's state as the public sees it: open or locked, and its board hidden, live, frozen or revealing."""

    status: str = "open"
    board: str = "live"
    frozen_seq: int | None = None
    frozen_field: str | None = None  # JSON: the entrants and panel at the freeze
    reveal_by: str | None = None
    reveal_step: int | None = None

    @classmethod
    def of(cls, row: RoundState) -> Shown:
        return cls(row.status, row.board, row.frozen_seq, row.frozen_field, row.reveal_by, row.reveal_step)


@dataclass
class ContestBoards:
    text: str  # the contest file the definition was parsed from
    definition: ContestDefinition
    entrants: list[Entrant]
    panel: tuple[str, ...]  # the contest's judges: every round's panel unless the contest names one
    sheet: MarkSheet
    seq: int  # the version everything here is current with
    marks_seq: int  # the last mark version applied to the sheet
    states: dict[str, Shown]  # round -> its state
    sealed: bool = False  # names hidden from all but organizers: blind or drawn, and not decrypted (services.draws)
    boards: dict[str, Board] = field(default_factory=dict)
    frozen: dict[tuple[str, int], Board] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # marks this process's writer committed, not yet applied: (after, seq, the marks of versions after+1..seq)
    fed: deque[tuple[int, int, Sequence[CoreMark]]] = field(default_factory=lambda: deque(maxlen=FED))

    def panels(self) -> dict[str, tuple[str, ...]]:
        return {r.key: self.definition.panel(r.key) or self.panel for r in self.definition.rounds}

    def board(self, round_key: str) -> Board:
        found = self.boards.get(round_key)
        if found is None:
            found = Board(self.definition, round_key, self.entrants, self.sheet, panels=self.panels(), version=self.seq)
            self.boards[round_key] = found
        return found


class BoardRegistry:
    def __init__(self, db: sessionmaker[Session]) -> None:
        self.db = db
        self._contests: dict[str, ContestBoards] = {}
        self._lock = threading.Lock()

    def current(self, slug: str, *, upto: int | None = None, known: int | None = None) -> ContestBoards:
        """The contest's boards, caught up with everything committed so far; with `upto`, only as far as that
        version (`contest verify` replays the change log one version at a time, as a running server meets it).
        With `known`, a version the caller knows committed: boards at least that new will do, and when the marks
        this process's writer committed bring them there, nothing is read from the database."""
        with self._lock:
            state = self._contests.get(slug)
        if known is not None and upto is None and state is not None:
            with state.lock:
                self._take_fed(state)
                if state.seq >= known:
                    return state
        with self.db() as session:
            contest = queries.contest_by_slug(session, slug)
            if contest is None:
                raise UnknownContest(slug)
            seq = contest.seq if upto is None else min(upto, contest.seq)
            if state is None or contest.definition != state.text:
                state = self._load(session, contest.id, contest.definition, seq)
                with self._lock:
                    self._contests[slug] = state
                return state
            if seq <= state.seq:
                return state
            with state.lock:
                if upto is None:
                    self._take_fed(state)
                if seq > state.seq:
                    self._catch_up(session, state, contest.id, seq)
            return state

    def committed(self, slug: str, after: int, seq: int, marks: Sequence[CoreMark]) -> None:
        """This process's writer committed `marks` as the contest's versions after `after` up to `seq` (nothing
        else changed between): boards at `after` take them when next asked, without reading them back."""
        with self._lock:
            state = self._contests.get(slug)
        if state is not None:
            state.fed.append((after, seq, marks))  # a deque: safe from any thread; the oldest drop off when full

    def _take_fed(self, state: ContestBoards) -> None:
        """Apply the writer's marks that follow on from the boards' version (call under `state.lock`); those the
        boards already read from the database go, and a gap (a change from elsewhere) waits for the database."""
        while state.fed:
            after, seq, marks = state.fed[0]
            if seq <= state.seq:
                state.fed.popleft()
            elif after != state.seq:
                return
            else:
                state.fed.popleft()
                self._apply(state, marks, seq)
                state.marks_seq = seq  # every version of the batch is a submission's marks

    def _load(self, session: Session, contest_id: int, text: str, seq: int) -> ContestBoards:
        definition = parse_definition(text)
        rows = queries.marks_since(session, contest_id, 0, upto=seq)  # exactly as of version `seq`
        return ContestBoards(
            text=text,
            definition=definition,
            entrants=self._entrants(session, contest_id),
            panel=self._default_panel(session, contest_id),
            sheet=MarkSheet(core_mark(r) for r in rows),
            seq=seq,
            marks_seq=max((r.seq for r in rows), default=0),
            states=self._states(session, contest_id),
            sealed=self._sealed(session, contest_id, definition),
        )

    def _default_panel(self, session: Session, contest_id: int) -> tuple[str, ...]:
        """Every judge but the chief (裁判长 reviews, does not mark) sits on a round the contest names no panel for."""
        return tuple(j.code for j in queries.judges_of(session, contest_id) if not j.chief)

    def _entrants(self, session: Session, contest_id: int) -> list[Entrant]:
        return [
            Entrant(e.code, e.name, e.organization, e.group, e.attributes)
            for e in queries.entrants_of(session, contest_id)
        ]

    def _sealed(self, session: Session, contest_id: int, definition: ContestDefinition) -> bool:
        drawn, decrypted = queries.sealing(session, contest_id)
        return (definition.blind or drawn) and not decrypted

    def _states(self, session: Session, contest_id: int) -> dict[str, Shown]:
        return {k: Shown.of(s) for k, s in queries.round_states(session, contest_id).items()}

    def _catch_up(self, session: Session, state: ContestBoards, contest_id: int, seq: int) -> None:
        rows = queries.marks_since(session, contest_id, state.marks_seq, upto=seq)
        versions_with_marks = {row.seq for row in rows}
        if any(v not in versions_with_marks for v in range(state.seq + 1, seq + 1)):
            # something besides marks changed: entrants, judges or round states
            state.entrants = self._entrants(session, contest_id)
            state.panel = self._default_panel(session, contest_id)
            state.states = self._states(session, contest_id)
            state.sealed = self._sealed(session, contest_id, state.definition)
            state.boards.clear()  # rebuilt on demand with the new names, groups and panels
        self._apply(state, [core_mark(row) for row in rows], seq)
        if rows:
            state.marks_seq = rows[-1].seq

    def _apply(self, state: ContestBoards, marks: Sequence[CoreMark], seq: int) -> None:
        """Bring the sheet and the boards to version `seq` with `marks`, the marks of the versions since theirs
        (the caller notes the last version that had marks)."""
        changed: set[str] = set()
        for mark in marks:
            state.sheet.put(mark)
            changed.add(mark.entrant)
        for board in state.boards.values():
            board.update(changed, version=seq)
        state.seq = seq

    def advanced(self, slug: str, round_key: str) -> tuple[set[str], Callable[[str], bool]]:
        """Who goes on from `round_key`, as of now: the entrants it advances, and whether an entrant already has
        marks in the round after it."""
        state = self.current(slug)
        keys = [r.key for r in state.definition.rounds]
        following = keys[keys.index(round_key) + 1]
        with state.lock:
            going = {row.entrant for row in state.board(round_key).rows() if row.advances}
        sheet = state.sheet
        return going, lambda code: bool(sheet.entrant(code).get(following))

    def frozen(self, state: ContestBoards, slug: str, key: str) -> Board:
        """The round's board as it was at its freeze: marks, entrants and panel then (call under `state.lock`)."""
        shown = state.states[key]
        assert shown.frozen_seq is not None
        found = state.frozen.get((key, shown.frozen_seq))
        if found is None:
            with self.db() as session:
                contest = queries.contest_by_slug(session, slug)
                assert contest is not None
                rows = queries.marks_since(session, contest.id, 0, upto=shown.frozen_seq)
            sheet = MarkSheet(core_mark(r) for r in rows)
            entrants, panel = state.entrants, state.panel
            if shown.frozen_field is not None:  # frozen before this was kept: today's field
                field_then = json.loads(shown.frozen_field)
                entrants = [
                    Entrant(code, name, organization, group)
                    for code, name, organization, group in field_then["entrants"]
                ]
                panel = tuple(field_then["panel"])
            panels = {r.key: state.definition.panel(r.key) or panel for r in state.definition.rounds}
            found = Board(state.definition, key, entrants, sheet, panels=panels, version=shown.frozen_seq)
            state.frozen[(key, shown.frozen_seq)] = found
        return found
