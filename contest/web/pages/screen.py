"""The audience's boards and the organizer's control page, all fed by the standings WebSocket.

GET /screen/{slug}          the venue screen (projector, LED wall): ?round= &group= &limit= &rounds=a,b
                            &contests=x,y &theme=dark|light &rows=N (rows a page); static/screen.js
GET /screen/{slug}/qr.svg   the QR code of the phone page, made here (segno), never fetched from elsewhere
GET /live/{slug}            the phone page: the same board, search, follow one entrant; static/live.js
GET /control/{slug}         the organizer's control page (token in the URL fragment); static/control.js
GET /control/{slug}/rounds  JSON: every round's label, status and board state (what the public sees anyway)

The pages carry no data of the board: the scripts open /ws/contests/{slug}/standings and draw what it sends, so a
page served before the board was shown comes alive when it is. Unknown query parameters are ignored (WeChat adds
its own, such as ?from=singlemessage).
"""

from __future__ import annotations

import io
import re
from typing import Any

import segno
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.services import rounds
from contest.services.errors import Message, NotFound
from contest.web.http import settings_of
from contest.web.i18n import PAGE_HEADERS
from contest.web.pages import db_of, page, pages_of

Json = dict[str, Any]

SLUG = re.compile(r"[a-z0-9-]{1,64}")
THEMES = ("dark", "light")
ROWS_PER_PAGE = 10  # big rows a page on the venue screen: legible from the back of the hall (see README)
PAGE_SECONDS = 10
MAX_LIMIT = 1000  # as the standings socket allows
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def default_round(brief: Json) -> str:
    """The round a screen shows when not told: the first round still open (the one in progress), else the last."""
    rounds: list[Json] = brief["rounds"]
    found: str = next((r["key"] for r in rounds if r["status"] == "open"), rounds[-1]["key"])
    return found


def _slugs(raw: str | None) -> list[str]:
    if not raw:
        return []
    found = [part.strip() for part in raw.split(",") if part.strip()]
    return list(dict.fromkeys(found))[:20]


def _int(raw: str | None, low: int, high: int) -> int | None:
    if raw is None or not re.fullmatch(r"[0-9]{1,7}", raw.strip()):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _missing(request: Request, message: Message, field: str) -> NotFound:
    """NotFound with its message in the page's language (the error page shows it)."""
    pages = pages_of(request)
    return NotFound(message.translated(pages.gettext(pages.locale_of(request))), field)


async def _brief(request: Request, slug: str) -> Json:
    if not SLUG.fullmatch(slug):
        raise _missing(request, Message("no contest {slug!r}", slug=slug), "slug")
    try:
        brief: Json = await run_in_threadpool(rounds.brief, db_of(request), slug)
    except NotFound:
        raise _missing(request, Message("no contest {slug!r}", slug=slug), "slug") from None
    return brief


def public_base(request: Request) -> str:
    """Where phones reach this server: CONTEST_PUBLIC_URL, else the address the screen itself used (a screen opened
    on the server machine as localhost points phones at the machine's network address instead)."""
    settings = settings_of(request)
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if request.url.hostname in LOCAL_HOSTS and settings.host in ("0.0.0.0", "::"):
        return settings.base_url
    return str(request.base_url).rstrip("/")


def _headers(request: Request) -> dict[str, str]:
    """The pages' usual headers; connect-src also names this host's ws:/wss: (older WebViews, such as X5, do not
    count WebSockets to the same host as 'self')."""
    host = request.headers.get("host", "")
    if not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]{1,255}", host):
        return {}
    csp = PAGE_HEADERS["Content-Security-Policy"].replace(
        "connect-src 'self'", f"connect-src 'self' ws://{host} wss://{host}"
    )
    return {"Content-Security-Policy": csp}


def _view(slug: str, round_key: str, group: str | None) -> Json:
    return {"contest": slug, "round": round_key, "group": group}


@page()
async def screen_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    params = request.query_params
    brief = await _brief(request, slug)
    group = (params.get("group") or "").strip() or None
    views: list[Json] = []
    wanted_rounds = _slugs(params.get("rounds"))
    keys = [r["key"] for r in brief["rounds"]]
    asked = (params.get("round") or "").strip()
    if wanted_rounds:
        unknown = [k for k in wanted_rounds if k not in keys]
        if unknown:
            raise _missing(request, Message("no round {round!r}", round=unknown[0]), "round")
        views = [_view(slug, k, group) for k in wanted_rounds]
    elif asked:
        if asked not in keys:
            raise _missing(request, Message("no round {round!r}", round=asked), "round")
        views = [_view(slug, asked, group)]
    else:
        views = [_view(slug, default_round(brief), group)]
    titles = {slug: brief["title"]}
    for other in _slugs(params.get("contests")):
        if other == slug:
            continue
        found = await _brief(request, other)
        titles[other] = found["title"]
        views.append(_view(other, default_round(found), None))
    theme = params.get("theme") if params.get("theme") in THEMES else "dark"
    rows = _int(params.get("rows"), 4, 30) or ROWS_PER_PAGE
    live = f"{public_base(request)}/live/{slug}"
    data = {
        "page": "screen",
        "contest": slug,
        "title": brief["title"],
        "titles": titles,
        "labels": {r["key"]: r["label"] for r in brief["rounds"]},
        "views": views,
        "limit": _int(params.get("limit"), 1, MAX_LIMIT),
        "rows": rows,
        "page_seconds": PAGE_SECONDS,
        "live_url": live,
        "urls": {"ws": "/ws/contests/", "api": "/api/contests/"},
    }
    context = {"brief": brief, "data": data, "theme": theme, "rows": rows, "live_url": live}
    return pages_of(request).render(request, "screen.html", context, headers=_headers(request))


async def qr_svg(request: Request) -> Response:
    """The phone page's QR code as SVG: dark modules on white with a quiet zone, readable on a dark screen."""
    slug = request.path_params["slug"]
    await _brief(request, slug)  # 404 for an unknown contest
    code = segno.make(f"{public_base(request)}/live/{slug}", error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False)
    return Response(
        out.getvalue(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@page()
async def live_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    params = request.query_params
    brief = await _brief(request, slug)
    keys = [r["key"] for r in brief["rounds"]]
    asked = (params.get("round") or "").strip()
    round_key = asked if asked in keys else default_round(brief)
    data = {
        "page": "live",
        "contest": slug,
        "title": brief["title"],
        "round": round_key,
        "group": (params.get("group") or "").strip() or None,
        "rounds": [{"key": r["key"], "label": r["label"]} for r in brief["rounds"]],
        "limit": _int(params.get("limit"), 1, MAX_LIMIT),
        "urls": {"ws": "/ws/contests/", "api": "/api/contests/"},
    }
    return pages_of(request).render(
        request, "live.html", {"brief": brief, "data": data, "round": round_key}, headers=_headers(request)
    )


@page()
async def control_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    brief = await _brief(request, slug)
    asked = (request.query_params.get("round") or "").strip()
    keys = [r["key"] for r in brief["rounds"]]
    data = {
        "page": "control",
        "contest": slug,
        "title": brief["title"],
        "round": asked if asked in keys else default_round(brief),
        "rounds": brief["rounds"],
        "urls": {
            "ws": "/ws/contests/",
            "api": "/api/contests/",
            "rounds": f"/control/{slug}/rounds",
            "screen": f"/screen/{slug}",
            "live": f"/live/{slug}",
        },
    }
    return pages_of(request).render(request, "control.html", {"brief": brief, "data": data}, headers=_headers(request))


async def rounds_json(request: Request) -> Response:
    """Every round's label, status and board state (the standings tell the public as much)."""
    brief = await _brief(request, request.path_params["slug"])
    return JSONResponse(brief, headers={"Cache-Control": "no-store"})


routes = [
    Route("/screen/{slug}", screen_page, methods=["GET"]),
    Route("/screen/{slug}/qr.svg", qr_svg, methods=["GET"]),
    Route("/live/{slug}", live_page, methods=["GET"]),
    Route("/control/{slug}", control_page, methods=["GET"]),
    Route("/control/{slug}/rounds", rounds_json, methods=["GET"]),
]
