"""Browser pages: the judge's tablet (`judge`) and the chief judge's page (`chief`), server-rendered with Jinja2
(zh-CN first) and driven by plain scripts under static/ that fetch JSON. No build step, nothing from a CDN.

Helpers shared by the pages live here: where templates/ and static/ are (the checkout's, else the copies shipped in
the wheel under contest/_data), who a page's visitor is (the session cookie from the judge's QR link), and error
pages instead of tracebacks.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from contest.services.errors import Message, ServiceError, Unauthorized
from contest.services.principals import Principal
from contest.web.auth import SESSION_CSRF, SESSION_ID, new_csrf, principal_of, session_secret
from contest.web.http import boards_of, db_of
from contest.web.i18n import Pages

__all__ = ["boards_of", "db_of"]  # re-exported for the page modules

PACKAGE = Path(__file__).resolve().parents[2]  # contest/
log = logging.getLogger("contest.web.pages")


def resource_dir(name: str) -> Path:
    """templates/ or static/: at the root of a checkout when there, else inside the installed package."""
    checkout = PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    shipped = PACKAGE / "_data" / name
    if shipped.is_dir():
        return shipped
    raise FileNotFoundError(f"{name}/ is missing: neither {checkout / name} nor {shipped} exists")


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def csrf_of(request: Request) -> str:
    """The session's form token, made on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = new_csrf()
        request.session[SESSION_CSRF] = token
    return token


async def session_principal(request: Request) -> Principal:
    """A page's visitor: only the session cookie counts (pages are opened from the QR link, not with a header)."""
    request.session.pop("token", None)  # a cookie of the versions that kept the judge's token in it: dropped
    if session_secret(request) is None:
        raise Unauthorized(Message("no login on this device: scan the judge's QR code"), "session")
    return await principal_of(request)


def error_page(request: Request, status: int, kind: str, detail: str = "") -> Response:
    """A friendly page for `kind` (login, expired, forbidden, not_chief, missing, broken) in the visitor's language."""
    return pages_of(request).render(
        request, "login_error.html", {"kind": kind, "status": status, "detail": detail}, status_code=status
    )


Endpoint = Callable[[Request], Awaitable[Response]]


def page(kind_of_401: str = "login") -> Callable[[Endpoint], Endpoint]:
    """Wrap a page endpoint: service errors become a friendly page with their status, anything else a 500 page
    (logged), never a traceback."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        async def wrapped(request: Request) -> Response:
            try:
                return await endpoint(request)
            except ServiceError as exc:
                if exc.status == 401:
                    kind = kind_of_401 if exc.field == "session" else "expired"
                    if kind == "expired":
                        request.session.pop(SESSION_ID, None)
                    return error_page(request, 401, kind)
                if exc.status == 403:
                    return error_page(request, 403, "forbidden", exc.message)
                if exc.status == 404:
                    return error_page(request, 404, "missing", exc.message)
                return error_page(request, exc.status, "broken", exc.message)
            except Exception:
                log.exception("page %s failed", request.url.path)
                return error_page(request, 500, "broken")

        wrapped.__name__ = endpoint.__name__
        wrapped.__doc__ = endpoint.__doc__
        return wrapped

    return wrap
