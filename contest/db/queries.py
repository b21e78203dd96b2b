"""Read queries. Each takes the session first and never commits.

Those the mark writer runs for every submission are built once, with bind parameters (`_ROUND_STATES`...):
building a statement through the ORM costs more than SQLite takes to run it (bench/README.md, "bench_fanout.py").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from contest.db.models import (
    Contest,
    Draw,
    DrawEvent,
    Entrant,
    Judge,
    Mark,
    RoundEvent,
    RoundState,
    Secret,
    Submission,
)


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


def panel_codes(session: Session, contest_id: int) -> set[str]:
    """The codes of the contest's judges but the chief: every round's panel unless the contest names one."""
    query = select(Judge.code).where(Judge.contest_id == contest_id, Judge.chief.is_(False))
    return set(session.execute(query).scalars())


def judges_of(session: Session, contest_id: int) -> Sequence[Judge]:
    return session.execute(select(Judge).where(Judge.contest_id == contest_id).order_by(Judge.id)).scalars().all()


_ROUND_STATES = select(RoundState).where(RoundState.contest_id == bindparam("contest_id"))


def round_states(session: Session, contest_id: int) -> dict[str, RoundState]:
    rows = session.execute(_ROUND_STATES, {"contest_id": contest_id}).scalars().all()
    return {row.round: row for row in rows}


def marks_since(session: Session, contest_id: int, seq: int, upto: int | None = None) -> Sequence[Mark]:
    """Every mark version after `seq` (and up to `upto`), in the order they were acknowledged."""
    query = select(Mark).where(Mark.contest_id == contest_id, Mark.seq > seq)
    if upto is not None:
        query = query.where(Mark.seq <= upto)
    return session.execute(query.order_by(Mark.seq, Mark.id)).scalars().all()


_EXISTING_ENTRANTS = select(Entrant.code).where(
    Entrant.contest_id == bindparam("contest_id"), Entrant.code.in_(bindparam("codes", expanding=True))
)


def existing_entrants(session: Session, contest_id: int, codes: Collection[str]) -> set[str]:
    """Those of `codes` that are entrants of the contest."""
    return set(session.execute(_EXISTING_ENTRANTS, {"contest_id": contest_id, "codes": list(codes)}).scalars())


_SUBMISSIONS = select(Submission).where(
    Submission.contest_id == bindparam("contest_id"), Submission.client_id.in_(bindparam("client_ids", expanding=True))
)
_SUBMISSION_VALUES = select(Mark.submission_id, Mark.criterion, Mark.value).where(
    Mark.submission_id.in_(bindparam("ids", expanding=True))
)


def submissions_by_client_id(
    session: Session, contest_id: int, client_ids: Collection[str]
) -> dict[str, tuple[Submission, dict[str, Decimal]]]:
    """The stored submissions among `client_ids`, each with its values (criterion -> value)."""
    asked = {"contest_id": contest_id, "client_ids": list(client_ids)}
    found = {s.id: s for s in session.execute(_SUBMISSIONS, asked).scalars()}
    values: dict[int, dict[str, Decimal]] = {id_: {} for id_ in found}
    if found:
        for submission_id, criterion, value in session.execute(_SUBMISSION_VALUES, {"ids": list(found)}):
            values[submission_id][criterion] = Decimal(value)
    return {s.client_id: (s, values[id_]) for id_, s in found.items()}


_CURRENT_VALUES = select(
    Mark.seq, Mark.id, Mark.entrant, Mark.round, Mark.item, Mark.criterion, Mark.judge, Mark.value
).where(
    Mark.contest_id == bindparam("contest_id"),
    Mark.entrant.in_(bindparam("entrants", expanding=True)),
    Mark.round.in_(bindparam("rounds", expanding=True)),
    Mark.item.in_(bindparam("items", expanding=True)),
    Mark.judge.in_(bindparam("judges", expanding=True)),
)


def current_values_of(
    session: Session, contest_id: int, items: Collection[tuple[str, str, int]], judges: Collection[str]
) -> dict[tuple[str, str, int], dict[tuple[str, str], Decimal]]:
    """(entrant, round, item) -> (criterion, judge) -> the newest value, for the given items and judges."""
    # IN lists on the columns of the index on (contest, entrant, round, item), so it is used: a row-value IN, or
    # ordering by seq in SQL, makes SQLite walk every mark of the contest instead
    asked = {
        "contest_id": contest_id,
        "entrants": list({entrant for entrant, _, _ in items}),
        "rounds": list({round_key for _, round_key, _ in items}),
        "items": list({item for _, _, item in items}),
        "judges": list(judges),
    }
    current: dict[tuple[str, str, int], dict[tuple[str, str], Decimal]] = {key: {} for key in items}
    for _, _, entrant, round_key, item, criterion, judge, value in sorted(session.execute(_CURRENT_VALUES, asked)):
        found = current.get((entrant, round_key, item))
        if found is not None:
            found[(criterion, judge)] = Decimal(value)
    return current


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


def sealing(session: Session, contest_id: int) -> tuple[bool, bool]:
    """(drawn, decrypted): whether the entrants' codes come from a standing draw (抽签加密), and whether the names
    were released by a decryption (解密). Names stay hidden from all but organizers while a blind or drawn contest
    is not decrypted (contest/services/draws.py)."""
    drawn = session.execute(
        select(Draw.id).where(Draw.contest_id == contest_id, Draw.superseded_at.is_(None)).limit(1)
    ).scalar_one_or_none()
    decrypted = session.execute(
        select(DrawEvent.id).where(DrawEvent.contest_id == contest_id, DrawEvent.action == "decrypt").limit(1)
    ).scalar_one_or_none()
    return drawn is not None, decrypted is not None


def item_judges(
    session: Session, contest_id: int, items: Collection[tuple[str, str, int]]
) -> dict[tuple[str, str, int], dict[str, set[str]]]:
    """(entrant, round, item) -> criterion -> the judges who have marked it (any version), for the given items."""
    query = select(Mark.entrant, Mark.round, Mark.item, Mark.criterion, Mark.judge).where(
        Mark.contest_id == contest_id,
        Mark.entrant.in_({entrant for entrant, _, _ in items}),
        Mark.round.in_({round_key for _, round_key, _ in items}),
        Mark.item.in_({item for _, _, item in items}),
        Mark.judge != "",
    )
    found: dict[tuple[str, str, int], dict[str, set[str]]] = {key: {} for key in items}
    for entrant, round_key, item, criterion, judge in session.execute(query):
        marked = found.get((entrant, round_key, item))
        if marked is not None:
            marked.setdefault(criterion, set()).add(judge)
    return found


def judged_versions(session: Session, contest_id: int, round_key: str) -> list[tuple[str, int, str, str, str]]:
    """Every version of a round's judged marks, oldest first: (entrant, item, criterion, judge, value)."""
    query = (
        select(Mark.entrant, Mark.item, Mark.criterion, Mark.judge, Mark.value)
        .where(Mark.contest_id == contest_id, Mark.round == round_key, Mark.judge != "")
        .order_by(Mark.seq, Mark.id)
    )
    return [(e, i, c, j, v) for e, i, c, j, v in session.execute(query).all()]
