"""Who is asking: a bearer token (organizer, recorder, judge) or a signed-in device's session cookie.

The cookie (Starlette's signed session) carries only a random session id and the page's form token (CSRF), never
a judge's token: the session lives in the database (`login_sessions`), so signing out, expiry and a revoked or
re-issued token end it at once, on every worker. The cookie is `Secure` when the public URL is https, and lasts as
long as a session (CONTEST_SESSION_HOURS).
"""

from __future__ import annotations

import logging
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp

from contest.services import credentials
from contest.services.errors import Forbidden, Message, Unauthorized
from contest.services.principals import PUBLIC, SESSION_PREFIX, Principal, who_is
from contest.settings import Settings
from contest.web.http import db_of, reader_of

SESSION_ID = "sid"
SESSION_CSRF = "csrf"
log = logging.getLogger("contest.web.auth")


def secure_cookies(settings: Settings) -> bool:
    """Whether cookies get the `Secure` flag: when people reach the server over https."""
    return bool(settings.public_url and settings.public_url.lower().startswith("https://"))


def session_cookies(app: ASGIApp, secret_key: str, settings: Settings) -> SessionMiddleware:
    """The signed session cookie: HttpOnly, SameSite=Lax, Secure behind https, gone when the session would be."""
    lifetime = max(60, round(settings.session_hours * 3600))
    return SessionMiddleware(
        app, secret_key=secret_key, same_site="lax", https_only=secure_cookies(settings), max_age=lifetime
    )


def session_secret(request: Request) -> str | None:
    """The session id this browser's cookie carries, if any."""
    if "session" not in request.scope:
        return None
    found = request.session.get(SESSION_ID)
    return found if isinstance(found, str) and found else None


def credential_of(request: Request) -> str | None:
    """The credential the caller sent (a token, or `session:ID` from the cookie), not yet checked against the
    database; None when none was given. A malformed header, or a cookie-signed write without the page's form
    token, is refused here."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("expected Authorization: Bearer TOKEN", "authorization")
        if token.startswith(SESSION_PREFIX):  # a session id is good in its cookie only
            raise Unauthorized(Message("this token is not valid (revoked or mistyped)"), "authorization")
        return token
    secret = session_secret(request)
    if secret is not None:
        if request.method not in ("GET", "HEAD") and request.headers.get("x-csrf-token") != request.session.get(
            SESSION_CSRF
        ):
            raise Forbidden(Message("the page's form token does not match; reload the page"), "csrf")
        return credentials.credential(secret)
    return None


async def principal_of(request: Request) -> Principal:
    """The caller; PUBLIC when no credentials were given. A bad token or an ended session is refused (401), never
    ignored."""
    credential = credential_of(request)
    if credential is None:
        return PUBLIC
    found = await run_in_threadpool(who_is, reader_of(request), credential)
    if found is None:
        raise Unauthorized(Message("this token is not valid (revoked or mistyped)"), "authorization")
    await touched(request, found)
    return found


async def session_of(request: Request) -> Principal | None:
    """Who this browser's session cookie signs in, or None (no cookie, or the session ended); never raises."""
    secret = session_secret(request)
    if secret is None:
        return None
    found = await run_in_threadpool(who_is, reader_of(request), credentials.credential(secret))
    if found is not None:
        await touched(request, found)
    return found


async def touched(request: Request, principal: Principal) -> None:
    """Note a session's use every few minutes (the lists of signed-in devices show it); a failure to note it is
    logged, never the request's failure."""
    if principal.session_id is None or not credentials.needs_touch(principal):
        return
    try:
        await run_in_threadpool(credentials.touch, db_of(request), principal.session_id)
    except Exception:
        log.warning("could not note the use of session %s", principal.session_id, exc_info=True)


def new_csrf() -> str:
    return secrets.token_urlsafe(16)


def remember(request: Request, started: credentials.Started) -> None:
    """This browser is now signed in with `started`'s session (and a fresh form token); any other is forgotten."""
    request.session.clear()
    request.session[SESSION_ID] = started.secret
    request.session[SESSION_CSRF] = new_csrf()


async def end_session_of(request: Request, signed_in: Principal | None) -> None:
    """End `signed_in`'s login session on the server (refused at once on every worker), if it has one; then forget
    the session in this browser."""
    if signed_in is not None and signed_in.session_id is not None:
        await run_in_threadpool(credentials.end_session, db_of(request), signed_in.session_id)
    request.session.clear()
