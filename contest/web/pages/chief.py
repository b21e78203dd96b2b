"""The chief judge's page (裁判长) and the JSON behind it. The chief judge signs in with the same QR link as every
judge (their token has chief = true); organizers may read the JSON with a bearer token and ?contest=SLUG.

GET /chief                 the page, on the round in progress (or ?round=KEY): progress grid, flags, entered values,
                           lock and unlock, breakdowns, the round's history
GET /chief/api/progress    ?round=KEY[&spread=POINTS][&contest=SLUG][&panel=KEY]: judge x entrant progress and flags
                           (one assigned panel's judges and entrants with panel=KEY) (or, for a
                           round of entered values, who still lacks one) and the round's events, newest first
GET /chief/api/explain     ?round=KEY&entrant=CODE[&contest=SLUG]: the entrant's breakdown, line by line, and as a
                           panel (total, rank, award, then each step named by labels)
GET /chief/api/verify      [?contest=SLUG]: this server's standings (every round, group and frozen board) against
                           a fresh computation from the stored marks (核对排名)

Entering values (POST /api/contests/{slug}/marks) and locking (PATCH /api/contests/{slug}/rounds/{key}) use the
JSON API as they are.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.scoring.messages import translated
from contest.services import reviewing
from contest.services.errors import Invalid, Message
from contest.services.principals import ROLES, Principal, require
from contest.services.verify import verify_server
from contest.web.auth import principal_of
from contest.web.http import gettext_of, reader_of
from contest.web.pages import boards_of, csrf_of, db_of, page, pages_of, session_principal

NO_STORE = {"Cache-Control": "no-store"}


async def _signed_in(request: Request) -> Principal:
    """The caller, refused (401) when signed out: the JSON below is for chief judges and organizers only."""
    principal = await principal_of(request)
    require(principal, *ROLES)
    return principal


def _check_params(request: Request, allowed: tuple[str, ...]) -> None:
    for key in request.query_params:
        if key not in allowed:
            raise Invalid(f"unknown parameter {key!r}; expected {', '.join(allowed)}", key)


@page()
async def chief_page(request: Request) -> Response:
    principal = await session_principal(request)
    home = await run_in_threadpool(reviewing.chief_home, db_of(request), principal)
    slug = home["contest"]["slug"]
    wanted = request.query_params.get("round")
    keys = [r["key"] for r in home["rounds"]]
    data = {
        **home,
        "round": wanted if wanted in keys else home["current"],
        "csrf": csrf_of(request),
        "urls": {
            "progress": "/chief/api/progress",
            "explain": "/chief/api/explain",
            "verify": "/chief/api/verify",
            "session": "/judge/api/session",
            "marks": f"/api/contests/{slug}/marks",
            "rounds": f"/api/contests/{slug}/rounds/",
            "judge": "/judge",
        },
    }
    return pages_of(request).render(request, "chief.html", {"home": home, "data": data})


async def progress(request: Request) -> Response:
    principal = await _signed_in(request)  # credentials before parameters: 401 before 422
    _check_params(request, ("round", "spread", "contest", "panel"))
    params = request.query_params
    spread = reviewing.parse_spread(params.get("spread"))
    payload = await run_in_threadpool(
        reviewing.progress,
        db_of(request),
        boards_of(request),
        principal,
        params.get("round") or None,
        params.get("contest") or None,
        spread,
        params.get("panel") or None,
    )
    return JSONResponse(payload, headers=NO_STORE)


async def explain(request: Request) -> Response:
    principal = await _signed_in(request)
    _check_params(request, ("round", "entrant", "contest"))
    params = request.query_params
    code = params.get("entrant", "").strip()
    if not code:
        raise Invalid(Message("name the entrant: ?entrant=CODE"), "entrant")
    payload = await run_in_threadpool(
        reviewing.explain_entrant,
        db_of(request),
        boards_of(request),
        principal,
        params.get("round") or None,
        code,
        params.get("contest") or None,
        gettext_of(request),
    )
    return JSONResponse(payload, headers=NO_STORE)


async def verify(request: Request) -> Response:
    """The running server's own boards against a fresh computation: agree, or each difference as a line of text in
    the page's language."""
    principal = await _signed_in(request)
    _check_params(request, ("contest",))
    slug = request.query_params.get("contest") or None
    found, _ = await run_in_threadpool(verify_server, reader_of(request), boards_of(request), principal, slug)
    gettext = gettext_of(request) or str
    payload = {
        "agree": found.agree,
        "version": found.version,
        "standings": found.standings,
        "summary": translated(found.summary(), gettext),
        "differences": [
            {
                "round": d.round,
                "group": d.group,
                "entrant": d.entrant,
                "field": d.field,
                "shown": d.shown,
                "fresh": d.fresh,
                "text": translated(d.message(), gettext),
            }
            for d in found.differences
        ],
    }
    return JSONResponse(payload, headers=NO_STORE)


routes = [
    Route("/chief", chief_page, methods=["GET"]),
    Route("/chief/api/progress", progress, methods=["GET"]),
    Route("/chief/api/explain", explain, methods=["GET"]),
    Route("/chief/api/verify", verify, methods=["GET"]),
]
