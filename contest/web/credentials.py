"""The API of credentials: judges' logins revoked and re-issued, every token listed and revoked.

POST /api/contests/{slug}/judges/{code}/revoke    organizer, or the contest's chief judge (not for chief judges):
                                                  the judge's token(s) and signed-in devices end at once
POST /api/contests/{slug}/judges/{code}/reissue   the same, then a new token: {code, name, chief, token, login_url}
                                                  (?qr=svg adds the login link's QR code, an SVG data: URL)
GET  /api/contests/{slug}/judges/logins           every judge with their login's state (devices, last seen)
GET  /api/tokens[?role=organizer|recorder|judge]  organizer: every token (never its value), devices signed in
POST /api/tokens/{id}/revoke                      organizer: revoke one token and end its sessions

These sit in front of the `/api` mount of contest/web/api.py (app.py lists them first).
"""

from __future__ import annotations

import re
from typing import Any

import segno
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.services import credentials
from contest.services.errors import Invalid, Message
from contest.services.principals import require
from contest.web.auth import principal_of
from contest.web.http import db_of, reader_of, settings_of

NO_STORE = {"Cache-Control": "no-store"}
ID = re.compile(r"[0-9]{1,9}")


def _check_params(request: Request, allowed: tuple[str, ...]) -> None:
    for key in request.query_params:
        if key not in allowed:
            raise Invalid(Message("unknown parameter {name!r}", name=key), key)


async def revoke_judge(request: Request) -> Response:
    principal = await principal_of(request)
    require(principal, "organizer", "judge")  # who is asking first: signed out is 401, whatever else is wrong
    _check_params(request, ())
    slug, code = request.path_params["slug"], request.path_params["code"]
    done = await run_in_threadpool(credentials.revoke_judge, db_of(request), principal, slug, code)
    return JSONResponse({"code": done.code, "tokens": done.tokens, "sessions": done.sessions}, headers=NO_STORE)


async def reissue_judge(request: Request) -> Response:
    principal = await principal_of(request)
    require(principal, "organizer", "judge")
    _check_params(request, ("qr",))
    qr = request.query_params.get("qr")
    if qr not in (None, "svg"):
        raise Invalid("expected svg", "qr")
    slug, code = request.path_params["slug"], request.path_params["code"]
    done = await run_in_threadpool(credentials.reissue_judge, db_of(request), principal, slug, code)
    link = f"{settings_of(request).base_url}/j/{done.token}"
    body: dict[str, Any] = {
        "code": done.code,
        "name": done.name,
        "chief": done.chief,
        "token": done.token,
        "login_url": link,
    }
    if qr == "svg":
        body["qr"] = segno.make(link, error="m").svg_data_uri(scale=4, border=2)
    return JSONResponse(body, headers=NO_STORE)


async def judge_logins(request: Request) -> Response:
    principal = await principal_of(request)
    require(principal, "organizer", "judge")
    _check_params(request, ())
    found = await run_in_threadpool(
        credentials.judge_logins, reader_of(request), principal, request.path_params["slug"]
    )
    return JSONResponse({"judges": found}, headers=NO_STORE)


async def list_tokens(request: Request) -> Response:
    require(await principal_of(request), "organizer")
    _check_params(request, ("role",))
    found = await run_in_threadpool(credentials.list_tokens, reader_of(request), request.query_params.get("role"))
    return JSONResponse({"tokens": found}, headers=NO_STORE)


async def revoke_token(request: Request) -> Response:
    require(await principal_of(request), "organizer")
    _check_params(request, ())
    raw = request.path_params["id"]
    if not ID.fullmatch(raw):
        raise Invalid(Message("expected a whole number from 1"), "id")
    done = await run_in_threadpool(credentials.revoke_token, db_of(request), int(raw))
    return JSONResponse(done, headers=NO_STORE)


routes = [
    Route("/api/contests/{slug}/judges/logins", judge_logins, methods=["GET"]),
    Route("/api/contests/{slug}/judges/{code}/revoke", revoke_judge, methods=["POST"]),
    Route("/api/contests/{slug}/judges/{code}/reissue", reissue_judge, methods=["POST"]),
    Route("/api/tokens", list_tokens, methods=["GET"]),
    Route("/api/tokens/{id}/revoke", revoke_token, methods=["POST"]),
]
