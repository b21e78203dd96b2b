"""`contest load`: a contest file, entrants and marks into the database through the same services as the API."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from contest.db import queries
from contest.db.engine import make_engine, make_sessions, migrate
from contest.imports import read_entrants, read_marks
from contest.scoring import ContestDefinition, ContestError, Entrant, Mark, parse_definition
from contest.services import contests, marks
from contest.services.errors import ServiceError
from contest.services.principals import Principal

LOADER = Principal("organizer")
BATCH = 200  # submissions checked and written together (all in the one transaction of the load)


def load_files(
    url: str,
    contest_file: Path,
    entrants_file: Path | None,
    marks_file: Path | None,
    *,
    skip_rounds: frozenset[str] = frozenset(),
) -> list[str]:
    """Load the files; marks of `skip_rounds` are left out (the demo leaves a round for judges to score)."""
    try:
        text = contest_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContestError(f"{contest_file}: cannot read the contest file ({exc})") from None
    definition = parse_definition(text)
    # every file is read and checked before the database is touched, and everything is stored in one
    # transaction: a failure anywhere leaves the database as it was (no half-created contest)
    people = read_entrants(entrants_file) if entrants_file else []
    rows = (
        [m for m in read_marks(marks_file, definition, people or None) if m.round not in skip_rounds]
        if marks_file is not None
        else []
    )
    engine = make_engine(url)
    migrate(engine)
    db = make_sessions(engine)
    report: list[str] = []
    try:
        with db.begin() as session:
            _store(session, text, definition, people, rows, marks_file, report)
        return report
    except ServiceError as exc:
        raise ContestError(f"{exc.field + ': ' if exc.field else ''}{exc.message}") from None
    finally:
        engine.dispose()


def _store(
    session: Session,
    text: str,
    definition: ContestDefinition,
    people: list[Entrant],
    rows: list[Mark],
    marks_file: Path | None,
    report: list[str],
) -> None:
    """Everything `load_files` stores, inside the caller's transaction."""
    existing = queries.contest_by_slug(session, definition.slug)
    if existing is None:
        contests.add_contest(session, definition, text)
        report.append(f"contest {definition.slug}: created")
    elif existing.definition != text:
        raise ContestError(f"a different contest {definition.slug!r} is in this database already")
    else:
        report.append(f"contest {definition.slug}: already there")
    if people:
        contests.replace_entrants(session, definition.slug, people)
        report.append(f"entrants: {len(people)}")
    if marks_file is None:
        return
    session.flush()
    session.expire_all()  # the marks' checks read the contest's version as the statements above left it
    contest = contests.get_contest(session, definition.slug)
    known = {j.code for j in queries.judges_of(session, contest.id)}
    panels = {j for r in definition.rounds for j in (r.judges or ())} | set(definition.judges or ())
    wanted = sorted({m.judge for m in rows if m.judge} | panels)
    new = [(code, "", False) for code in wanted if code not in known]
    if new:
        for created in contests.add_judges(session, definition.slug, new):
            report.append(f"judge {created.code}: token {created.token}")
    groups: dict[tuple[str, str, int, str], dict[str, Decimal]] = defaultdict(dict)
    for mark in rows:
        groups[(mark.entrant, mark.round, mark.item, mark.judge)][mark.criterion] = mark.value
    pending = []
    for (entrant, round_key, item, judge), values in groups.items():
        digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:16]
        request = marks.MarkRequest(
            entrant=entrant,
            round=round_key,
            item=item,
            values=dict(values),
            client_id=f"load:{entrant}:{round_key}:{item}:{judge}:{digest}"[:100],
            reason=f"loaded from {marks_file.name}",
            judge=judge,
            device="contest load",
        )
        pending.append(marks.Pending(LOADER, definition.slug, request))
    stored = replayed = 0
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        for one, outcome in zip(batch, marks.write_batch(session, batch), strict=True):
            if isinstance(outcome, ServiceError):
                asked = one.request
                where = f"{asked.entrant} {asked.round} item {asked.item}"
                field = f"{outcome.field}: " if outcome.field else ""
                raise ContestError(f"{marks_file.name}: {where}: {field}{outcome.message}")
            stored += outcome.created
            replayed += not outcome.created
    report.append(f"marks: {stored} submissions stored, {replayed} already there")
