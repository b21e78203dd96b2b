"""The console's judges: the contest's judges with their login's state, adding judges, re-issuing or revoking a
judge's login, and printing every judge's QR login card (PDF).

GET  /admin/contests/{slug}/judges                  the list (login valid or not, devices signed in, last seen)
POST /admin/contests/{slug}/judges                  add a judge (code, name, chief): their login link and QR, once
POST /admin/contests/{slug}/judges/{code}/reissue   a new login; the old link and card stop working at once
POST /admin/contests/{slug}/judges/{code}/revoke    the login ends; the judge's devices are signed out
POST /admin/contests/{slug}/judges/cards            with confirm=yes: the cards PDF; every judge's login is
                                                    re-issued (a card needs the token, which is kept only hashed)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.exports.cards import Card, cards_pdf
from contest.services import contests, credentials
from contest.services.cards import reissue_for_cards
from contest.services.errors import Message, ServiceError
from contest.services.principals import Principal
from contest.web.http import reader_of, settings_of
from contest.web.pages import db_of, pages_of
from contest.web.pages.admin import console_page, field, message_text, posted, render, section

section("judges", "Judges", "/admin/contests/{slug}/judges", 30)

NOTICES = ("revoked", "printed")
FIELDS = {"code": "Code", "name": "Name"}  # a refused field, named as the form labels it


async def _list(
    request: Request, organizer: Principal, *, error: str = "", form: dict[str, str] | None = None, status: int = 200
) -> Response:
    slug = request.path_params["slug"]
    found = await run_in_threadpool(credentials.judge_logins, reader_of(request), organizer, slug)
    title = await run_in_threadpool(contests.title_of, reader_of(request), slug)
    notice = request.query_params.get("done", "")
    context: dict[str, Any] = {
        "title": title,
        "judges": found,
        "error": error,
        "form": form or {"code": "", "name": "", "chief": ""},
        "notice": notice if notice in NOTICES else "",
        "who": request.query_params.get("code", "")[:64],
    }
    return render(request, "admin/judges.html", {**context, "active": "judges"}, slug=slug, status_code=status)


def _link(request: Request, token: str) -> str:
    return f"{settings_of(request).base_url}/j/{token}"


def _issued(request: Request, slug: str, title: str, people: list[dict[str, Any]], kind: str) -> Response:
    """The page that shows new login links and their QR codes, once (the tokens are not kept)."""
    for person in people:
        person["qr"] = segno.make(person["link"], error="m").svg_data_uri(scale=4, border=2)
    context: dict[str, object] = {"title": title, "people": people, "kind": kind, "active": "judges"}
    return render(request, "admin/judges_issued.html", context, slug=slug)


@console_page
async def judges_page(request: Request, organizer: Principal) -> Response:
    return await _list(request, organizer)


@console_page
async def add_judge(request: Request, organizer: Principal) -> Response:
    form = await posted(request)
    slug = request.path_params["slug"]
    code, name = field(form, "code").strip(), field(form, "name").strip()
    chief = field(form, "chief") == "yes"
    wanted = {"code": code, "name": name, "chief": "yes" if chief else ""}
    if not code:
        return await _list(request, organizer, error=Message("code: must not be empty"), form=wanted, status=422)
    try:
        made = await run_in_threadpool(contests.create_judges, db_of(request), slug, [(code, name, chief)])
    except ServiceError as exc:
        where = FIELDS.get(exc.field.rsplit(".", 1)[-1], "") if exc.field else ""
        pages = pages_of(request)
        where = pages.gettext(pages.locale_of(request))(where) if where else ""
        text = message_text(request, exc)
        return await _list(
            request, organizer, error=f"{where}: {text}" if where else text, form=wanted, status=exc.status
        )
    title = await run_in_threadpool(contests.title_of, reader_of(request), slug)
    people = [{"code": j.code, "name": j.name, "chief": j.chief, "link": _link(request, j.token)} for j in made]
    return _issued(request, slug, title, people, "added")


@console_page
async def reissue(request: Request, organizer: Principal) -> Response:
    await posted(request)
    slug, code = request.path_params["slug"], request.path_params["code"]
    done = await run_in_threadpool(credentials.reissue_judge, db_of(request), organizer, slug, code)
    title = await run_in_threadpool(contests.title_of, reader_of(request), slug)
    people = [{"code": done.code, "name": done.name, "chief": done.chief, "link": _link(request, done.token)}]
    return _issued(request, slug, title, people, "reissued")


@console_page
async def revoke(request: Request, organizer: Principal) -> Response:
    await posted(request)
    slug, code = request.path_params["slug"], request.path_params["code"]
    await run_in_threadpool(credentials.revoke_judge, db_of(request), organizer, slug, code)
    target = f"/admin/contests/{quote(slug, safe='')}/judges?done=revoked&code={quote(code, safe='')}"
    return RedirectResponse(target, status_code=303)


@console_page
async def print_cards(request: Request, organizer: Principal) -> Response:
    form = await posted(request)
    slug = request.path_params["slug"]
    if field(form, "confirm") != "yes":
        why = Message("tick the box: printing gives every judge a new QR code and the old ones stop working")
        return await _list(request, organizer, error=why, status=422)
    try:
        printed = await run_in_threadpool(reissue_for_cards, db_of(request), organizer, slug, None)
    except ServiceError as exc:
        return await _list(request, organizer, error=message_text(request, exc), status=exc.status)
    found = [Card(j.code, j.name, j.chief, _link(request, j.token)) for j in printed.judges]
    data = await run_in_threadpool(lambda: cards_pdf(printed.title, found))
    filename = f"judge-cards-{slug}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename=\"{quote(filename)}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


routes = [
    Route("/admin/contests/{slug}/judges", judges_page, methods=["GET"]),
    Route("/admin/contests/{slug}/judges", add_judge, methods=["POST"]),
    Route("/admin/contests/{slug}/judges/cards", print_cards, methods=["POST"]),
    Route("/admin/contests/{slug}/judges/{code}/reissue", reissue, methods=["POST"]),
    Route("/admin/contests/{slug}/judges/{code}/revoke", revoke, methods=["POST"]),
]
