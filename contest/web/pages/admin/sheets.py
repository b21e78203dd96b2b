"""The console's score sheets page (评分表): download the printable sheets of a round per judge, per entrant, all of
them, or blank ones to fill in by hand, and check a digest printed at the foot of a sheet.

GET  /admin/contests/{slug}/sheets            ?round=KEY: the round's judges and entrants with their download links
GET  /admin/contests/{slug}/sheets.pdf        ?round=KEY&by=judge|entrant|blank[&code=CODE]: the PDF (one judge's or
                                              entrant's sheet with code, else all of them)
POST /admin/contests/{slug}/sheets/check      digest (form, with the form token): does any current sheet of a locked
                                              round give this digest? (the marks it showed are still those stored)

Each PDF reads one consistent version of the contest and names it (in the file name and on every page).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contest.exports.sheets import sheets_pdf
from contest.scoring.messages import translated
from contest.services import sheets
from contest.services.errors import Invalid, Message, ServiceError
from contest.services.principals import Principal
from contest.web.http import reader_of
from contest.web.pages import pages_of
from contest.web.pages.admin import console_page, field, posted, render, section

BY = ("judge", "entrant", "blank")
PARAMS = ("round", "by", "code", "lang")

section("sheets", "Score sheets", "/admin/contests/{slug}/sheets", 70)


def _params(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    for key in request.query_params:
        if key not in allowed:
            raise Invalid(
                Message("unknown parameter {key!r}; expected {known}", key=key, known=", ".join(allowed)), key
            )
    return {k: v[:100] for k, v in request.query_params.items()}


def _overview(request: Request, slug: str, round_key: str | None) -> dict[str, Any]:
    found = sheets.gather(reader_of(request), slug, round_key or None)
    rounds = [{"key": r.key, "label": r.label} for r in found.definition.rounds]
    return {
        "title": found.title,
        "version": found.version,
        "round": found.round,
        "round_label": found.round_label,
        "rounds": rounds,
        "locked": found.locked,
        "judges": [
            {"code": j.code, "name": j.name, "entrants": len({line.entrant for line in j.lines}), "digest": j.digest}
            for j in found.judges
        ],
        "entrants": [
            {
                "code": e.code,
                "name": e.name,
                "rank": e.sheet.row.rank,
                "total": "—" if e.sheet.row.total is None else f"{e.sheet.row.total:f}",
                "digest": e.digest,
            }
            for e in found.entrants
        ],
        "blanks": len(found.blanks),
    }


@console_page
async def sheets_page(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    params = _params(request, ("round", "lang"))
    context = await run_in_threadpool(_overview, request, slug, params.get("round"))
    return render(request, "admin/sheets.html", {**context, "check": None}, slug=slug)


def _file_name(slug: str, round_key: str, by: str, code: str, version: int) -> str:
    middle = "-".join(p for p in (slug, round_key, by, code) if p)
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in middle)
    return f"{safe}-v{version}.pdf"


def _pdf(request: Request, slug: str, params: dict[str, str]) -> tuple[bytes, str]:
    by = params.get("by", "entrant")
    if by not in BY:
        raise Invalid(Message("expected one of {known}, got {got!r}", known=", ".join(BY), got=by), "by")
    code = params.get("code") or None
    found = sheets.gather(reader_of(request), slug, params.get("round") or None)
    chosen = sheets.select(found, "judge" if by == "blank" else by, code)
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    data = sheets_pdf(chosen, "judge" if by == "blank" else by, blank=by == "blank", gettext=gettext)
    return data, _file_name(slug, found.round, by, code or "", found.version)


@console_page
async def sheets_download(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    params = _params(request, PARAMS)
    data, name = await run_in_threadpool(_pdf, request, slug, params)
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(data, media_type="application/pdf", headers=headers)


@console_page
async def sheets_check(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    form = await posted(request)
    raw = field(form, "digest")[:200]
    round_key = field(form, "round") or None
    context = await run_in_threadpool(_overview, request, slug, round_key)
    try:
        found = await run_in_threadpool(sheets.check_digest, reader_of(request), slug, raw)
    except ServiceError as exc:
        if exc.field != "digest":
            raise
        pages = pages_of(request)
        why = translated(exc.message, pages.gettext(pages.locale_of(request)))
        check = {"error": why, "digest": raw, "ok": False, "matches": []}
        return render(request, "admin/sheets.html", {**context, "check": check}, slug=slug, status_code=422)
    labels = {r["key"]: r["label"] for r in context["rounds"]}
    check = {
        "error": None,
        "digest": found.digest,
        "ok": found.ok,
        "version": found.version,
        "matches": [{"round": labels.get(r, r), "by": k, "code": c} for r, k, c in found.matches],
        "locked_rounds": list(found.locked_rounds),
    }
    return render(request, "admin/sheets.html", {**context, "check": check}, slug=slug)


routes = [
    Route("/admin/contests/{slug}/sheets", sheets_page, methods=["GET"]),
    Route("/admin/contests/{slug}/sheets.pdf", sheets_download, methods=["GET"]),
    Route("/admin/contests/{slug}/sheets/check", sheets_check, methods=["POST"]),
]
