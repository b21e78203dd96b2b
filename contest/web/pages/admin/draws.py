"""The console's blind codes (抽签加密) page: draw, print the sealed mapping, withdraw, decrypt after the lock.

GET  /admin/contests/{slug}/draws               the state: layers drawn (when, by whom, why), the log, the forms
POST /admin/contests/{slug}/draws               action=draw (layer, prefix, reason) | withdraw (reason) |
                                                decrypt (reason); then back to the page with what happened
GET  /admin/contests/{slug}/draws/sealed        the sealed mapping as a print-styled page (logged: "view")
GET  /admin/contests/{slug}/draws/sealed.pdf    the same as a PDF to seal in an envelope (logged: "print")

The mapping is shown to organizers only, behind a warning, and every showing or printing is logged with who and
when (contest/services/draws.py). Every form carries the session's form token.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.exports.draw_sheet import sealed_pdf
from contest.services import draws
from contest.services.errors import Invalid, Message, ServiceError
from contest.services.principals import Principal
from contest.web.http import db_of, hub_of, reader_of
from contest.web.pages import pages_of
from contest.web.pages.admin import console_page, field, message_text, posted, render, section

section("draws", "Blind codes", "/admin/contests/{slug}/draws", 35)

DONE = ("drawn", "withdrawn", "decrypted")


def _home(slug: str) -> str:
    return f"/admin/contests/{quote(slug, safe='')}/draws"


async def _page(request: Request, slug: str, *, error: ServiceError | None = None, done: str = "") -> Response:
    state = await run_in_threadpool(draws.status, reader_of(request), slug)
    context: dict[str, object] = {
        "state": state,
        "done": done if done in DONE else "",
        "error": message_text(request, error) if error is not None else "",
        "error_field": error.field if error is not None else "",
        "active": "draws",
    }
    return render(request, "admin/draws.html", context, slug=slug, status_code=error.status if error else 200)


@console_page
async def draws_page(request: Request, organizer: Principal) -> Response:
    return await _page(request, request.path_params["slug"], done=request.query_params.get("done", ""))


@console_page
async def draws_post(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    form = await posted(request)
    actor = draws.Actor.of(organizer)
    action, reason = field(form, "action"), field(form, "reason")
    try:
        if action == "draw":
            layer = {"1": 1, "2": 2}.get(field(form, "layer"), 0)
            prefix = field(form, "prefix").strip()
            done = await run_in_threadpool(
                lambda: draws.draw(db_of(request), actor, slug, layer, reason=reason, prefix=prefix)
            )
            version, outcome = done["version"], "drawn"
        elif action == "withdraw":
            version = await run_in_threadpool(lambda: draws.withdraw(db_of(request), actor, slug, reason=reason))
            outcome = "withdrawn"
        elif action == "decrypt":
            decrypted = await run_in_threadpool(lambda: draws.decrypt(db_of(request), actor, slug, reason=reason))
            version, outcome = decrypted["version"], "decrypted"
        else:
            return await _page(request, slug, error=Invalid(Message("choose what to do"), "action"))
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return await _page(request, slug, error=exc)
    hub_of(request).changed(slug, version)
    return RedirectResponse(f"{_home(slug)}?done={outcome}", status_code=303)


@console_page
async def sealed_page(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    found = await run_in_threadpool(draws.mapping, db_of(request), draws.Actor.of(organizer), slug)
    response = render(request, "admin/draws_sealed.html", {"mapping": found, "active": "draws"}, slug=slug)
    response.headers["cache-control"] = "no-store"
    return response


@console_page
async def sealed_pdf_download(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    actor = draws.Actor.of(organizer)
    found = await run_in_threadpool(lambda: draws.mapping(db_of(request), actor, slug, action="print"))
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    pdf = await run_in_threadpool(sealed_pdf, found, gettext)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{slug}-sealed-codes.pdf"',
            "cache-control": "no-store",
        },
    )


routes = [
    Route("/admin/contests/{slug}/draws", draws_page, methods=["GET"]),
    Route("/admin/contests/{slug}/draws", draws_post, methods=["POST"]),
    Route("/admin/contests/{slug}/draws/sealed", sealed_page, methods=["GET"]),
    Route("/admin/contests/{slug}/draws/sealed.pdf", sealed_pdf_download, methods=["GET"]),
]
