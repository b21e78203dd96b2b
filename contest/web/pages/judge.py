"""The judge's tablet: the QR login link, the scoring page, and the JSON queue behind it.

GET /j/{token}          the QR code's link: signs this device in (session cookie) and goes on to /judge
GET /judge              the page: rounds, the queue of entrants, the scoring form (static/judge.js)
GET /judge/api/queue    ?round=KEY[&contest=SLUG]: the queue as JSON (blind contests: entrant codes only)
GET /judge/api/session  the session's form token again, for a page whose token went stale
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from contest.language import normalize_locale
from contest.services import judging
from contest.services.principals import Principal, authenticate
from contest.web.auth import SESSION_CSRF, SESSION_TOKEN, new_csrf, principal_of
from contest.web.pages import boards_of, csrf_of, db_of, error_page, page, pages_of, session_principal

MAX_TOKEN = 200


def _login(db: sessionmaker[Session], token: str) -> Principal | None:
    with db() as session:
        return authenticate(session, token)


async def login(request: Request) -> Response:
    """The QR link: a valid judge token signs the device in and goes on to the judge's (or chief's) page."""
    token = request.path_params["token"]
    found = await run_in_threadpool(_login, db_of(request), token) if len(token) <= MAX_TOKEN else None
    if found is None or found.role != "judge":
        request.session.pop(SESSION_TOKEN, None)
        return error_page(request, 401, "login")
    request.session.clear()
    request.session[SESSION_TOKEN] = token
    request.session[SESSION_CSRF] = new_csrf()
    lang = normalize_locale(request.query_params.get("lang"))
    page = "/chief" if found.chief else "/judge"  # the chief judge's card opens the chief's page
    target = f"{page}?lang={lang}" if lang else page
    return RedirectResponse(target, status_code=303, headers={"Referrer-Policy": "no-referrer"})


@page()
async def judge_page(request: Request) -> Response:
    principal = await session_principal(request)
    home = await run_in_threadpool(judging.judge_home, db_of(request), principal)
    data = {
        **home,
        "round": judging.default_round(home),
        "csrf": csrf_of(request),
        "urls": {
            "queue": "/judge/api/queue",
            "session": "/judge/api/session",
            "marks": f"/api/contests/{home['contest']['slug']}/marks",
            "chief": "/chief" if principal.chief else None,
        },
    }
    return pages_of(request).render(request, "judge.html", {"home": home, "data": data})


async def queue(request: Request) -> Response:
    """JSON: the judge's queue for ?round=KEY (default: the first round)."""
    principal = await principal_of(request)
    params = request.query_params
    payload = await run_in_threadpool(
        judging.judge_queue,
        db_of(request),
        boards_of(request),
        principal,
        params.get("round") or None,
        params.get("contest") or None,
    )
    return JSONResponse(payload, headers={"Cache-Control": "no-store"})


async def session_info(request: Request) -> Response:
    """JSON: who this device is signed in as and the session's form token (X-CSRF-Token)."""
    principal = await session_principal(request)
    return JSONResponse(
        {"judge": principal.judge, "chief": principal.chief, "csrf": csrf_of(request)},
        headers={"Cache-Control": "no-store"},
    )


routes = [
    Route("/j/{token}", login, methods=["GET"]),
    Route("/judge", judge_page, methods=["GET"]),
    Route("/judge/api/queue", queue, methods=["GET"]),
    Route("/judge/api/session", session_info, methods=["GET"]),
]
