"""Creating a contest and changing its file.

GET  /admin/new                          the templates of fixtures/ (with their titles), an upload, a text area
POST /admin/new                          source = template (+ slug, title) | file | text: a rejected file comes
                                         back with its lines numbered and each problem under its line
GET  /admin/contests/{slug}/settings     the contest file in a text area, the marks stored, the changes recorded
POST /admin/contests/{slug}/settings     save: checked, then stored (services/revisions.py); after marks a reason
                                         is needed, and the page shows whose rank or total the change moved
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.demo import fixtures_dir
from contest.scoring import DefinitionError, parse_definition
from contest.scoring.messages import Message, translated
from contest.scoring.toml_lines import Annotated, annotate, line_of
from contest.services import contests, revisions
from contest.services.errors import Invalid, ServiceError
from contest.services.principals import Principal
from contest.web.http import hub_of, reader_of
from contest.web.pages import db_of, pages_of
from contest.web.pages.admin import MAX_FORM_BYTES, console_page, field, message_text, posted, render

MAX_TOML = 200_000  # characters of a contest file


@lru_cache(maxsize=1)
def templates() -> tuple[tuple[str, str, str], ...]:
    """(folder, slug, title) of every contest file under fixtures/."""
    found = []
    for path in sorted(fixtures_dir().glob("*/contest.toml")):
        try:
            definition = parse_definition(path.read_text(encoding="utf-8"))
        except (DefinitionError, OSError, UnicodeDecodeError):
            continue
        found.append((path.parent.name, definition.slug, definition.title))
    return tuple(found)


def template_text(folder: str) -> str | None:
    if folder not in {name for name, _, _ in templates()}:
        return None
    return (fixtures_dir() / folder / "contest.toml").read_text(encoding="utf-8")


def with_value(text: str, path: str, value: str) -> str:
    """`text` with the string at key `path` (written on a line of its own: `slug = "..."`) replaced by `value`."""
    number = line_of(text, path)
    lines = text.splitlines(keepends=True)
    if number is None or not lines[number - 1].lstrip().startswith(path.rsplit(".", 1)[-1]):
        return text
    key = lines[number - 1].split("=", 1)[0]
    lines[number - 1] = f"{key}= {json.dumps(value, ensure_ascii=False)}\n"
    return "".join(lines)


def problems_of(request: Request, exc: DefinitionError, text: str) -> Annotated:
    gettext = pages_of(request).gettext(pages_of(request).locale_of(request))
    return annotate(text, [(p.where, translated(p.message, gettext), p.line) for p in exc.problems])


def service_problem(request: Request, exc: ServiceError, text: str) -> Annotated:
    """A service's refusal placed on the line of the field it names (the whole file's when it names none)."""
    message = message_text(request, exc)
    where = exc.field or ""
    line = (line_of(text, where) or line_of(text, f"contest.{where}")) if where else None  # "slug": [contest]'s
    return annotate(text, [(where, message, line)])


async def _text_of(request: Request, source: str, form: Any) -> tuple[str, str]:
    """The contest file the form gives, and an error key ("" when fine)."""
    if source == "template":
        text = template_text(field(form, "template"))
        if text is None:
            return "", "template"
        for key in ("slug", "title"):
            value = field(form, key).strip()
            if value:
                text = with_value(text, f"contest.{key}", value)
        return text, ""
    if source == "file":
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return "", "file"
        data = await upload.read(MAX_FORM_BYTES + 1)
        if not data.strip():
            return "", "file"
        try:
            return data.decode("utf-8-sig"), ""
        except UnicodeDecodeError:
            return "", "encoding"
    if source == "text":
        text = field(form, "text")
        return (text, "") if text.strip() else ("", "text")
    return "", "source"


def _new_page(request: Request, **context: Any) -> Response:
    base = {"templates": templates(), "active": "new", "error": "", "annotated": None, "text": "", "message": ""}
    status = context.pop("status", 200)
    return render(request, "admin/contest_new.html", {**base, **context}, status_code=status)


@console_page
async def new_page(request: Request, organizer: Principal) -> Response:
    return _new_page(request)


@console_page
async def create(request: Request, organizer: Principal) -> Response:
    form = await posted(request)
    try:
        text, error = await _text_of(request, field(form, "source"), form)
    finally:
        await form.close()  # an upload's temporary file
    if error:
        return _new_page(request, error=error, status=422)
    if len(text) > MAX_TOML:
        return _new_page(request, error="size", status=422)
    try:
        parse_definition(text)
    except DefinitionError as exc:
        return _new_page(request, annotated=problems_of(request, exc, text), text=text, status=422)
    try:
        definition = await run_in_threadpool(contests.create_contest, db_of(request), text)
    except ServiceError as exc:
        return _new_page(request, annotated=service_problem(request, exc, text), text=text, status=exc.status)
    return RedirectResponse(f"/admin/contests/{definition.slug}/settings?created=1", status_code=303)


def _settings_page(request: Request, slug: str, found: dict[str, Any], **context: Any) -> Response:
    status = context.pop("status", 200)
    base = {"annotated": None, "revised": None, "created": request.query_params.get("created") == "1", "reason": ""}
    return render(
        request,
        "admin/contest_edit.html",
        {**found, **base, **context, "active": "settings"},
        slug=slug,
        status_code=status,
    )


@console_page
async def settings_page(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    found = await run_in_threadpool(revisions.settings_view, reader_of(request), slug)
    return _settings_page(request, slug, found)


@console_page
async def save(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    form = await posted(request)
    found = await run_in_threadpool(revisions.settings_view, reader_of(request), slug)
    text, reason = field(form, "text"), field(form, "reason")
    if len(text) > MAX_TOML:
        raise Invalid(Message("at most {most} characters", most=MAX_TOML), "text")
    try:
        parse_definition(text)
    except DefinitionError as exc:
        annotated = problems_of(request, exc, text)
        return _settings_page(request, slug, {**found, "text": text}, annotated=annotated, reason=reason, status=422)

    def revise() -> revisions.Revised:
        return revisions.revise_contest(
            db_of(request),
            organizer,
            slug,
            text,
            reason,
            ip=request.client.host if request.client else "",
            device=request.headers.get("user-agent", ""),
        )

    try:
        revised = await run_in_threadpool(revise)
    except ServiceError as exc:
        annotated = service_problem(request, exc, text)
        return _settings_page(
            request, slug, {**found, "text": text}, annotated=annotated, reason=reason, status=exc.status
        )
    hub_of(request).changed(slug, revised.version)  # screens get the standings under the new rules at once
    found = await run_in_threadpool(revisions.settings_view, reader_of(request), slug)
    return _settings_page(request, slug, found, revised=revised)


routes = [
    Route("/admin/new", new_page, methods=["GET"]),
    Route("/admin/new", create, methods=["POST"]),
    Route("/admin/contests/{slug}/settings", settings_page, methods=["GET"]),
    Route("/admin/contests/{slug}/settings", save, methods=["POST"]),
]
