"""Read queries. Each takes the session first and never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.db.models import Contest, Entrant, Judge, Mark, RoundEvent, RoundState, Secret, Submission


def contest_by_slug(session: Session, slug: str) -> Contest | None:
    return session.execute(select(Contest).where(Contest.slug == slug)).scalar_one_or_none()


def contests(session: Session) -> Sequence[Contest]:
    return session.execute(select(Contest).order_by(Contest.id)).scalars().all()


def entrants_of(session: Session, contest_id: int) -> Sequence[Entrant]:
    return (
        session.execute(select(Entrant).where(Entrant.contest_id == contest_id).order_by(Entrant.position, Entrant.id))
        .scalars()
        .all()
    )


def entrant_exists(session: Session, contest_id: int, code: str) -> bool:
    query = select(Entrant.id).where(Entrant.contest_id == contest_id, Entrant.code == code).limit(1)
    return session.execute(query).first() is not None


def panel_codes(session: Session, contest_id: int) -> set[str]:
    """The codes of the contest's judges but the chief: every round's panel unless the contest names one."""
    query = select(Judge.code).where(Judge.contest_id == contest_id, Judge.chief.is_(False))
    return set(session.execute(query).scalars())


def judges_of(session: Session, contest_id: int) -> Sequence[Judge]:
    return session.execute(select(Judge).where(Judge.contest_id == contest_id).order_by(Judge.id)).scalars().all()


def round_states(session: Session, contest_id: int) -> dict[str, RoundState]:
    rows = session.execute(select(RoundState).where(RoundState.contest_id == contest_id)).scalars().all()
    return {row.round: row for row in rows}


def marks_since(session: Session, contest_id: int, seq: int, upto: int | None = None) -> Sequence[Mark]:
    """Every mark version after `seq` (and up to `upto`), in the order they were acknowledged."""
    query = select(Mark).where(Mark.contest_id == contest_id, Mark.seq > seq)
    if upto is not None:
        query = query.where(Mark.seq <= upto)
    return session.execute(query.order_by(Mark.seq, Mark.id)).scalars().all()


def submission_by_client_id(session: Session, contest_id: int, client_id: str) -> Submission | None:
    query = select(Submission).where(Submission.contest_id == contest_id, Submission.client_id == client_id)
    return session.execute(query).scalar_one_or_none()


def marks_of_submission(session: Session, submission_id: int) -> Sequence[Mark]:
    return session.execute(select(Mark).where(Mark.submission_id == submission_id)).scalars().all()


def current_values(
    session: Session, contest_id: int, entrant: str, round_key: str, item: int
) -> dict[tuple[str, str], str]:
    """(criterion, judge) -> the newest value, for one item of one entrant."""
    query = (
        select(Mark.criterion, Mark.judge, Mark.value)
        .where(Mark.contest_id == contest_id, Mark.entrant == entrant, Mark.round == round_key, Mark.item == item)
        .order_by(Mark.seq, Mark.id)
    )
    return {(criterion, judge): value for criterion, judge, value in session.execute(query)}


def history(session: Session, contest_id: int) -> Sequence[tuple[Mark, Submission]]:
    """Every version of every mark with who entered it, when, from where and why, oldest first."""
    query = (
        select(Mark, Submission)
        .join(Submission, Mark.submission_id == Submission.id)
        .where(Mark.contest_id == contest_id)
        .order_by(Mark.seq, Mark.id)
    )
    return [(m, s) for m, s in session.execute(query).all()]


def round_events(session: Session, contest_id: int) -> Sequence[RoundEvent]:
    query = select(RoundEvent).where(RoundEvent.contest_id == contest_id).order_by(RoundEvent.seq)
    return session.execute(query).scalars().all()


def secret(session: Session, name: str) -> str | None:
    return session.execute(select(Secret.value).where(Secret.name == name)).scalar_one_or_none()
