"""GET /admin/contests/{slug}/audit: every version of every mark, newest first, filtered by round, judge, entrant
and time range (?round=&judge=&entrant=&from=&to=&page=), with who, when, address, device, reason, old -> new;
100 a page. The CSV of the whole history is the API's (/api/contests/{slug}/history?format=csv, which the
organizer's session may read)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contest.services import audit
from contest.services.errors import ServiceError
from contest.services.principals import Principal
from contest.web.http import reader_of
from contest.web.pages.admin import console_page, message_text, render


@console_page
async def audit_page(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    params = {k: v for k, v in request.query_params.items()}
    try:
        wanted = audit.AuditFilter.parse(params)
    except ServiceError as exc:
        empty = audit.AuditPage([], 0, 1, 1)
        context = {
            "page": empty,
            "wanted": _shown(params),
            "previous": "",
            "next": "",
            "error": message_text(request, exc),
            "error_field": exc.field,
        }
        return _render(request, slug, context, status=exc.status)
    found = await run_in_threadpool(audit.audit, reader_of(request), organizer, slug, wanted)
    query = wanted.query()

    def link(page: int) -> str:
        return f"?{urlencode({**query, 'page': page})}"

    context = {
        "page": found,
        "wanted": _shown(query),
        "previous": link(found.page - 1) if found.page > 1 else "",
        "next": link(found.page + 1) if found.page < found.pages else "",
        "error": "",
        "error_field": "",
    }
    return _render(request, slug, context)


def _shown(params: dict[str, str]) -> dict[str, str]:
    """The filter's fields as the form shows them again."""
    return {name: params.get(name, "")[:64] for name in ("round", "judge", "entrant", "from", "to")}


def _render(request: Request, slug: str, context: dict[str, object], *, status: int = 200) -> Response:
    csv = f"/api/contests/{quote(slug, safe='')}/history?format=csv"
    return render(
        request, "admin/audit.html", {**context, "csv": csv, "active": "audit"}, slug=slug, status_code=status
    )


routes = [Route("/admin/contests/{slug}/audit", audit_page, methods=["GET"])]
