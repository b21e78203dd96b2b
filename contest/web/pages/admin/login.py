"""Signing an organizer in and out of the console.

GET  /admin/login            the sign-in page: paste the organizer token; a printed link /admin/login?token=...
                             fills it in but still asks to confirm (a link opened from another site never signs a
                             browser in by itself: login CSRF)
POST /admin/login            token + the page's form token: a new login session; on to /admin (or ?next=)
POST /admin/signout          with the form token: the session ends on the server
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.services.console import start_organizer_session
from contest.services.errors import ServiceError
from contest.services.principals import MAX_CREDENTIAL
from contest.web.auth import end_session_of, remember, session_of
from contest.web.http import settings_of
from contest.web.pages import csrf_of, db_of, pages_of
from contest.web.pages.admin import field, organizer_of, posted

NO_REFERRER = {"Referrer-Policy": "no-referrer"}


def _next(raw: str) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    return raw if raw.startswith("/admin") and not raw.startswith("//") and "\\" not in raw else "/admin"


def _form(request: Request, *, token: str = "", error: str = "", status: int = 200) -> Response:
    context = {
        "token": token,
        "error": error,
        "next": _next(request.query_params.get("next", "")),
        "csrf": csrf_of(request),
        "menu": [],
        "slug": "",
    }
    return pages_of(request).render(request, "admin/login.html", context, status_code=status, headers=NO_REFERRER)


async def login_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    return _form(request, token=token if len(token) <= MAX_CREDENTIAL else "")


async def login(request: Request) -> Response:
    try:
        form = await posted(request)
    except ServiceError:
        return _form(request, error="stale", status=403)  # a fresh form token comes with the page
    token = field(form, "token").strip()
    target = _next(field(form, "next"))
    if not token:
        return _form(request, error="empty", status=422)
    started = None
    if len(token) <= MAX_CREDENTIAL:
        started = await run_in_threadpool(
            lambda: start_organizer_session(
                db_of(request),
                token,
                hours=settings_of(request).session_hours,
                ip=request.client.host if request.client else "",
                device=request.headers.get("user-agent", ""),
            )
        )
    if started is None:
        return _form(request, error="invalid", status=401)
    await end_session_of(request, await session_of(request))  # whoever was signed in here (a judge too) is out
    remember(request, started)
    return RedirectResponse(target, status_code=303, headers=NO_REFERRER)


async def signout(request: Request) -> Response:
    try:
        await posted(request)
    except ServiceError:
        return RedirectResponse("/admin", status_code=303)
    await end_session_of(request, await organizer_of(request))
    return RedirectResponse("/admin/login", status_code=303)


routes = [
    Route("/admin/login", login_page, methods=["GET"]),
    Route("/admin/login", login, methods=["POST"]),
    Route("/admin/signout", signout, methods=["POST"]),
]
