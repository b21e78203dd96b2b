"""One consistent version of a contest, read in one transaction, for exports: the definition, entrants, judges,
every mark version up to version N (with who entered it, when, from which device and why) and the round states.

Marks are append-only and every change takes the next number of the contest's counter, so "the marks up to
version N" is the board as of version N whatever is written meanwhile; reading everything in one transaction
(SQLite: one WAL snapshot; PostgreSQL: REPEATABLE READ) keeps the entrants and judges of the same moment.
Every export names the version it shows (`Snapshot.version`, `Snapshot.file_name`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Mark as StoredMark
from contest.db.models import Submission
from contest.scoring import Board, ContestDefinition, Entrant, Mark, MarkSheet, parse_definition
from contest.services.errors import Message, NotFound


@dataclass(frozen=True, slots=True)
class MarkVersion:
    """One stored version of one mark, as the audit history shows it."""

    version: int
    at: datetime  # UTC, naive (as stored)
    entrant: str
    round: str
    item: int
    criterion: str
    judge: str
    value: Decimal
    previous: Decimal | None
    role: str  # who entered it: judge, chief, recorder, organizer
    by_judge: str
    device: str
    ip: str
    reason: str


@dataclass(frozen=True)
class Snapshot:
    slug: str
    title: str
    definition: ContestDefinition
    entrants: list[Entrant]
    panel: tuple[str, ...]  # the contest's judges but the chief: each round's panel unless the contest names one
    judge_names: dict[str, str]
    history: list[MarkVersion]  # every version up to `version`, oldest first
    states: dict[str, str]  # round -> open | locked
    version: int
    names_released: bool = True  # False: a blind or drawn contest not yet decrypted (解密): exports show codes only
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @cached_property
    def marks(self) -> list[Mark]:
        """The marks as the core reads them (a newer version replaces an older one in a MarkSheet)."""
        return [Mark(h.entrant, h.round, h.item, h.criterion, h.judge, h.value) for h in self.history]

    def sheet(self) -> MarkSheet:
        return MarkSheet(self.marks)

    def panels(self) -> dict[str, tuple[str, ...]]:
        return {r.key: self.definition.panel(r.key) or self.panel for r in self.definition.rounds}

    def board(self, key: str, sheet: MarkSheet | None = None) -> Board:
        """The round's standing as of this version, built by the core exactly as a server builds it."""
        return Board(
            self.definition,
            key,
            self.entrants,
            sheet if sheet is not None else self.sheet(),
            panels=self.panels(),
            version=self.version,
        )

    def file_name(self, suffix: str, round_key: str | None = None) -> str:
        """`tea-2026-v123.xlsx`, or `tea-2026-final-v123.csv` for a chosen round."""
        middle = f"-{round_key}" if round_key else ""
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in middle)
        return f"{self.slug}{safe}-v{self.version}.{suffix.lstrip('.')}"


def _history(contest_id: int, version: int) -> Select[Any]:
    """Every mark version up to `version` with its submission's who, when, where and why, as plain rows (no ORM
    objects: 10,000 entrants have hundreds of thousands), oldest first."""
    m, s = StoredMark, Submission
    query: Select[Any] = (
        select(m.seq, s.created_at, m.entrant, m.round, m.item, m.criterion, m.judge, m.value, m.previous)
        .add_columns(s.role, s.judge, s.device, s.ip, s.reason)
        .join(s, m.submission_id == s.id)
        .where(m.contest_id == contest_id, m.seq <= version)
        .order_by(m.seq, m.id)
    )
    return query


def read(db: sessionmaker[Session], slug: str, upto: int | None = None) -> Snapshot:
    """The contest as of its latest version (or version `upto`), in one read transaction; NotFound if none."""
    with db() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        contest = queries.contest_by_slug(session, slug)
        if contest is None:
            raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
        version = contest.seq if upto is None else min(upto, contest.seq)
        history = []
        for row in session.execute(_history(contest.id, version)):
            seq, at, entrant, key, item, criterion, judge, value, previous, role, by_judge, device, ip, reason = row
            old = None if previous is None else Decimal(previous)
            history.append(
                MarkVersion(
                    seq,
                    at,
                    entrant,
                    key,
                    item,
                    criterion,
                    judge,
                    Decimal(value),
                    old,
                    role,
                    by_judge,
                    device,
                    ip,
                    reason,
                )
            )
        judges = queries.judges_of(session, contest.id)
        definition = parse_definition(contest.definition)
        drawn, decrypted = queries.sealing(session, contest.id)
        released = decrypted or not (definition.blind or drawn)  # as services.draws.names_released
        return Snapshot(
            slug=contest.slug,
            title=contest.title,
            definition=definition,
            entrants=[
                Entrant(e.code, e.name, e.organization, e.group, e.attributes)
                if released
                else Entrant(e.code, "", "", e.group)  # sealed: the names stay with the organizer's mapping
                for e in queries.entrants_of(session, contest.id)
            ],
            panel=tuple(j.code for j in judges if not j.chief),
            judge_names={j.code: j.name for j in judges},
            history=history,
            states={key: s.status for key, s in queries.round_states(session, contest.id).items()},
            version=version,
            names_released=released,
        )
