"""Changing a contest file from the organizer console, and the record of every change.

Before any mark exists the file may change freely (the slug stays). Once marks exist a change needs a reason, is
refused when it would drop a round or a criterion that has marks (they are named), and is recorded in
`contest_revisions` (who, when, why, the file before and after). Each round's standing is computed from the stored
marks under the old and the new file, and the entrants whose rank, total or award moved are returned, so the
organizer sees what the change did. The change takes the contest's next version: live boards reload the new file
(contest/live/boards.py compares the file text) and `contest verify` recomputes from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, ContestRevision, Mark, RoundState
from contest.live.boards import core_mark
from contest.scoring import Board, ContestDefinition, ContestError, Entrant, MarkSheet
from contest.scoring.board import diff_rows
from contest.services.contests import checked_definition, definition_of, get_contest, next_version
from contest.services.errors import Conflict, Invalid, Message
from contest.services.principals import Principal, require

MAX_REASON = 1000


@dataclass(frozen=True)
class Moved:
    """An entrant whose place in a round's standing changed with the new file."""

    round: str
    entrant: str
    name: str
    rank_before: int | None
    rank_after: int | None
    total_before: Decimal | None
    total_after: Decimal | None


@dataclass(frozen=True)
class Revised:
    slug: str
    version: int
    marks: int  # mark versions stored when the file changed
    moved: list[Moved]
    rounds: list[str]  # the rounds compared


def marks_count(session: Session, contest_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Mark).where(Mark.contest_id == contest_id)) or 0)


def lost_criteria(session: Session, contest_id: int, new: ContestDefinition) -> list[str]:
    """`round.criterion` for every round or criterion with marks that the new file no longer has."""
    lost = []
    pairs = session.execute(select(Mark.round, Mark.criterion).where(Mark.contest_id == contest_id).distinct()).all()
    for round_key, criterion in pairs:
        if not new.has_round(round_key) or criterion not in new.round(round_key).criteria:
            lost.append(f"{round_key}.{criterion}")
    return sorted(set(lost))


def revise_contest(
    db: sessionmaker[Session],
    principal: Principal,
    slug: str,
    text: str,
    reason: str = "",
    *,
    ip: str = "",
    device: str = "",
) -> Revised:
    """Store a new contest file for `slug` (see the module's docstring); Invalid or Conflict change nothing."""
    require(principal, "organizer")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise Invalid(Message("at most {most} characters", most=MAX_REASON), "reason")
    new = checked_definition(text)
    with db.begin() as session:
        contest = get_contest(session, slug)
        if new.slug != contest.slug:
            raise Invalid(Message("the slug cannot change (it is {slug!r})", slug=contest.slug), "contest.slug")
        old_text = contest.definition
        if text == old_text:
            raise Invalid(Message("the contest file is unchanged"), "definition")
        marks = marks_count(session, contest.id)
        if marks:
            if not reason:
                raise Invalid(Message("marks exist: a change of the rules needs a reason"), "reason")
            lost = lost_criteria(session, contest.id, new)
            if lost:
                raise Conflict(
                    Message("these criteria have marks and cannot be removed: {names}", names=", ".join(lost)),
                    "criteria",
                )
        moved, compared = _compare(session, contest, definition_of(contest), new)
        contest.definition = text
        contest.title = new.title
        known = set(queries.round_states(session, contest.id))
        for rnd in new.rounds:
            if rnd.key not in known:
                session.add(RoundState(contest_id=contest.id, round=rnd.key))
        seq = next_version(session, contest)
        session.add(
            ContestRevision(
                contest_id=contest.id,
                seq=seq,
                role=principal.role,
                token_id=principal.token_id,
                ip=ip[:64],
                device=device[:300],
                reason=reason,
                marks=marks,
                old_definition=old_text,
                new_definition=text,
            )
        )
    return Revised(slug, seq, marks, moved, compared)


def _boards(session: Session, contest: Contest, definition: ContestDefinition, keys: list[str]) -> dict[str, Board]:
    entrants = [
        Entrant(e.code, e.name, e.organization, e.group, e.attributes) for e in queries.entrants_of(session, contest.id)
    ]
    panel = tuple(j.code for j in queries.judges_of(session, contest.id) if not j.chief)
    sheet = MarkSheet(core_mark(m) for m in queries.marks_since(session, contest.id, 0))
    panels = {r.key: definition.panel(r.key) or panel for r in definition.rounds}
    return {key: Board(definition, key, entrants, sheet, panels=panels) for key in keys}


def _compare(
    session: Session, contest: Contest, old: ContestDefinition, new: ContestDefinition
) -> tuple[list[Moved], list[str]]:
    """Every round both files have: the entrants whose rank, total or award differ under the new file."""
    keys = [r.key for r in new.rounds if old.has_round(r.key)]
    before = _boards(session, contest, old, keys)
    try:
        after = _boards(session, contest, new, keys)
        after_rows = {key: after[key].rows() for key in keys}
    except ContestError as exc:  # the new rules cannot score the marks stored (a panel too small to trim, ...)
        first = exc.problems[0] if exc.problems else None
        raise Invalid(exc.as_message(), first.where if first and first.where else "definition") from None
    names = {e.code: e.name for e in queries.entrants_of(session, contest.id)}
    moved = []
    for key in keys:
        for change in diff_rows(before[key].rows(), after_rows[key]):
            moved.append(
                Moved(
                    key,
                    change.entrant,
                    names.get(change.entrant, ""),
                    change.rank_before,
                    change.rank_after,
                    change.total_before,
                    change.total_after,
                )
            )
    return moved, keys


def revisions(session: Session, contest_id: int) -> list[dict[str, Any]]:
    """Every recorded change of the contest's file, newest first."""
    rows = session.scalars(
        select(ContestRevision).where(ContestRevision.contest_id == contest_id).order_by(ContestRevision.id.desc())
    ).all()
    return [
        {
            "id": r.id,
            "version": r.seq,
            "at": r.created_at.isoformat(timespec="seconds") + "Z",
            "by": r.role,
            "token_id": r.token_id,
            "ip": r.ip,
            "device": r.device,
            "reason": r.reason,
            "marks": r.marks,
            "old": r.old_definition,
            "new": r.new_definition,
        }
        for r in rows
    ]


def settings_view(db: sessionmaker[Session], slug: str) -> dict[str, Any]:
    """The console's settings page: the contest file as it stands, how many marks exist, and every revision."""
    with db() as session:
        contest = get_contest(session, slug)
        return {
            "title": contest.title,
            "text": contest.definition,
            "marks": marks_count(session, contest.id),
            "revisions": revisions(session, contest.id),
        }
