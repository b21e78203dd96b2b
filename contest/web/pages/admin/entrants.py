"""The console's entrant import: upload an XLSX or CSV, see every row as it will be saved with its problems, then
confirm (nothing is saved before, and nothing half: the confirm checks everything again and saves all or none).

GET  /admin/contests/{slug}/entrants            the contest's entrants and the upload form
POST /admin/contests/{slug}/entrants/preview    the upload (file, mode add|replace): the preview page; the file
                                                waits in a server-side stash under a random id
POST /admin/contests/{slug}/entrants/confirm    the stash id: the import, then back to the list

Only a signed-in organizer gets here (contest/web/pages/admin: `console_page`); every form carries the session's
form token (CSRF).
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.imports import TableError
from contest.scoring.messages import Message
from contest.services import entrant_import
from contest.services.errors import Forbidden
from contest.services.principals import Principal
from contest.web.auth import SESSION_CSRF
from contest.web.http import reader_of
from contest.web.pages import db_of
from contest.web.pages.admin import console_page, posted, render, section

SHOWN_ENTRANTS = 500  # the list page shows this many; the count says how many there are

section("entrants", "Entrants", "/admin/contests/{slug}/entrants", 20)


async def upload_form(request: Request) -> FormData:
    """A multipart form with a file (up to MAX_UPLOAD), after checking its form token (Forbidden otherwise). The
    caller closes it."""
    if int(request.headers.get("content-length") or 0) > entrant_import.MAX_UPLOAD + 64 * 1024:
        raise Forbidden(Message("the form is too large"), "form")
    try:
        form = await request.form(max_files=2, max_fields=20)
    except Exception:
        raise Forbidden(Message("the page's form token does not match; reload the page"), "csrf") from None
    given = form.get("csrf", "")
    expected = request.session.get(SESSION_CSRF)
    if not (isinstance(given, str) and isinstance(expected, str) and expected and hmac.compare_digest(given, expected)):
        await form.close()
        raise Forbidden(Message("the page's form token does not match; reload the page"), "csrf")
    return form


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    full = {"active": "entrants", **context}
    return render(request, name, full, slug=str(context.get("slug", "")), status_code=status)


@console_page
async def entrants_page(request: Request, organizer: Principal) -> Response:
    listing = await run_in_threadpool(
        entrant_import.listing, reader_of(request), request.path_params["slug"], SHOWN_ENTRANTS
    )
    imported = request.query_params.get("imported", "")
    return _render(request, "admin/entrants.html", {**listing, "imported": imported if imported.isdigit() else ""})


async def _refused(request: Request, slug: str, error: Message | str, problems: list[Any]) -> Response:
    """The upload page again, with why the file was refused (422); nothing was saved."""
    listing = await run_in_threadpool(entrant_import.listing, reader_of(request), slug, SHOWN_ENTRANTS)
    return _render(
        request, "admin/entrants.html", {**listing, "imported": "", "error": error, "problems": problems}, 422
    )


def _problem_rows(error: TableError) -> list[dict[str, str]]:
    return [{"where": p.where, "message": p.message} for p in error.problems if p.where]


@console_page
async def preview(request: Request, organizer: Principal) -> Response:
    form = await upload_form(request)
    try:
        upload = form.get("file")
        mode = form.get("mode", "add")
        found = await upload.read(entrant_import.MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else b""
        filename = upload.filename if isinstance(upload, UploadFile) else None
    finally:
        await form.close()
    slug = request.path_params["slug"]
    if not filename:
        return await _refused(request, slug, Message("choose a file (.xlsx or .csv) to upload"), [])
    data = found
    name = filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    if len(data) > entrant_import.MAX_UPLOAD:
        too_big = Message("{file}: larger than {most}", file=name, most=f"{entrant_import.MAX_UPLOAD // 2**20} MB")
        return await _refused(request, slug, too_big, [])
    if mode not in entrant_import.MODES:
        return await _refused(request, slug, Message("expected a mode: {choices}", choices="add, replace"), [])
    try:
        plan = await run_in_threadpool(entrant_import.plan_import, db_of(request), slug, name, data, str(mode))
    except TableError as exc:
        return await _refused(request, slug, exc.title or exc.as_message(), _problem_rows(exc))
    key = await run_in_threadpool(entrant_import.stash, slug, name, str(mode), data) if plan.ok else ""
    listing = await run_in_threadpool(entrant_import.listing, reader_of(request), slug, SHOWN_ENTRANTS)
    status = 200 if plan.ok else 422
    return _render(request, "admin/entrants_preview.html", {**listing, **_plan_context(plan), "stash": key}, status)


def _plan_context(plan: entrant_import.Plan) -> dict[str, Any]:
    found = plan.preview
    return {
        "file": found.file,
        "mode": plan.mode,
        "headers": found.headers,
        "extra": found.extra,
        "rows": [
            {
                "row": r.row,
                "cells": r.cells,
                "attributes": r.attributes,
                "problems": [{"where": p.where, "message": p.message} for p in r.problems],
                "warnings": [{"where": p.where, "message": p.message} for p in r.warnings],
            }
            for r in found.rows
        ],
        "problem_count": len(found.problems),
        "warning_count": len(found.warnings),
        "added": len(plan.added),
        "updated": len(plan.updated),
        "removed": plan.removed[:50],
        "removed_count": len(plan.removed),
        "blocked": plan.blocked[:50],
        "ok": plan.ok,
        "existing": plan.existing,
    }


@console_page
async def confirm(request: Request, organizer: Principal) -> Response:
    form = await posted(request)
    slug = request.path_params["slug"]
    key = form.get("stash", "")
    found = await run_in_threadpool(entrant_import.unstash, key, slug) if isinstance(key, str) else None
    if found is None:
        gone = Message("this upload is no longer waiting (confirmed already, or over an hour old): upload it again")
        return await _refused(request, slug, gone, [])
    try:
        plan = await run_in_threadpool(
            entrant_import.apply_import, db_of(request), slug, found.name, found.data, found.mode
        )
    except TableError as exc:  # the contest changed since the preview: nothing was saved
        return await _refused(request, slug, exc.title or exc.as_message(), _problem_rows(exc))
    await run_in_threadpool(entrant_import.drop, str(key))
    count = len(plan.added) + len(plan.updated)
    return RedirectResponse(f"/admin/contests/{slug}/entrants?imported={count}", status_code=303)


routes = [
    Route("/admin/contests/{slug}/entrants", entrants_page, methods=["GET"]),
    Route("/admin/contests/{slug}/entrants/preview", preview, methods=["POST"]),
    Route("/admin/contests/{slug}/entrants/confirm", confirm, methods=["POST"]),
]
