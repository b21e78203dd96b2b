"""Who is asking: a bearer token (organizer, recorder, judge) or a judge's session cookie from the QR link."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from contest.services.errors import Forbidden, Unauthorized
from contest.services.principals import PUBLIC, Principal, authenticate
from contest.web.http import reader_of

SESSION_TOKEN = "token"
SESSION_CSRF = "csrf"


async def principal_of(request: Request) -> Principal:
    """The caller; PUBLIC when no credentials were given. A bad token is refused (401), never ignored."""
    db = reader_of(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("expected Authorization: Bearer TOKEN", "authorization")
        return await run_in_threadpool(_authenticate, db, token.strip())
    cookie = request.session.get(SESSION_TOKEN) if "session" in request.scope else None
    if isinstance(cookie, str) and cookie:
        if request.method not in ("GET", "HEAD") and request.headers.get("x-csrf-token") != request.session.get(
            SESSION_CSRF
        ):
            raise Forbidden("the page's form token does not match; reload the page", "csrf")
        return await run_in_threadpool(_authenticate, db, cookie)
    return PUBLIC


def _authenticate(db: sessionmaker[Session], token: str) -> Principal:
    with db() as session:
        found = authenticate(session, token)
    if found is None:
        raise Unauthorized("this token is not valid (revoked or mistyped)", "authorization")
    return found


def require(principal: Principal, *roles: str) -> None:
    if principal.role == "public":
        raise Unauthorized("sign in: send Authorization: Bearer TOKEN", "authorization")
    if principal.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {principal.role}")


def new_csrf() -> str:
    return secrets.token_urlsafe(16)
