"""The checks of one submission that need no more than what its batch read (contest/services/marks.py): who may
enter which values for whom (`judge_for`), the values as the core checks them (`checked_marks`), and whether a
client_id seen before is the same submission sent again (`replay`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from contest.scoring import ContestDefinition, mark_problems
from contest.scoring import Mark as CoreMark
from contest.services.errors import Conflict, Forbidden, Invalid, Message
from contest.services.principals import Principal

if TYPE_CHECKING:
    from contest.services.marks import MarkRequest

NOT_ON_PANEL = "judge {judge!r} is not on the panel of round {round!r}"


@dataclass
class Sent:
    """A submission as stored (or about to be): what a replay of its client_id must match."""

    entrant: str
    round: str
    item: int
    role: str
    judge: str
    token_id: int | None
    values: dict[str, Decimal]
    seq: int


def checked_marks(
    definition: ContestDefinition, request: MarkRequest, round_key: str, judge: str, judged: set[str], panel: set[str]
) -> list[CoreMark]:
    """The submission's values as marks, after the core's checks; every problem is reported at once."""
    problems = []
    marks: list[CoreMark] = []
    for key, value in request.values.items():
        mark = CoreMark(request.entrant, round_key, request.item, key, judge if key in judged else "", value)
        for problem in mark_problems(definition, mark, panel=panel):
            where = f"values.{key}" if problem.where in ("value", "criterion") else problem.where
            problems.append((where, problem.message))
        marks.append(mark)
    if problems:
        where, message = problems[0]
        raise Invalid(message, where, details=[Message("{where}: {message}", where=w, message=m) for w, m in problems])
    return marks


def replay(stored: Sent, principal: Principal, request: MarkRequest) -> int:
    """A client_id seen before: the same submission from the same sender is acknowledged again (its version), storing
    nothing; anything else under that client_id is refused."""
    # the same sender: the same judge (even signed in again with a new card), else the same token
    sender = stored.judge == principal.judge if principal.role == "judge" else stored.token_id == principal.token_id
    # an organizer typing in paper sheets names the judge: the same client_id for another judge's sheet is not a replay
    named = principal.role == "judge" or not request.judge or not stored.judge or request.judge == stored.judge
    same = (
        sender
        and named
        and (stored.entrant, stored.round, stored.item, stored.role)
        == (
            request.entrant,
            request.round,
            request.item,
            principal.role,
        )
    )
    if not same or stored.values != request.values:
        raise Conflict(Message("client_id was already used for a different submission"), "client_id")
    return stored.seq


def judge_for(
    principal: Principal, contest_id: int, request: MarkRequest, criteria: set[str], judged: set[str], panel: set[str]
) -> str:
    """The judge whose marks these are, after checking the principal may enter each value."""
    unknown = [k for k in request.values if k not in criteria]
    if unknown:
        raise Invalid(Message("no criterion {key!r} in this contest", key=unknown[0]), f"values.{unknown[0]}")
    asks_judged = [k for k in request.values if k in judged]
    asks_entered = [k for k in request.values if k not in judged]
    if principal.role == "judge":
        if principal.contest_id != contest_id:
            raise Forbidden(Message("this judge belongs to another contest"), "slug")
        if request.judge and request.judge != principal.judge:
            raise Forbidden(Message("a judge enters only their own marks"), "judge")
        if asks_entered and not principal.chief:
            raise Forbidden(
                Message("{key!r} is entered by the chief judge or a recorder, not by a judge", key=asks_entered[0]),
                f"values.{asks_entered[0]}",
            )
        if asks_judged and principal.judge not in panel:
            raise Forbidden(Message(NOT_ON_PANEL, judge=principal.judge, round=request.round), "round")
        return principal.judge
    if principal.role == "recorder" and asks_judged:
        raise Forbidden(f"{asks_judged[0]!r} is marked by the judges, not by a recorder", f"values.{asks_judged[0]}")
    if principal.role == "organizer" and asks_judged:
        if not request.judge:
            raise Invalid("entering judged marks for a judge (from a paper sheet) needs the judge's code", "judge")
        if request.judge not in panel:
            raise Invalid(Message(NOT_ON_PANEL, judge=request.judge, round=request.round), "judge")
        return request.judge
    return ""
