"""Round states: open or locked for marks; board hidden, live or frozen for the public."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, RoundEvent, RoundState, now
from contest.services.contests import definition_of, get_contest, next_version
from contest.services.errors import Forbidden, Invalid, Message, NotFound
from contest.services.principals import Principal

STATUSES = ("open", "locked")
BOARDS = ("hidden", "live", "frozen")


@dataclass(frozen=True)
class RoundView:
    round: str
    status: str
    board: str
    frozen_version: int | None
    version: int


def set_round(
    db: sessionmaker[Session],
    principal: Principal,
    slug: str,
    key: str,
    *,
    status: str | None = None,
    board: str | None = None,
    reason: str = "",
) -> RoundView:
    if status is not None and status not in STATUSES:
        raise Invalid(f"expected one of {', '.join(STATUSES)}, got {status!r}", "status")
    if board is not None and board not in BOARDS:
        raise Invalid(f"expected one of {', '.join(BOARDS)}, got {board!r}", "board")
    if status is None and board is None:
        raise Invalid("give status and/or board", "status")
    with db.begin() as session:
        contest = get_contest(session, slug)
        if not definition_of(contest).has_round(key):
            raise NotFound(Message("no round {round!r}", round=key), "round")
        chief = principal.role == "judge" and principal.chief and principal.contest_id == contest.id
        if not principal.is_organizer and not (chief and board is None):
            raise Forbidden(Message("only organizers change rounds; the chief judge may lock and unlock"), "round")
        state = queries.round_states(session, contest.id)[key]
        changes = []
        if status is not None and status != state.status:
            if state.status == "locked" and not reason.strip():
                raise Invalid(Message("unlocking a round needs a reason"), "reason")
            changes.append(f"status {state.status} → {status}")
            state.status = status
        seq = next_version(session, contest)
        if board is not None and board != state.board:
            changes.append(f"board {state.board} → {board}")
            state.frozen_seq = seq - 1 if board == "frozen" else None
            state.board = board
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


def round_view(session: Session, contest: Contest, key: str) -> RoundView:
    return _view(queries.round_states(session, contest.id)[key], contest.seq)


def _view(state: RoundState, seq: int) -> RoundView:
    return RoundView(state.round, state.status, state.board, state.frozen_seq, seq)
