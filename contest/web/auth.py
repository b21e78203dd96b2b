"""Who is asking: a bearer token (organizer, recorder, judge) or a judge's session cookie from the QR link."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from contest.services.errors import Forbidden, Message, Unauthorized
from contest.services.principals import PUBLIC, Principal, authenticate
from contest.web.http import reader_of

SESSION_TOKEN = "token"
SESSION_CSRF = "csrf"


def credential_of(request: Request) -> str | None:
    """The token the caller sent, not yet checked against the database; None when no credentials were given.
    A malformed header, or a cookie-signed write without the page's form token, is refused here."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("expected Authorization: Bearer TOKEN", "authorization")
        return token.strip()
    cookie = request.session.get(SESSION_TOKEN) if "session" in request.scope else None
    if isinstance(cookie, str) and cookie:
        if request.method not in ("GET", "HEAD") and request.headers.get("x-csrf-token") != request.session.get(
            SESSION_CSRF
        ):
            raise Forbidden(Message("the page's form token does not match; reload the page"), "csrf")
        return cookie
    return None


async def principal_of(request: Request) -> Principal:
    """The caller; PUBLIC when no credentials were given. A bad token is refused (401), never ignored."""
    token = credential_of(request)
    if token is None:
        return PUBLIC
    return await run_in_threadpool(_authenticate, reader_of(request), token)


def _authenticate(db: sessionmaker[Session], token: str) -> Principal:
    with db() as session:
        found = authenticate(session, token)
    if found is None:
        raise Unauthorized(Message("this token is not valid (revoked or mistyped)"), "authorization")
    return found


def new_csrf() -> str:
    return secrets.token_urlsafe(16)
