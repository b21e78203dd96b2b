"""Signing a device in and out.

GET  /j/{token}   the QR code's link. A device signed in as nobody is signed in (a new session) and goes on to
                  /judge (or /chief); signed in as the same judge, it just goes on; signed in as another judge, it
                  is asked first (a page with a confirm button): a link opened from another site never switches it.
POST /j/{token}   the confirm button: with the page's form token, the old session ends and the new one starts.
GET  /signout     signed in: a page that asks to sign out (for a page whose form token went stale); else "signed out"
POST /signout     with the page's form token (field `csrf` or X-CSRF-Token): the session ends on the server, at once
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.language import normalize_locale
from contest.services import credentials
from contest.services.principals import MAX_CREDENTIAL, Principal, who_is
from contest.web.auth import SESSION_CSRF, SESSION_ID, end_session_of, remember, session_of, session_secret
from contest.web.http import reader_of, settings_of
from contest.web.pages import csrf_of, db_of, error_page, pages_of

NO_REFERRER = {"Referrer-Policy": "no-referrer"}


def _judge_of(request: Request, token: str) -> Principal | None:
    found = who_is(reader_of(request), token, token_only=True)
    return found if found is not None and found.role == "judge" else None


def _home(request: Request, principal: Principal) -> Response:
    """On to the judge's page (the chief judge's card opens the chief's page), keeping ?lang=."""
    lang = normalize_locale(request.query_params.get("lang"))
    target = "/chief" if principal.chief else "/judge"
    return RedirectResponse(f"{target}?lang={lang}" if lang else target, status_code=303, headers=NO_REFERRER)


async def _sign_in(request: Request, token: str) -> Response:
    """A new session for `token` in this browser's cookie (the id only), then on to the judge's page."""
    started = await run_in_threadpool(
        lambda: credentials.start_session(
            db_of(request),
            token,
            hours=settings_of(request).session_hours,
            ip=request.client.host if request.client else "",
            device=request.headers.get("user-agent", ""),
        )
    )
    if started is None:
        return error_page(request, 401, "login")
    remember(request, started)
    return _home(request, started.principal)


async def login(request: Request) -> Response:
    token = request.path_params["token"]
    wanted = await run_in_threadpool(_judge_of, request, token) if len(token) <= MAX_CREDENTIAL else None
    if wanted is None:
        return error_page(request, 401, "login")  # a device signed in stays signed in
    current = await session_of(request)
    if current is None:
        return await _sign_in(request, token)
    if current.role == "judge" and (current.contest_id, current.judge) == (wanted.contest_id, wanted.judge):
        return _home(request, current)  # the same judge again: just go on
    names = await run_in_threadpool(credentials.judges_named, reader_of(request), current, wanted)
    context = {"current": names[0], "wanted": names[1], "csrf": csrf_of(request), "action": request.url.path}
    return pages_of(request).render(request, "switch_judge.html", context, headers=NO_REFERRER)


async def _form_csrf(request: Request) -> str:
    given = request.headers.get("x-csrf-token", "")
    if not given:
        try:
            form = await request.form()
        except Exception:  # not a form (a malformed or foreign body): no form token
            return ""
        value = form.get("csrf", "")
        given = value if isinstance(value, str) else ""
    return given


def _csrf_matches(request: Request, given: str) -> bool:
    expected = request.session.get(SESSION_CSRF)
    return isinstance(expected, str) and bool(expected) and hmac.compare_digest(given, expected)


async def confirm_switch(request: Request) -> Response:
    """The confirm button of the page that asks: the device's session ends and the link's judge signs in."""
    token = request.path_params["token"]
    if not _csrf_matches(request, await _form_csrf(request)):
        return RedirectResponse(request.url.path, status_code=303, headers=NO_REFERRER)  # ask again
    wanted = await run_in_threadpool(_judge_of, request, token) if len(token) <= MAX_CREDENTIAL else None
    if wanted is None:  # revoked meanwhile: the device stays as it is
        return error_page(request, 401, "login")
    await end_session_of(request, await session_of(request))
    return await _sign_in(request, token)


async def signout_page(request: Request) -> Response:
    current = await session_of(request)
    if current is None:
        request.session.pop(SESSION_ID, None)
        return pages_of(request).render(request, "signout.html", {"signed_in": False})
    names = await run_in_threadpool(credentials.judges_named, reader_of(request), current)
    return pages_of(request).render(
        request, "signout.html", {"signed_in": True, "current": names[0], "csrf": csrf_of(request)}
    )


async def signout(request: Request) -> Response:
    """End this device's session on the server and forget it here."""
    if session_secret(request) is not None:
        if not _csrf_matches(request, await _form_csrf(request)):
            return RedirectResponse("/signout", status_code=303)  # a stale page: ask again, with a fresh form
        await end_session_of(request, await session_of(request))
    request.session.clear()
    return RedirectResponse("/signout", status_code=303)


routes = [
    Route("/j/{token}", login, methods=["GET"]),
    Route("/j/{token}", confirm_switch, methods=["POST"]),
    Route("/signout", signout_page, methods=["GET"]),
    Route("/signout", signout, methods=["POST"]),
]
