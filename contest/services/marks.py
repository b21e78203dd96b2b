"""Submitting marks: checked by the core, appended as new versions, acknowledged only after a durable commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, Mark, Submission
from contest.scoring import ContestDefinition, mark_problems
from contest.scoring import Mark as CoreMark
from contest.services.contests import definition_of, get_contest, next_version
from contest.services.errors import Conflict, Forbidden, Invalid
from contest.services.principals import Principal


@dataclass(frozen=True)
class MarkRequest:
    entrant: str
    round: str
    item: int
    values: dict[str, Decimal]
    client_id: str
    reason: str = ""
    judge: str = ""  # organizers typing in a paper sheet name the judge whose marks they are
    ip: str = ""
    device: str = ""


@dataclass(frozen=True)
class Receipt:
    created: bool  # False: this client_id was stored before; nothing was stored twice
    seq: int  # the contest's version after this submission
    corrected: tuple[str, ...] = field(default=())  # criteria whose earlier value this replaces


def submit_marks(db: sessionmaker[Session], principal: Principal, slug: str, request: MarkRequest) -> Receipt:
    try:
        with db.begin() as session:
            return _submit(session, principal, slug, request)
    except IntegrityError:
        # the same client_id committed concurrently (a retry racing its original): a replay, if it is the same
        with db.begin() as session:
            contest = get_contest(session, slug)
            found = queries.submission_by_client_id(session, contest.id, request.client_id)
            if found is None:
                raise
            return _replay(session, found, principal, request)


def _submit(session: Session, principal: Principal, slug: str, request: MarkRequest) -> Receipt:
    contest = get_contest(session, slug)
    # one submission of a contest at a time, from the replay check to the commit (PostgreSQL: the contest row's
    # lock; SQLite's BEGIN IMMEDIATE already serialises): a racing copy of a client_id sees the stored one
    session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())
    definition = definition_of(contest)
    replay = queries.submission_by_client_id(session, contest.id, request.client_id)
    if replay is not None:
        return _replay(session, replay, principal, request)

    if not definition.has_round(request.round):
        raise Invalid(f"no round {request.round!r}; rounds: {', '.join(r.key for r in definition.rounds)}", "round")
    rnd = definition.round(request.round)
    state = queries.round_states(session, contest.id).get(rnd.key)
    if state is not None and state.status == "locked":
        raise Forbidden(f"round {rnd.key!r} is locked; the chief judge must unlock it first", "round")
    if not queries.entrant_exists(session, contest.id, request.entrant):
        raise Invalid(f"no entrant has the code {request.entrant!r}", "entrant")
    # every judge but the chief sits on every panel unless the contest names one
    named = definition.panel(rnd.key)
    panel = set(named) if named else queries.panel_codes(session, contest.id)

    judge = _judge_for(principal, contest, request, definition, panel)
    problems = []
    marks: list[CoreMark] = []
    for key, value in request.values.items():
        criterion = next((c for c in definition.criteria if c.key == key), None)
        who = judge if criterion is not None and criterion.judged else ""
        mark = CoreMark(request.entrant, rnd.key, request.item, key, who, value)
        for problem in mark_problems(definition, mark, panel=panel):
            where = f"values.{key}" if problem.where in ("value", "criterion") else problem.where
            problems.append((where, problem.message))
        marks.append(mark)
    if problems:
        where, message = problems[0]
        raise Invalid(message, where, details=[f"{w}: {m}" for w, m in problems])

    current = queries.current_values(session, contest.id, request.entrant, rnd.key, request.item)
    # a correction: a value already given that this changes (giving the same value again changes nothing)
    corrected = tuple(
        m.criterion
        for m in marks
        if (m.criterion, m.judge) in current and Decimal(current[(m.criterion, m.judge)]) != m.value
    )
    if corrected and not request.reason.strip():
        shown = ", ".join(
            f"{m.criterion} {current[(m.criterion, m.judge)]} → {m.value}" for m in marks if m.criterion in corrected
        )
        raise Invalid(f"this corrects marks already given ({shown}): say why in reason", "reason")

    seq = next_version(session, contest)
    submission = Submission(
        contest_id=contest.id,
        seq=seq,
        client_id=request.client_id,
        entrant=request.entrant,
        round=rnd.key,
        item=request.item,
        judge=judge,
        role=principal.role,
        token_id=principal.token_id,
        ip=request.ip[:64],
        device=request.device[:300],
        reason=request.reason[:1000],
    )
    session.add(submission)
    session.flush()
    for mark in marks:
        previous = current.get((mark.criterion, mark.judge))
        session.add(
            Mark(
                contest_id=contest.id,
                submission_id=submission.id,
                seq=seq,
                entrant=mark.entrant,
                round=mark.round,
                item=mark.item,
                criterion=mark.criterion,
                judge=mark.judge,
                value=f"{mark.value:f}",
                previous=previous,
            )
        )
    return Receipt(True, seq, corrected)


def _replay(session: Session, stored: Submission, principal: Principal, request: MarkRequest) -> Receipt:
    """A client_id seen before: the same submission from the same sender is acknowledged again, storing nothing."""
    values = {m.criterion: Decimal(m.value) for m in queries.marks_of_submission(session, stored.id)}
    # the same sender: the same judge (even signed in again with a new card), else the same token
    sender = stored.judge == principal.judge if principal.role == "judge" else stored.token_id == principal.token_id
    same = sender and (stored.entrant, stored.round, stored.item, stored.role) == (
        request.entrant,
        request.round,
        request.item,
        principal.role,
    )
    if not same or values != request.values:
        raise Conflict("client_id was already used for a different submission", "client_id")
    return Receipt(False, stored.seq)


def _judge_for(
    principal: Principal, contest: Contest, request: MarkRequest, definition: ContestDefinition, panel: set[str]
) -> str:
    """The judge whose marks these are, after checking the principal may enter each value."""
    judged = {c.key for c in definition.criteria if c.judged}
    unknown = [k for k in request.values if k not in {c.key for c in definition.criteria}]
    if unknown:
        raise Invalid(f"no criterion {unknown[0]!r} in this contest", f"values.{unknown[0]}")
    asks_judged = [k for k in request.values if k in judged]
    asks_entered = [k for k in request.values if k not in judged]
    if principal.role == "judge":
        if principal.contest_id != contest.id:
            raise Forbidden("this judge belongs to another contest", "slug")
        if request.judge and request.judge != principal.judge:
            raise Forbidden("a judge enters only their own marks", "judge")
        if asks_entered and not principal.chief:
            raise Forbidden(
                f"{asks_entered[0]!r} is entered by the chief judge or a recorder, not by a judge",
                f"values.{asks_entered[0]}",
            )
        if asks_judged and principal.judge not in panel:
            raise Forbidden(f"judge {principal.judge!r} is not on the panel of round {request.round!r}", "round")
        return principal.judge
    if principal.role == "recorder" and asks_judged:
        raise Forbidden(f"{asks_judged[0]!r} is marked by the judges, not by a recorder", f"values.{asks_judged[0]}")
    if principal.role == "organizer" and asks_judged:
        if not request.judge:
            raise Invalid("entering judged marks for a judge (from a paper sheet) needs the judge's code", "judge")
        if request.judge not in panel:
            raise Invalid(f"judge {request.judge!r} is not on the panel of round {request.round!r}", "judge")
        return request.judge
    if principal.role not in ("organizer", "recorder"):
        raise Forbidden("only judges, recorders and organizers enter marks")
    return ""
