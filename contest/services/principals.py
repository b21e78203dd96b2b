"""Who is asking: roles, tokens (stored only as SHA-256 hashes) and authentication.

A credential is either a token (an `Authorization: Bearer` header, a judge's QR link) or a signed-in device's
session, written `session:ID` (the random id its cookie carries; tokens never contain a colon). A session counts only
while it has not expired or been ended and its token is not revoked: every request asks the database, so a
revocation holds at once on every worker and host.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db.models import Judge, LoginSession, Token, now
from contest.services.errors import Forbidden, Message, Unauthorized

ROLES = ("organizer", "recorder", "judge")


@dataclass(frozen=True)
class Principal:
    role: str  # organizer | recorder | judge | public
    token_id: int | None = None
    contest_id: int | None = None  # judges belong to one contest
    judge: str = ""  # the judge's code
    chief: bool = False  # 裁判长
    session_id: int | None = None  # the row of the signed-in device's session (cookie), None for a bearer token
    seen_at: datetime | None = None  # when that session was last seen

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"


PUBLIC = Principal("public")
SESSION_PREFIX = "session:"
MAX_CREDENTIAL = 200


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(session: Session, role: str, *, contest_id: int | None = None, judge_id: int | None = None) -> str:
    """Create a token and return it; only its hash is kept."""
    if role not in ROLES:
        raise ValueError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    token = secrets.token_urlsafe(24)
    session.add(Token(token_hash=token_hash(token), role=role, contest_id=contest_id, judge_id=judge_id))
    return token


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal of a token (never of a session id)."""
    if token.startswith(SESSION_PREFIX):
        return None
    return authenticate_many(session, [token]).get(token)


def authenticate_credential(session: Session, credential: str) -> Principal | None:
    """The principal of a token or of a `session:ID`."""
    return authenticate_many(session, [credential]).get(credential)


def who_is(db: sessionmaker[Session], credential: str, *, token_only: bool = False) -> Principal | None:
    """The principal of a token or of a `session:ID` (`token_only`: of a token only), read in a transaction of its
    own."""
    with db() as session:
        return authenticate(session, credential) if token_only else authenticate_credential(session, credential)


_TOKENS = (
    select(
        Token.token_hash,
        Token.id,
        Token.role,
        Token.contest_id,
        Token.revoked,
        Judge.contest_id,
        Judge.code,
        Judge.chief,
    )
    .outerjoin(Judge, Token.judge_id == Judge.id)
    .where(Token.token_hash.in_(bindparam("hashes", expanding=True)))
)


def authenticate_many(session: Session, credentials: Iterable[str]) -> dict[str, Principal]:
    """The principal of each valid credential among `credentials` (a query for tokens, one for sessions); revoked,
    expired and unknown ones are left out."""
    tokens: dict[str, str] = {}
    sessions: dict[str, str] = {}
    for credential in credentials:
        if not credential or len(credential) > MAX_CREDENTIAL:
            continue
        if credential.startswith(SESSION_PREFIX):
            sessions[token_hash(credential[len(SESSION_PREFIX) :])] = credential
        else:
            tokens[token_hash(credential)] = credential
    found: dict[str, Principal] = {}
    if tokens:
        for digest, id_, role, contest_id, revoked, judge_contest, judge, chief in session.execute(
            _TOKENS, {"hashes": list(tokens)}
        ):
            if revoked:
                continue
            if role == "judge":
                if judge is not None:
                    found[tokens[digest]] = Principal("judge", id_, judge_contest, judge, chief)
            else:
                found[tokens[digest]] = Principal(role, id_, contest_id)
    if sessions:
        by_session = (
            select(
                LoginSession.secret_hash,
                LoginSession.id,
                LoginSession.seen_at,
                Token.id,
                Token.role,
                Token.contest_id,
                Judge.contest_id,
                Judge.code,
                Judge.chief,
            )
            .join(Token, LoginSession.token_id == Token.id)
            .outerjoin(Judge, Token.judge_id == Judge.id)
            .where(
                LoginSession.secret_hash.in_(list(sessions)),
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > now(),
                Token.revoked.is_(False),
            )
        )
        for digest, row, seen, id_, role, contest_id, judge_contest, judge, chief in session.execute(by_session):
            if role == "judge" and judge is not None:
                found[sessions[digest]] = Principal("judge", id_, judge_contest, judge, chief, row, seen)
            elif role != "judge":
                found[sessions[digest]] = Principal(role, id_, contest_id, session_id=row, seen_at=seen)
    return found


def require(principal: Principal, *roles: str) -> None:
    """Refuse anyone signed out (401) or without one of `roles` (403)."""
    if principal.role == "public":
        raise Unauthorized(Message("sign in: send Authorization: Bearer TOKEN"), "authorization")
    if principal.role not in roles:
        wanted = " or ".join(roles)
        raise Forbidden(Message("this needs the role {roles}; you are {role}", roles=wanted, role=principal.role))
