"""Who is asking: roles, tokens (stored only as SHA-256 hashes) and authentication."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.db.models import Judge, Token

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
    if not token or len(token) > 200:
        return None
    found = session.execute(
        select(Token, Judge).outerjoin(Judge, Token.judge_id == Judge.id).where(Token.token_hash == token_hash(token))
    ).first()
    if found is None or found[0].revoked:
        return None
    row, judge = found
    if row.role == "judge":
        if judge is None:
            return None
        return Principal("judge", row.id, judge.contest_id, judge.code, judge.chief)
    return Principal(row.role, row.id, row.contest_id)
