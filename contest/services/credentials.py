"""Credentials that can be withdrawn: judges' tokens revoked and re-issued, organizer and recorder tokens listed and
revoked, and the sessions of signed-in devices (started from a judge's QR link, ended by signing out, by expiry, or
when the judge's token is revoked or re-issued).

Who may do what: organizers, everything; a chief judge, revoke and re-issue the logins of the other judges of their
own contest who are not chief judges (a chief judge's own card, and other chiefs', need an organizer).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, Judge, LoginSession, Secret, Token, now
from contest.services.errors import Conflict, Forbidden, Invalid, Message, NotFound
from contest.services.principals import (
    ROLES,
    SESSION_PREFIX,
    Principal,
    authenticate,
    new_token,
    require,
    token_hash,
)

TOUCH_EVERY = timedelta(minutes=5)  # a session's `seen_at` is written at most this often
KEEP_ENDED = timedelta(days=30)  # an ended session's row (expired or signed out) is kept this long, then deleted


@dataclass(frozen=True)
class Started:
    """A new session: `secret` goes into the cookie (and nowhere else), `principal` is who signed in."""

    secret: str
    principal: Principal


@dataclass(frozen=True)
class Revoked:
    code: str
    tokens: int  # tokens revoked
    sessions: int  # signed-in devices signed out


@dataclass(frozen=True)
class Reissued:
    code: str
    name: str
    chief: bool
    token: str


# -- the cookie key -----------------------------------------------------------------------------------------------


def cookie_key(db: sessionmaker[Session]) -> str:
    """The key that signs session cookies, made once and kept in the database: tablets stay signed in across
    restarts, and every worker and host on the same database agrees (CONTEST_SECRET_KEY overrides it)."""
    try:
        with db.begin() as session:
            found = queries.secret(session, "session")
            if found is None:
                found = secrets.token_hex(32)
                session.add(Secret(name="session", value=found))
        return found
    except IntegrityError:  # another worker starting at the same moment made it first: use theirs
        with db() as session:
            theirs = queries.secret(session, "session")
        assert theirs is not None
        return theirs


# -- sessions -----------------------------------------------------------------------------------------------------


def start_session(
    db: sessionmaker[Session], token: str, *, hours: float, ip: str = "", device: str = ""
) -> Started | None:
    """Sign a device in with a judge's token: a new session that lasts `hours`; None when the token is not a
    valid judge's token."""
    with db.begin() as session:
        principal = authenticate(session, token)
        if principal is None or principal.role != "judge" or principal.token_id is None:
            return None
        judge_id = session.scalar(select(Token.judge_id).where(Token.id == principal.token_id))
        return open_session(session, principal, judge_id, hours=hours, ip=ip, device=device)


def open_session(
    session: Session, principal: Principal, judge_id: int | None, *, hours: float, ip: str, device: str
) -> Started:
    """A new login session for `principal` (a judge's device or an organizer's browser), lasting `hours`; only the
    hash of its secret is stored."""
    assert principal.token_id is not None
    secret = secrets.token_urlsafe(32)
    started = now()
    long_ago = started - KEEP_ENDED  # sessions that ended before this are no one's any more: purged as we go
    session.execute(
        delete(LoginSession).where(or_(LoginSession.expires_at < long_ago, LoginSession.revoked_at < long_ago))
    )
    row = LoginSession(
        secret_hash=token_hash(secret),
        token_id=principal.token_id,
        judge_id=judge_id,
        created_at=started,
        seen_at=started,
        expires_at=started + timedelta(hours=hours),
        ip=ip[:64],
        device=device[:300],
    )
    session.add(row)
    session.flush()
    return Started(secret, replace(principal, session_id=row.id, seen_at=started))


def credential(secret: str) -> str:
    """What `principals.authenticate_many` takes for a session's secret."""
    return SESSION_PREFIX + secret


def end_session(db: sessionmaker[Session], session_id: int) -> None:
    """Sign a device out: its session ends at once, on every worker."""
    with db.begin() as session:
        session.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=now())
        )


def needs_touch(principal: Principal) -> bool:
    return principal.session_id is not None and (principal.seen_at is None or now() - principal.seen_at >= TOUCH_EVERY)


def touch(db: sessionmaker[Session], session_id: int) -> None:
    """Note that the session was used just now (for the lists of signed-in devices)."""
    with db.begin() as session:
        session.execute(update(LoginSession).where(LoginSession.id == session_id).values(seen_at=now()))


def judges_named(db: sessionmaker[Session], *people: Principal) -> list[dict[str, str]]:
    """Each judge's code, name and contest title (for the page that asks before a device switches judges)."""
    found = []
    with db() as session:
        for person in people:
            row = session.execute(
                select(Judge.name, Contest.title)
                .join(Contest, Judge.contest_id == Contest.id)
                .where(Judge.contest_id == person.contest_id, Judge.code == person.judge)
            ).first()
            name, title = row if row is not None else ("", "")
            found.append({"code": person.judge, "name": name, "contest": title, "chief": "1" if person.chief else ""})
    return found


# -- judges' logins -----------------------------------------------------------------------------------------------


def _contest(session: Session, principal: Principal, slug: str) -> Contest:
    """The contest whose judges' logins `principal` wants to see or change, after checking that they may."""
    require(principal, "organizer", "judge")
    contest = session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
    if not principal.is_organizer and (not principal.chief or principal.contest_id != contest.id):
        raise Forbidden(Message("only an organizer or this contest's chief judge may manage judges' logins"))
    return contest


def _judge(session: Session, principal: Principal, slug: str, code: str) -> tuple[Contest, Judge]:
    """The judge whose login `principal` wants to change, after checking that they may."""
    contest = _contest(session, principal, slug)
    judge = session.scalar(select(Judge).where(Judge.contest_id == contest.id, Judge.code == code))
    if judge is None:
        raise NotFound(Message("no judge {code!r} in this contest", code=code), "code")
    if judge.chief and not principal.is_organizer:
        raise Forbidden(Message("only an organizer may change a chief judge's login"))
    return contest, judge


def _revoke_judge(session: Session, judge_id: int) -> tuple[int, int]:
    """Revoke every token of the judge and end every session: (tokens, sessions)."""
    moment = now()
    tokens = session.execute(
        update(Token)
        .where(Token.judge_id == judge_id, Token.revoked.is_(False))
        .values(revoked=True, revoked_at=moment)
    )
    sessions = session.execute(
        update(LoginSession)
        .where(LoginSession.judge_id == judge_id, LoginSession.revoked_at.is_(None), LoginSession.expires_at > moment)
        .values(revoked_at=moment)
    )
    return _count(tokens), _count(sessions)


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


def issue_login(session: Session, judge: Judge) -> str:
    """A fresh token for the judge, inside the caller's transaction; every older token and session ends."""
    _revoke_judge(session, judge.id)
    return new_token(session, "judge", contest_id=judge.contest_id, judge_id=judge.id)


def has_login(session: Session, judge_id: int) -> bool:
    """Whether the judge has a token that is not revoked."""
    live = select(Token.id).where(Token.judge_id == judge_id, Token.revoked.is_(False)).limit(1)
    return session.scalar(live) is not None


def login_for_existing(session: Session, judge: Judge, name: str, chief: bool) -> str:
    """`POST judges` naming a judge who exists already: one without a valid login (loaded with marks, or revoked)
    gets one, with the name and chief flag given; one who has a login is a conflict (re-issue it instead)."""
    if has_login(session, judge.id):
        raise Conflict(
            Message("judge {code!r} exists already and has a login; re-issue it to replace it", code=judge.code), "code"
        )
    if name:
        judge.name = name
    judge.chief = judge.chief or chief
    return new_token(session, "judge", contest_id=judge.contest_id, judge_id=judge.id)


def revoke_judge(db: sessionmaker[Session], principal: Principal, slug: str, code: str) -> Revoked:
    """End the judge's token(s) and every signed-in device of theirs at once."""
    with db.begin() as session:
        _, judge = _judge(session, principal, slug, code)
        tokens, sessions = _revoke_judge(session, judge.id)
    return Revoked(code, tokens, sessions)


def reissue_judge(db: sessionmaker[Session], principal: Principal, slug: str, code: str) -> Reissued:
    """Revoke the judge's login and give them a new token (also for a judge who never had one)."""
    with db.begin() as session:
        _, judge = _judge(session, principal, slug, code)
        token = issue_login(session, judge)
        return Reissued(judge.code, judge.name, judge.chief, token)


def judge_logins(db: sessionmaker[Session], principal: Principal, slug: str) -> list[dict[str, Any]]:
    """Every judge of the contest with their login's state: a valid token or not, devices signed in, last seen."""
    with db() as session:
        contest = _contest(session, principal, slug)
        judges = session.scalars(select(Judge).where(Judge.contest_id == contest.id).order_by(Judge.id)).all()
        live_tokens = dict(
            session.execute(
                select(Token.judge_id, func.count())
                .where(Token.contest_id == contest.id, Token.judge_id.is_not(None), Token.revoked.is_(False))
                .group_by(Token.judge_id)
            ).all()
        )
        moment = now()
        devices = {
            judge_id: (count, seen)
            for judge_id, count, seen in session.execute(
                select(LoginSession.judge_id, func.count(), func.max(LoginSession.seen_at))
                .join(Token, LoginSession.token_id == Token.id)
                .where(
                    Token.contest_id == contest.id,
                    Token.revoked.is_(False),
                    LoginSession.revoked_at.is_(None),
                    LoginSession.expires_at > moment,
                )
                .group_by(LoginSession.judge_id)
            ).all()
        }
    found = []
    for judge in judges:
        count, seen = devices.get(judge.id, (0, None))
        found.append(
            {
                "code": judge.code,
                "name": judge.name,
                "chief": judge.chief,
                "login": judge.id in live_tokens,
                "devices": count,
                "seen": _iso(seen),
                "manageable": principal.is_organizer or not judge.chief,
            }
        )
    return found


# -- every token ----------------------------------------------------------------------------------------------------


def list_tokens(db: sessionmaker[Session], role: str | None = None) -> list[dict[str, Any]]:
    """Every token (never its value, which is not kept): id, role, contest and judge, created, revoked, and the
    devices signed in with it. `role` narrows the list."""
    if role is not None and role not in ROLES:
        raise Invalid(Message("expected a role: {choices}", choices=", ".join(ROLES)), "role")
    with db() as session:
        moment = now()
        query = (
            select(Token, Contest.slug, Judge.code)
            .outerjoin(Contest, Token.contest_id == Contest.id)
            .outerjoin(Judge, Token.judge_id == Judge.id)
            .order_by(Token.id)
        )
        if role is not None:
            query = query.where(Token.role == role)
        rows = session.execute(query).all()
        devices = dict(
            session.execute(
                select(LoginSession.token_id, func.count())
                .where(LoginSession.revoked_at.is_(None), LoginSession.expires_at > moment)
                .group_by(LoginSession.token_id)
            ).all()
        )
    return [
        {
            "id": token.id,
            "role": token.role,
            "contest": slug,
            "judge": code,
            "created_at": _iso(token.created_at),
            "revoked": token.revoked,
            "revoked_at": _iso(token.revoked_at),
            "devices": 0 if token.revoked else devices.get(token.id, 0),
        }
        for token, slug, code in rows
    ]


def revoke_token(db: sessionmaker[Session], token_id: int) -> dict[str, Any]:
    """Revoke one token (any role) and end the sessions signed in with it; revoking it again changes nothing."""
    with db.begin() as session:
        token = session.get(Token, token_id)
        if token is None:
            raise NotFound(Message("no token with id {id}", id=token_id), "id")
        moment = now()
        if not token.revoked:
            token.revoked = True
            token.revoked_at = moment
        session.execute(
            update(LoginSession)
            .where(LoginSession.token_id == token_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=moment)
        )
        return {"id": token.id, "role": token.role, "revoked": True, "revoked_at": _iso(token.revoked_at)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"
