"""The organizer console, /admin: pages for organizers signed in with an organizer token (a server-side login
session like a judge's device; the cookie holds only the session id and the form token).

Every module of this package that has `routes` is mounted (`routes()` below finds them), and each may add a
section to the console's menu with `section(...)` at import: the menu is built from what exists. Helpers here:
`console_page` (only a signed-in organizer gets through; anyone else goes to the sign-in page), `posted` (a form
whose form token matches the session's, or Forbidden), and `render` (a console page with its menu).
"""

from __future__ import annotations

import hmac
import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from contest.scoring.messages import translated
from contest.services.errors import Forbidden, Message, ServiceError
from contest.services.principals import Principal
from contest.web.auth import SESSION_CSRF, session_of
from contest.web.pages import csrf_of, error_page, log, pages_of

MAX_FORM_BYTES = 1_000_000  # a contest file or a form: far more than any real one


@dataclass(frozen=True)
class Section:
    """A link of the console's menu. `path` is a format string: `{slug}` is the contest's (a per-contest section);
    without it the link is the event's. `label` is an English msgid, translated when the menu is shown."""

    key: str
    label: str
    path: str
    order: int = 100

    @property
    def per_contest(self) -> bool:
        return "{slug}" in self.path

    def href(self, slug: str = "") -> str:
        return self.path.format(slug=quote(slug, safe=""))


_SECTIONS: dict[str, Section] = {}


def section(key: str, label: str, path: str, order: int = 100) -> None:
    """Add (or replace) a section of the console's menu: `section("entrants", "Entrants", "/admin/c/{slug}/...")`."""
    _SECTIONS[key] = Section(key, label, path, order)


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


# the core's sections; the others' modules add theirs (entrants, judges, exports ...) when they are imported
section("overview", "Overview", "/admin", 0)
section("settings", "Settings and rules", "/admin/contests/{slug}/settings", 10)
section("rounds", "Rounds", "/admin/contests/{slug}/rounds", 40)
section("audit", "Audit", "/admin/contests/{slug}/audit", 50)


def routes() -> list[BaseRoute]:
    """The routes of every module of this package (importing them also registers their sections)."""
    found: list[BaseRoute] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "routes", []))
    return found


# -- signed-in organizers only --------------------------------------------------------------------------------------

Endpoint = Callable[[Request], Awaitable[Response]]
OrganizerEndpoint = Callable[[Request, Principal], Awaitable[Response]]


async def organizer_of(request: Request) -> Principal | None:
    """The organizer this browser's session signs in, or None."""
    found = await session_of(request)
    return found if found is not None and found.is_organizer else None


def console_page(endpoint: OrganizerEndpoint) -> Endpoint:
    """Only a signed-in organizer reaches `endpoint` (others are sent to /admin/login); a service error becomes a
    friendly page with its status, anything else a logged 500 page, never a traceback."""

    async def wrapped(request: Request) -> Response:
        try:
            organizer = await organizer_of(request)
            if organizer is None:
                if request.method == "GET":
                    return RedirectResponse(f"/admin/login?next={quote(request.url.path)}", status_code=303)
                return error_page(request, 401, "login")
            return await endpoint(request, organizer)
        except ServiceError as exc:
            kinds = {401: "login", 403: "forbidden", 404: "missing"}
            return error_page(request, exc.status, kinds.get(exc.status, "broken"), exc.message)
        except Exception:
            log.exception("console page %s failed", request.url.path)
            return error_page(request, 500, "broken")

    wrapped.__name__ = endpoint.__name__
    wrapped.__doc__ = endpoint.__doc__
    return wrapped


async def posted(request: Request) -> FormData:
    """The form of a POST, after checking its form token against the session's (Forbidden when it differs)."""
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise Forbidden(Message("the form is too large"), "form")
    try:
        form = await request.form(max_part_size=MAX_FORM_BYTES)
    except Exception:
        raise Forbidden(Message("the page's form token does not match; reload the page"), "csrf") from None
    given = form.get("csrf", "")
    expected = request.session.get(SESSION_CSRF)
    if not (isinstance(given, str) and isinstance(expected, str) and expected and hmac.compare_digest(given, expected)):
        raise Forbidden(Message("the page's form token does not match; reload the page"), "csrf")
    return form


def message_text(request: Request, exc: ServiceError) -> str:
    """A service error's message in the page's language."""
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    return translated(exc.message, gettext) if isinstance(exc.message, Message) else str(exc.message)


def field(form: FormData, name: str) -> str:
    """A text field of the form ("" when missing or a file)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def render(
    request: Request, name: str, context: dict[str, object], *, slug: str = "", status_code: int = 200
) -> Response:
    """A console page: its template with the menu (the event's sections, and the contest's when `slug` is given)
    and the form token."""
    menu = [
        {"key": s.key, "label": s.label, "href": s.href(slug), "contest": s.per_contest}
        for s in sections()
        if slug or not s.per_contest
    ]
    full = {"menu": menu, "slug": slug, "csrf": csrf_of(request), **context}
    return pages_of(request).render(request, name, full, status_code=status_code)
