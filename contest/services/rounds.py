"""Round states: open or locked for marks; board hidden, live, frozen or in a ceremony reveal for the public."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, Judge, RoundEvent, RoundState, Token, now
from contest.services.contests import definition_of, get_contest, next_version
from contest.services.errors import Conflict, Forbidden, Invalid, Message, NotFound
from contest.services.principals import Principal

STATUSES = ("open", "locked")
BOARDS = ("hidden", "live", "frozen", "reveal")
REVEAL_BY = ("rank", "award")  # uncover one place at a time from the bottom, or one award tier at a time
MAX_REVEAL_STEP = 100_000


@dataclass(frozen=True)
class RoundView:
    round: str
    status: str
    board: str
    frozen_version: int | None
    version: int
    reveal_by: str | None = None
    reveal_step: int | None = None


def set_round(
    db: sessionmaker[Session],
    principal: Principal,
    slug: str,
    key: str,
    *,
    status: str | None = None,
    board: str | None = None,
    reason: str = "",
    reveal_by: str | None = None,
    reveal: int | None = None,
) -> RoundView:
    if status is not None and status not in STATUSES:
        raise Invalid(f"expected one of {', '.join(STATUSES)}, got {status!r}", "status")
    if board is not None and board not in BOARDS:
        raise Invalid(f"expected one of {', '.join(BOARDS)}, got {board!r}", "board")
    if reveal_by is not None and reveal_by not in REVEAL_BY:
        raise Invalid(f"expected one of {', '.join(REVEAL_BY)}, got {reveal_by!r}", "reveal_by")
    if reveal is not None and not 0 <= reveal <= MAX_REVEAL_STEP:
        raise Invalid(f"expected a whole number from 0 to {MAX_REVEAL_STEP}", "reveal")
    if status is None and board is None and reveal is None and reveal_by is None:
        raise Invalid("give status, board or reveal", "status")
    with db.begin() as session:
        contest = get_contest(session, slug)
        if not definition_of(contest).has_round(key):
            raise NotFound(Message("no round {round!r}", round=key), "round")
        chief = principal.role == "judge" and principal.chief and principal.contest_id == contest.id
        only_status = board is None and reveal is None and reveal_by is None
        if not principal.is_organizer and not (chief and only_status):
            raise Forbidden(Message("only organizers change rounds; the chief judge may lock and unlock"), "round")
        state = queries.round_states(session, contest.id)[key]
        changes = []
        if status is not None and status != state.status:
            if state.status == "locked" and not reason.strip():
                raise Invalid(Message("unlocking a round needs a reason"), "reason")
            if state.board == "reveal" and board in (None, "reveal"):
                raise Conflict(Message("the round is being revealed: end the reveal before unlocking it"), "status")
            changes.append(f"status {state.status} → {status}")
            state.status = status
        seq = next_version(session, contest)
        if board is not None and board != state.board:
            if board == "reveal" and state.status != "locked":
                raise Conflict(Message("lock the round before its ceremony reveal"), "board")
            changes.append(f"board {state.board} → {board}")
            # frozen as of this change: the marks up to it, and a version newer than any the public saw live
            state.frozen_seq = seq if board == "frozen" else None
            state.frozen_field = _field_now(session, contest.id) if board == "frozen" else None
            state.board = board
            state.reveal_by, state.reveal_step = ("rank", 0) if board == "reveal" else (None, None)
        if reveal_by is not None or reveal is not None:
            if state.board != "reveal":
                raise Conflict(Message("start the reveal first (board: reveal)"), "reveal")
            state.reveal_by = reveal_by or state.reveal_by
            state.reveal_step = state.reveal_step if reveal is None else reveal
            changes.append(f"reveal {state.reveal_by} {state.reveal_step}")
        if state.board == "hidden":
            # the version the public keeps seeing: a hidden board's (empty) view is as of its round's last change,
            # so its version does not count the marks entered behind it
            state.frozen_seq = seq
        state.updated_at = now()
        session.add(
            RoundEvent(
                contest_id=contest.id,
                round=key,
                seq=seq,
                change="; ".join(changes) or "no change",
                reason=reason[:1000],
                role=principal.role,
                token_id=principal.token_id,
            )
        )
        return _view(state, seq)


def _field_now(session: Session, contest_id: int) -> str:
    """The entrants and the default panel as they are now, for a board frozen now (names and panels included)."""
    entrants = [[e.code, e.name, e.organization, e.group] for e in queries.entrants_of(session, contest_id)]
    panel = [j.code for j in queries.judges_of(session, contest_id) if not j.chief]
    return json.dumps({"entrants": entrants, "panel": panel}, ensure_ascii=False)


def round_view(session: Session, contest: Contest, key: str) -> RoundView:
    return _view(queries.round_states(session, contest.id)[key], contest.seq)


def _view(state: RoundState, seq: int) -> RoundView:
    return RoundView(state.round, state.status, state.board, state.frozen_seq, seq, state.reveal_by, state.reveal_step)


def brief(db: sessionmaker[Session], slug: str) -> dict[str, Any]:
    """The contest's title and rounds with their states and reveals, as screens and the control page show them (the
    public sees as much); NotFound for an unknown contest."""
    with db() as session:
        contest = get_contest(session, slug)
        definition = definition_of(contest)
        states = queries.round_states(session, contest.id)
        rounds = []
        for rnd in definition.rounds:
            view = _view(states[rnd.key], contest.seq)
            reveal = {"by": view.reveal_by, "step": view.reveal_step} if view.board == "reveal" else None
            rounds.append(
                {"key": rnd.key, "label": rnd.label, "status": view.status, "board": view.board, "reveal": reveal}
            )
    return {"contest": definition.slug, "title": definition.title, "blind": definition.blind, "rounds": rounds}


def events(session: Session, contest_id: int, key: str | None = None) -> list[dict[str, Any]]:
    """Every change of the contest's rounds (or of round `key`), oldest first: what changed (status, board, reveal,
    each from and to), who (role, and the judge's code for a chief judge), when and why."""
    query = (
        select(RoundEvent, Judge.code)
        .outerjoin(Token, RoundEvent.token_id == Token.id)
        .outerjoin(Judge, Token.judge_id == Judge.id)
        .where(RoundEvent.contest_id == contest_id)
        .order_by(RoundEvent.seq, RoundEvent.id)
    )
    if key is not None:
        query = query.where(RoundEvent.round == key)
    return [
        {
            "round": event.round,
            "version": event.seq,
            "at": event.created_at.isoformat(timespec="seconds") + "Z",
            "by": event.role,
            "by_judge": judge or "",
            "changes": changes_of(event.change),
            "reason": event.reason,
        }
        for event, judge in session.execute(query).all()
    ]


def changes_of(change: str) -> list[dict[str, str]]:
    """A stored change ("status open → locked; board live → frozen; reveal rank 3") as a list of what changed."""
    out = []
    for part in change.split("; "):
        what, _, rest = part.partition(" ")
        if what in ("status", "board") and " → " in rest:
            before, _, after = rest.partition(" → ")
            out.append({"what": what, "from": before, "to": after})
        elif what == "reveal":
            by, _, step = rest.partition(" ")
            out.append({"what": "reveal", "by": by, "step": step})
    return out
