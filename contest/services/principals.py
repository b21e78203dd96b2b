"""Who is asking: roles, tokens (stored only as SHA-256 hashes) and authentication."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.db.models import Judge, Token
from contest.services.errors import Forbidden, Message, Unauthorized

ROLES = ("organizer", "recorder", "judge")


@dataclass(frozen=True)
class Principal:
    role: str  # organizer | recorder | judge | public
    token_id: int | None = None
    contest_id: int | None = None  # judges belong to one contest
    judge: str = ""  # the judge's code
    chief: bool = False  # 裁判长

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"


PUBLIC = Principal("public")


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
    return authenticate_many(session, [token]).get(token)


def authenticate_many(session: Session, tokens: Iterable[str]) -> dict[str, Principal]:
    """The principal of each valid token among `tokens` (one query); revoked and unknown tokens are left out."""
    hashes = {token_hash(t): t for t in tokens if t and len(t) <= 200}
    if not hashes:
        return {}
    columns = (Token.token_hash, Token.id, Token.role, Token.contest_id, Token.revoked)
    query = (
        select(*columns, Judge.contest_id, Judge.code, Judge.chief)
        .outerjoin(Judge, Token.judge_id == Judge.id)
        .where(Token.token_hash.in_(list(hashes)))
    )
    found: dict[str, Principal] = {}
    for digest, id_, role, contest_id, revoked, judge_contest, judge, chief in session.execute(query):
        if revoked:
            continue
        if role == "judge":
            if judge is not None:
                found[hashes[digest]] = Principal("judge", id_, judge_contest, judge, chief)
        else:
            found[hashes[digest]] = Principal(role, id_, contest_id)
    return found


def require(principal: Principal, *roles: str) -> None:
    """Refuse anyone signed out (401) or without one of `roles` (403)."""
    if principal.role == "public":
        raise Unauthorized(Message("sign in: send Authorization: Bearer TOKEN"), "authorization")
    if principal.role not in roles:
        wanted = " or ".join(roles)
        raise Forbidden(Message("this needs the role {roles}; you are {role}", roles=wanted, role=principal.role))
