"""The JSON API of blind codes (抽签加密, contest/services/draws.py), for organizers:

GET  /api/contests/{slug}/draws            the draws (without codes), the decryption and the log of the mapping
POST /api/contests/{slug}/draws            {"layer": 1|2, "reason"?, "prefix"?}: draw now; 201 with the codes
POST /api/contests/{slug}/draws/withdraw   {"reason"}: undo the draw before any mark (own codes back)
GET  /api/contests/{slug}/draws/mapping    the sealed mapping code -> entrant (each call is logged)
POST /api/contests/{slug}/decrypt          {"reason"}: release the names (解密); refused until every round is locked
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.scoring.text import clean_text
from contest.services import draws
from contest.services.principals import require
from contest.web import schemas
from contest.web.auth import principal_of
from contest.web.http import db_of, hub_of, parse_json, read_body, settings_of, validated

RequiredReason = Annotated[
    str,
    Field(
        min_length=1,
        max_length=schemas.MAX_REASON,
        json_schema_extra={"allOf": [{"pattern": schemas.TEXT_PATTERN}, {"pattern": "\\S"}]},
    ),
    AfterValidator(lambda value: clean_text(value, max_length=schemas.MAX_REASON, required=True)),
]
Prefix = Annotated[str, Field(max_length=8, pattern="^[A-Za-z0-9-]*$")]


class DrawIn(schemas.Body):
    """POST /api/contests/{slug}/draws: which layer to draw (1: seat numbers; 2: sealed codes on top of layer 1)."""

    layer: Literal[1, 2]
    reason: schemas.Reason = ""
    prefix: Prefix = ""


class ReasonIn(schemas.Body):
    """POST .../draws/withdraw and .../decrypt: why (kept with who and when)."""

    reason: RequiredReason


async def _actor(request: Request) -> draws.Actor:
    principal = await principal_of(request)
    require(principal, "organizer")
    return draws.Actor.of(principal)


async def _body(request: Request) -> object:
    return parse_json(await read_body(request, settings_of(request).max_json_bytes))


async def get_draws(request: Request) -> Response:
    await _actor(request)
    found = await run_in_threadpool(draws.status, db_of(request), request.path_params["slug"])
    return JSONResponse(found)


async def post_draw(request: Request) -> Response:
    actor = await _actor(request)
    wanted: DrawIn = validated(DrawIn, await _body(request))
    slug = request.path_params["slug"]
    done = await run_in_threadpool(
        lambda: draws.draw(db_of(request), actor, slug, wanted.layer, reason=wanted.reason, prefix=wanted.prefix)
    )
    hub_of(request).changed(slug, done["version"])
    return JSONResponse(done, status_code=201)


async def post_withdraw(request: Request) -> Response:
    actor = await _actor(request)
    wanted: ReasonIn = validated(ReasonIn, await _body(request))
    slug = request.path_params["slug"]
    version = await run_in_threadpool(lambda: draws.withdraw(db_of(request), actor, slug, reason=wanted.reason))
    hub_of(request).changed(slug, version)
    return JSONResponse({"version": version})


async def get_mapping(request: Request) -> Response:
    actor = await _actor(request)
    slug = request.path_params["slug"]
    found = await run_in_threadpool(lambda: draws.mapping(db_of(request), actor, slug, action="view"))
    return JSONResponse(found, headers={"cache-control": "no-store"})


async def post_decrypt(request: Request) -> Response:
    actor = await _actor(request)
    wanted: ReasonIn = validated(ReasonIn, await _body(request))
    slug = request.path_params["slug"]
    done = await run_in_threadpool(lambda: draws.decrypt(db_of(request), actor, slug, reason=wanted.reason))
    hub_of(request).changed(slug, done["version"])
    return JSONResponse(done)


async def draws_root(request: Request) -> Response:
    """One route for both methods of the path, so a method it does not take hears 405 with both in `Allow`."""
    return await (post_draw(request) if request.method == "POST" else get_draws(request))


routes = [
    Route("/api/contests/{slug}/draws", draws_root, methods=["GET", "POST"]),
    Route("/api/contests/{slug}/draws/withdraw", post_withdraw, methods=["POST"]),
    Route("/api/contests/{slug}/draws/mapping", get_mapping, methods=["GET"]),
    Route("/api/contests/{slug}/decrypt", post_decrypt, methods=["POST"]),
]
