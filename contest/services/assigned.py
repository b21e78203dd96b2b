"""Who judges whom, as the server reads it: a round's plan (contest/scoring/panels.py) from the assignments stored
for it (drawn or uploaded: contest/services/assignments.py), else from the contest file's ``[[assignments]]``, else
none (every judge of the round's panel judges every entrant).

Marks (`services.marks`), the judge's queue (`services.judging`) and the chief judge's grid (`services.reviewing`)
all ask here, so they agree.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Assignment, AssignmentChange, Entrant
from contest.scoring import ContestDefinition
from contest.scoring.panels import Assigned, RoundPlan, natural, plan_from_file, plan_from_rows
from contest.services.contests import definition_of, get_contest
from contest.services.errors import Invalid, Message

Json = dict[str, Any]


_STORED_ROUNDS = select(Assignment.round).where(Assignment.contest_id == bindparam("contest_id")).distinct()


def stored_rounds(session: Session, contest_id: int) -> set[str]:
    """The rounds whose assignments are stored (drawn or uploaded)."""
    return set(session.execute(_STORED_ROUNDS, {"contest_id": contest_id}).scalars())


def plan_of(
    session: Session,
    contest_id: int,
    definition: ContestDefinition,
    round_key: str,
    codes: Collection[str] | None = None,
    *,
    stored: set[str] | None = None,
) -> RoundPlan | None:
    """The round's plan, for the entrants `codes` only (None: every entrant); None when nothing is assigned."""
    stored = stored_rounds(session, contest_id) if stored is None else stored
    if round_key in stored:
        query = select(Assignment).where(Assignment.contest_id == contest_id, Assignment.round == round_key)
        if codes is not None:
            query = query.where(Assignment.entrant.in_(list(codes)))
        rows = session.execute(query).scalars()
        return plan_from_rows(
            round_key, (Assigned(r.entrant, r.round, r.judge, r.item, r.criterion, r.panel) for r in rows)
        )
    if round_key not in definition.panels.assigned_rounds():
        return None
    people = select(Entrant.code, Entrant.group).where(Entrant.contest_id == contest_id)
    if codes is not None:
        people = people.where(Entrant.code.in_(list(codes)))
    people = people.order_by(Entrant.position, Entrant.id)
    return plan_from_file(definition.panels, round_key, [(c, g) for c, g in session.execute(people).all()])


def pool_of(
    session: Session, contest_id: int, definition: ContestDefinition, round_key: str, stored: set[str]
) -> frozenset[str] | None:
    """Every judge with a duty in the round (cheaply: no entrant is read); None when nothing is assigned there."""
    if round_key in stored:
        query = select(Assignment.judge).where(Assignment.contest_id == contest_id, Assignment.round == round_key)
        return frozenset(session.execute(query.distinct()).scalars())
    used = {a.panel for a in definition.panels.assignments if a.round == round_key}
    if not used:
        return None
    return frozenset(j for p in definition.panels.panels if p.key in used for j in p.judges)


def organizations_of(session: Session, contest_id: int, codes: Collection[str]) -> dict[str, str]:
    query = select(Entrant.code, Entrant.organization).where(
        Entrant.contest_id == contest_id, Entrant.code.in_(list(codes))
    )
    return {c: o for c, o in session.execute(query).all()}


# -- what organizers read: the assignments in force, what recusal forbids among them, and their log -------------


def export(db: sessionmaker[Session], slug: str, round_key: str | None = None) -> list[Json]:
    """The assignments in force, one row per entrant, item (0: all), criterion ("": all) and judge."""
    with db() as session:
        contest = get_contest(session, slug)
        definition = definition_of(contest)
        keys = [_round_key(definition, round_key)] if round_key else [r.key for r in definition.rounds]
        stored = stored_rounds(session, contest.id)
        out: list[Json] = []
        for key in keys:
            plan = plan_of(session, contest.id, definition, key, stored=stored)
            if plan is None:
                continue
            for entrant, duties in plan.by_entrant.items():
                for duty in duties:
                    items = sorted(duty.items) if duty.items is not None else [0]
                    criteria = sorted(duty.criteria) if duty.criteria is not None else [""]
                    for item in items:
                        for criterion in criteria:
                            for judge in sorted(duty.judges, key=natural):
                                out.append(
                                    {
                                        "entrant": entrant,
                                        "round": key,
                                        "item": item or "",
                                        "criterion": criterion,
                                        "panel": duty.panel,
                                        "judge": judge,
                                    }
                                )
    return out


def recused(db: sessionmaker[Session], slug: str, rows: list[Json]) -> list[str]:
    """Why each of the assignments in force (`export`'s rows) that recusal (回避) forbids may not stand: a contest
    file's range or group can put a judge on an entrant of their organization; their marks would be refused."""
    with db() as session:
        contest = get_contest(session, slug)
        recusal = definition_of(contest).panels.recusal
        if not recusal.organizations and not recusal.conflicts:
            return []
        people = {e.code: e.organization for e in queries.entrants_of(session, contest.id)}
    pairs = dict.fromkeys((r["judge"], r["entrant"]) for r in rows)
    return [why for j, e in pairs if (why := recusal.why(j, e, people.get(e, ""))) is not None]


def changes(db: sessionmaker[Session], slug: str) -> list[Json]:
    """Every draw and upload of the contest's assignments, oldest first."""
    with db() as session:
        contest = get_contest(session, slug)
        found = session.execute(
            select(AssignmentChange).where(AssignmentChange.contest_id == contest.id).order_by(AssignmentChange.id)
        ).scalars()
        return [
            {
                "round": c.round,
                "version": c.seq,
                "at": c.created_at.isoformat(timespec="seconds") + "Z",
                "source": c.source,
                "method": c.method,
                "seed": c.seed,
                "conflicts": c.conflicts or [],
                "rows": c.rows,
                "marks": c.marks,
                "kept": c.kept,
                "reason": c.reason,
                "by": c.actor,
            }
            for c in found
        ]


def _round_key(definition: ContestDefinition, key: str) -> str:
    if not definition.has_round(key):
        rounds = ", ".join(r.key for r in definition.rounds)
        raise Invalid(Message("no round {round!r}; rounds: {rounds}", round=key, rounds=rounds), "round")
    return key
