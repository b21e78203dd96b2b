"""Public pages of what a contest hands out: checking a certificate, and the published award list (公示).

GET /verify/{serial}                       is this certificate genuine? (the QR code on each certificate opens it):
                                           genuine (200), genuine but its award no longer holds after a correction
                                           (200, said so), or refused: not a serial, altered, or not issued here (404)
GET /contests/{slug}/announcement          the award list as published, with the date and objection period (公示期)
GET /contests/{slug}/announcement.pdf      the same as a PDF (the CJK font embedded and subset)

Both are public and zh-CN first (``?lang=en``); the award list exists only once an organizer has published it,
which needs the final round locked (contest/services/announcements.py).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contest.exports.announcement import announcement_pdf
from contest.exports.certificates import long_date
from contest.services import announcements, serials
from contest.services.errors import Message, NotFound
from contest.web.http import reader_of
from contest.web.pages import boards_of, page, pages_of

SLUG = re.compile(r"[a-z0-9-]{1,64}")


@page()
async def verify_page(request: Request) -> Response:
    serial = request.path_params["serial"]
    verdict = await run_in_threadpool(serials.verify, reader_of(request), boards_of(request), serial)
    status = 200 if verdict.state in ("genuine", "changed") else 404
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    issued = long_date(verdict.issued, gettext) if verdict.issued is not None else ""
    context = {"verdict": verdict, "issued": issued}
    return pages.render(request, "verify.html", context, status_code=status)


async def _published(request: Request) -> announcements.Published:
    slug = request.path_params["slug"]
    if not SLUG.fullmatch(slug):
        raise NotFound(_in_language(request, Message("no contest {slug!r}", slug=slug[:64])), "slug")
    try:
        return await run_in_threadpool(announcements.published, reader_of(request), slug)
    except NotFound as exc:
        raise NotFound(_in_language(request, exc.message), "slug") from None


def _in_language(request: Request, message: str) -> str:
    pages = pages_of(request)
    return message.translated(pages.gettext(pages.locale_of(request))) if isinstance(message, Message) else message


@page()
async def announcement_page(request: Request) -> Response:
    found = await _published(request)
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    dates = {"start": long_date(found.published_on, gettext), "end": long_date(found.objection_ends, gettext)}
    return pages.render(request, "announcement.html", {"found": found, **dates})


@page()
async def announcement_file(request: Request) -> Response:
    found = await _published(request)
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    data = await run_in_threadpool(announcement_pdf, found, gettext)
    name = f"{found.slug}-announcement-v{found.version}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


routes = [
    Route("/verify/{serial}", verify_page),
    Route("/contests/{slug}/announcement", announcement_page),
    Route("/contests/{slug}/announcement.pdf", announcement_file),
]
