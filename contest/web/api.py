"""The JSON API (SPEC section 5). Each endpoint: who is asking, read and check the body, one service call in the
threadpool (which commits), then the answer."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.exports.tables import safe_text
from contest.imports import TableError, entrants_of
from contest.language import accepted_locale
from contest.scoring import Entrant
from contest.services import audit, contests, marks, rounds, standings
from contest.services.errors import Invalid, Message, ServiceError, Unauthorized
from contest.services.principals import require
from contest.web import schemas
from contest.web.auth import credential_of, principal_of
from contest.web.http import (
    boards_of,
    db_of,
    hub_of,
    parse_json,
    read_body,
    reader_of,
    settings_of,
    validated,
    writer_of,
)


async def create_contest(request: Request) -> Response:
    require(await principal_of(request), "organizer")
    body = await read_body(request, settings_of(request).max_upload_bytes)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the contest file must be UTF-8 text", "body") from None
    definition = await run_in_threadpool(contests.create_contest, db_of(request), text)
    return JSONResponse({"slug": definition.slug}, status_code=201)


def _entrants_from_json(data: Any) -> list[Entrant]:
    """The JSON list of entrants, checked by its model (contest/web/schemas.py: the text policy of every path)."""
    people: list[schemas.EntrantIn] = validated(
        schemas.ENTRANTS_IN, data, overrides={"body": Message("expected a list of entrants")}
    )
    return [Entrant(p.code, p.name, p.organization, p.group, dict(p.attributes)) for p in people]


async def put_entrants(request: Request) -> Response:
    require(await principal_of(request), "organizer")
    slug = request.path_params["slug"]
    body = await read_body(request, settings_of(request).max_upload_bytes)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        entrants = _entrants_from_json(parse_json(body))
    else:
        name = "entrants.xlsx" if "spreadsheet" in kind or body[:4] == b"PK\x03\x04" else "entrants.csv"
        try:
            entrants = await run_in_threadpool(entrants_of, name, body)
        except TableError as exc:
            first = exc.problems[0] if exc.problems else None
            raise Invalid(
                exc.as_message(), first.where if first else "body", details=[str(p) for p in exc.problems]
            ) from None
    count = await run_in_threadpool(contests.put_entrants, db_of(request), slug, entrants)
    hub_of(request).changed(slug)
    return JSONResponse({"count": count})


NO_JUDGES = Message('expected a non-empty list of judges: [{{"code", "name"}}]')


async def create_judges(request: Request) -> Response:
    require(await principal_of(request), "organizer")
    slug = request.path_params["slug"]
    data = parse_json(await read_body(request, settings_of(request).max_json_bytes))
    judges: list[schemas.JudgeIn] = validated(schemas.JUDGES_IN, data, overrides={"body": NO_JUDGES})
    wanted = [(j.code, j.name, j.chief) for j in judges]
    created = await run_in_threadpool(contests.create_judges, db_of(request), slug, wanted)
    hub_of(request).changed(slug)  # a new judge joins the default panels
    base = settings_of(request).base_url
    return JSONResponse(
        [{"code": j.code, "token": j.token, "login_url": f"{base}/j/{j.token}", "chief": j.chief} for j in created],
        status_code=201,
    )


NO_VALUES = Message('expected an object of 1 to 200 criterion: value pairs, e.g. {{"execution": "8.5"}}')


async def submit_marks(request: Request) -> Response:
    """Marks go to the writer with the caller's token unchecked: it authenticates every submission of a batch
    in one query, inside the transaction that stores them (one hop, no thread of our own per request)."""
    token = credential_of(request)
    if token is None:
        raise Unauthorized("sign in: send Authorization: Bearer TOKEN", "authorization")
    try:
        wanted = await _mark_request(request)
    except ServiceError:
        require(await principal_of(request), *marks.SENDERS)  # who may not send marks hears that first
        raise
    receipt = await writer_of(request).write(token, request.path_params["slug"], wanted)
    body = {"stored": receipt.created, "version": receipt.seq, "corrected": list(receipt.corrected)}
    return JSONResponse(body, status_code=201 if receipt.created else 200)


async def _mark_request(request: Request) -> marks.MarkRequest:
    """The body checked by its model (contest/web/schemas.py `MarkIn`: texts and numbers by the input policy:
    item bounded by `parse_whole`, values read by `parse_decimal`)."""
    data = parse_json(await read_body(request, settings_of(request).max_json_bytes))
    mark: schemas.MarkIn = validated(schemas.MarkIn, data, overrides={"values": NO_VALUES})
    return marks.MarkRequest(
        entrant=mark.entrant,
        round=mark.round,
        item=mark.item,
        values=dict(mark.values),
        client_id=mark.client_id,
        reason=mark.reason,
        judge=mark.judge,
        ip=request.client.host if request.client else "",
        device=request.headers.get("user-agent", "")[:300],
    )


async def patch_round(request: Request) -> Response:
    principal = await principal_of(request)
    require(principal, "organizer", "judge")
    data = parse_json(await read_body(request, settings_of(request).max_json_bytes))
    change: schemas.RoundChange = validated(schemas.RoundChange, data)
    slug = request.path_params["slug"]
    view = await run_in_threadpool(
        lambda: rounds.set_round(
            db_of(request),
            principal,
            slug,
            request.path_params["key"],
            status=change.status,
            board=change.board,
            reason=change.reason,
            reveal_by=change.reveal_by,
            reveal=change.reveal,
        )
    )
    hub_of(request).changed(slug, view.version)
    reveal = None if view.reveal_by is None else {"by": view.reveal_by, "step": view.reveal_step}
    return JSONResponse(
        {
            "round": view.round,
            "status": view.status,
            "board": view.board,
            "frozen_version": view.frozen_version,
            "version": view.version,
            "reveal": reveal,
        }
    )


async def live_stats(request: Request) -> Response:
    """The live hub of this worker: sockets, distinct views, contests watched, sockets behind (organizers)."""
    require(await principal_of(request), "organizer")
    return JSONResponse(hub_of(request).stats())


async def get_standings(request: Request) -> Response:
    principal = await principal_of(request)
    # the query checked by its model (schemas.StandingsQuery; limit by the number policy's parse_whole)
    params: schemas.StandingsQuery = validated(schemas.StandingsQuery, dict(request.query_params), query=True)
    view = standings.View(
        request.path_params["slug"],
        params.round,
        params.group,
        params.limit,
        params.entrant,
        organizer=principal.is_organizer,
        language=accepted_locale(request.headers.get("accept-language", "")),  # the rows' issues in it
    )
    payload = await run_in_threadpool(standings.standings, boards_of(request), view)
    return JSONResponse(payload)


async def history(request: Request) -> Response:
    """Every version of every mark: who, when, from where, old and new value, and why. ?format=csv for Excel."""
    principal = await principal_of(request)
    require(principal, "organizer")
    slug = request.path_params["slug"]
    query: schemas.HistoryQuery = validated(schemas.HistoryQuery, dict(request.query_params), query=True)

    found = await run_in_threadpool(audit.history, reader_of(request), principal, slug)
    if query.format == "csv":
        out = io.StringIO()
        versions = found["marks"]
        columns = list(versions[0]) if versions else ["version", "at", "entrant", "round", "item", "criterion", "judge"]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in versions:
            writer.writerow([safe_text("" if row[c] is None else str(row[c])) for c in columns])
        return Response(
            "\ufeff" + out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{slug}-history.csv"'},
        )
    return JSONResponse(found)


# full paths, not a Mount("/api"): a mount would answer 404 for a method a path does not take (DELETE /api/live),
# where each route answers 405 with the methods it takes in `Allow`
routes = [
    Route("/api/contests", create_contest, methods=["POST"]),
    Route("/api/contests/{slug}/entrants", put_entrants, methods=["PUT"]),
    Route("/api/contests/{slug}/judges", create_judges, methods=["POST"]),
    Route("/api/contests/{slug}/marks", submit_marks, methods=["POST"]),
    Route("/api/contests/{slug}/rounds/{key}", patch_round, methods=["PATCH"]),
    Route("/api/contests/{slug}/standings", get_standings, methods=["GET"]),
    Route("/api/contests/{slug}/history", history, methods=["GET"]),
    Route("/api/live", live_stats, methods=["GET"]),
]
