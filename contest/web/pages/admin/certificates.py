"""The console's certificates and award-list page.

GET  /admin/contests/{slug}/certificates               the page: the final round's state, the certificate form and
                                                      the award list (公示) form, the published list if any
POST /admin/contests/{slug}/certificates               issuer, date, everyone: the PDF (SLUG-certificates-vN.pdf)
POST /admin/contests/{slug}/announcement               days, issuer, date: publish (or publish again) the 公示
POST /admin/contests/{slug}/announcement/withdraw      take the published list down

Both need the final round locked. Garbage in a field is answered with the page again (422), naming the field;
nothing is issued or published. The organizer's own font and background image are for the command line
(`contest certificates --font --background`); the console uses the shipped Noto Serif SC.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.exports.certificates import CertificateError, write_certificates
from contest.scoring.messages import Message
from contest.services import announcements, serials
from contest.services.errors import Invalid, NotFound, ServiceError
from contest.services.principals import Principal
from contest.web.pages import boards_of, db_of, pages_of
from contest.web.pages.admin import console_page, field, posted, render, section
from contest.web.pages.screen import public_base

section("certificates", "Certificates and award list", "/admin/contests/{slug}/certificates", 62)


def _state(request: Request, slug: str) -> dict[str, Any]:
    definition, key, version, rows, status = serials.final_standing(boards_of(request), slug)
    try:
        found: announcements.Published | None = announcements.published(db_of(request), slug)
    except NotFound:
        found = None
    return {
        "title": definition.title,
        "round": definition.round(key).label or key,
        "locked": status == "locked",
        "version": version,
        "winners": sum(1 for r in rows if r.award is not None),
        "entrants": len(rows),
        "published": found,
        "today": date.today().isoformat(),
        "days": announcements.DEFAULT_DAYS,
    }


async def _page(
    request: Request, slug: str, *, error: Message | str = "", error_field: str = "", status: int = 200
) -> Response:
    context = await run_in_threadpool(_state, request, slug)
    context.update({"active": "certificates", "error": error, "error_field": error_field})
    context["form"] = dict(request.query_params) if request.method == "GET" else {}
    return render(request, "admin/certificates.html", context, slug=slug, status_code=status)


@console_page
async def certificates_page(request: Request, organizer: Principal) -> Response:
    return await _page(request, request.path_params["slug"])


@console_page
async def certificates_file(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    form = await posted(request)
    pages = pages_of(request)
    locale = field(form, "lang") if field(form, "lang") in ("zh_CN", "en") else pages.locale_of(request)
    gettext = pages.gettext(locale)
    try:
        issuer = announcements.checked_issuer(field(form, "issuer")) or gettext("Organizing Committee")
        on = announcements.checked_date(field(form, "date"))
        everyone = field(form, "everyone") == "1"
        found = await run_in_threadpool(
            serials.issue, db_of(request), boards_of(request), slug, everyone=everyone, on=on
        )
        if not found.holders:
            raise Invalid(Message("nobody to give a certificate to: no award in the final standing"), "everyone")
        out = io.BytesIO()
        base = public_base(request)
        await run_in_threadpool(lambda: write_certificates(found, out, base_url=base, issuer=issuer, gettext=gettext))
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return await _page(request, slug, error=exc.message, error_field=exc.field or "", status=422)
    except CertificateError as exc:
        return await _page(request, slug, error=exc.message, error_field=exc.field, status=422)
    name = f"{slug}-certificates-v{found.version}.pdf"
    headers = {"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}", "cache-control": "no-store"}
    return Response(out.getvalue(), media_type="application/pdf", headers=headers)


@console_page
async def publish(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    form = await posted(request)
    try:
        days = announcements.checked_days(field(form, "days"))
        issuer = announcements.checked_issuer(field(form, "issuer"))
        on = announcements.checked_date(field(form, "date"))
        await run_in_threadpool(
            lambda: announcements.publish(
                db_of(request), boards_of(request), organizer, slug, days=days, issuer=issuer, on=on
            )
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return await _page(request, slug, error=exc.message, error_field=exc.field or "", status=422)
    return RedirectResponse(f"/admin/contests/{quote(slug)}/certificates?published=1", status_code=303)


@console_page
async def withdraw(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    await posted(request)
    await run_in_threadpool(announcements.withdraw, db_of(request), organizer, slug)
    return RedirectResponse(f"/admin/contests/{quote(slug)}/certificates", status_code=303)


routes = [
    Route("/admin/contests/{slug}/certificates", certificates_page, methods=["GET"]),
    Route("/admin/contests/{slug}/certificates", certificates_file, methods=["POST"]),
    Route("/admin/contests/{slug}/announcement", publish, methods=["POST"]),
    Route("/admin/contests/{slug}/announcement/withdraw", withdraw, methods=["POST"]),
]
