"""The console's panels page (评委分组 / 回避): who judges whom in each round, judges' loads, recused pairs in force,
a draw, an upload and the downloads of the assignments, and the log of every change.

GET  /admin/contests/{slug}/panels          each round's groups (judges, entrants, items), loads, recused pairs;
                                            the forms; the log (contest/services/assignment_overview.py)
POST /admin/contests/{slug}/panels/draw     round, seed, method (judges|panels), reason: `assignments.draw`, the
                                            same function as POST /api/contests/{slug}/assignments/draw
POST /admin/contests/{slug}/panels/upload   file (.csv/.xlsx), reason: the same reading and storing as PUT
                                            /api/contests/{slug}/assignments

The downloads are the API's own GET (?format=csv|xlsx), which the organizer's session may read. Every form carries
the session's form token; a refused form comes back with the error next to its field and nothing changed.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.scoring.messages import translated
from contest.services import assignment_files, assignment_overview, assignments
from contest.services.draws import Actor
from contest.services.entrant_import import MAX_UPLOAD  # the console's upload form's limit (upload_form)
from contest.services.errors import Invalid, Message, ServiceError
from contest.services.principals import Principal
from contest.web.http import db_of, hub_of, reader_of
from contest.web.pages import pages_of
from contest.web.pages.admin import console_page, field, message_text, posted, render, section
from contest.web.pages.admin.entrants import upload_form

section("panels", "Panels", "/admin/contests/{slug}/panels", 30)

MAX_SEED = 2**63 - 1  # as the API's
DONE = ("drawn", "uploaded")
UPLOAD_NAMES = (".csv", ".xlsx")


def _home(slug: str) -> str:
    return f"/admin/contests/{quote(slug, safe='')}/panels"


async def _page(
    request: Request,
    slug: str,
    *,
    error: ServiceError | None = None,
    form: str = "",
    given: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    found = await run_in_threadpool(assignment_overview.overview, reader_of(request), slug)
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    for rnd in found["rounds"]:  # the recusal's reasons in the page's language
        rnd["recused"] = [translated(why, gettext) for why in rnd["recused"]]
    context: dict[str, Any] = {
        **found,
        "active": "panels",
        "done": done if done in DONE else "",
        "given": {"round": "", "seed": str(secrets.randbelow(MAX_SEED)), "method": "", "reason": "", **(given or {})},
        "error": message_text(request, error) if error is not None else "",
        "error_field": (error.field or "") if error is not None else "",
        "error_form": form if error is not None else "",
        "error_details": error.details[:20] if error is not None else [],
    }
    status = error.status if error is not None else 200
    return render(request, "admin/panels.html", context, slug=slug, status_code=status)


@console_page
async def panels_page(request: Request, organizer: Principal) -> Response:
    return await _page(request, request.path_params["slug"], done=request.query_params.get("done", ""))


def _seed(text: str) -> int:
    raw = text.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_SEED:
        raise Invalid(
            Message("the seed is a whole number from 0 to {most}, got {raw!r}", most=MAX_SEED, raw=raw[:40]), "seed"
        )
    return int(raw)


@console_page
async def draw_post(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    form = await posted(request)
    given = {k: field(form, k)[:1000] for k in ("round", "seed", "method", "reason")}
    actor = Actor.of(organizer)
    try:
        seed = _seed(given["seed"])
        method = given["method"] or "judges"
        done = await run_in_threadpool(
            lambda: assignments.draw(
                db_of(request), actor, slug, given["round"], seed=seed, method=method, reason=given["reason"]
            )
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return await _page(request, slug, error=exc, form="draw", given=given)
    hub_of(request).changed(slug, done["version"])
    return RedirectResponse(f"{_home(slug)}?done=drawn#panels-log", status_code=303)


@console_page
async def upload_post(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    form = await upload_form(request)
    try:
        upload = form.get("file")
        reason = field(form, "reason")[:1000]
        body = await upload.read(MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else b""
        filename = upload.filename if isinstance(upload, UploadFile) else None
    finally:
        await form.close()
    given = {"reason": reason}
    actor = Actor.of(organizer)
    try:
        name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
        if not name:
            raise Invalid(Message("choose a file (.xlsx or .csv) to upload"), "file")
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in UPLOAD_NAMES:
            raise Invalid(
                Message("{file}: expected a .csv or .xlsx file, got {suffix}", file=name, suffix=suffix), "file"
            )
        if len(body) > MAX_UPLOAD:
            raise Invalid(Message("{file}: larger than {most}", file=name, most=f"{MAX_UPLOAD // 2**20} MB"), "file")
        raw = await run_in_threadpool(assignment_files.table_rows, name, body)
        rows = await run_in_threadpool(assignment_files.assigned_rows, db_of(request), slug, raw)
        done = await run_in_threadpool(lambda: assignments.replace(db_of(request), actor, slug, rows, reason=reason))
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return await _page(request, slug, error=exc, form="upload", given=given)
    hub_of(request).changed(slug, done["version"])
    return RedirectResponse(f"{_home(slug)}?done=uploaded#panels-log", status_code=303)


routes = [
    Route("/admin/contests/{slug}/panels", panels_page, methods=["GET"]),
    Route("/admin/contests/{slug}/panels/draw", draw_post, methods=["POST"]),
    Route("/admin/contests/{slug}/panels/upload", upload_post, methods=["POST"]),
]
