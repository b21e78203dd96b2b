"""The JSON API (SPEC section 5). Each endpoint: who is asking, read and check the body, one service call in the
threadpool (which commits), then the answer."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.db import queries
from contest.exports.tables import safe_text
from contest.imports import TableError, entrants_of
from contest.scoring import Entrant
from contest.services import contests, marks, rounds, standings
from contest.services.errors import Invalid, ServiceError, Unauthorized
from contest.services.principals import require
from contest.web.auth import credential_of, principal_of
from contest.web.http import (
    boards_of,
    check_keys,
    db_of,
    decimal_field,
    hub_of,
    parse_json,
    read_body,
    reader_of,
    settings_of,
    text_field,
    writer_of,
)

MAX_LIMIT = 1000


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
    if not isinstance(data, list):
        raise Invalid("expected a list of entrants", "body")
    found = []
    for index, item in enumerate(data):
        where = f"[{index}]."
        check_keys(item, ("code", "name", "organization", "group", "attributes"), ("code",), where)
        attributes = item.get("attributes", {})
        if not isinstance(attributes, dict) or not all(isinstance(v, str) for v in attributes.values()):
            raise Invalid("attributes must map names to texts", f"{where}attributes")
        try:
            found.append(
                Entrant(
                    text_field(item, "code", max_length=64),
                    text_field(item, "name", required=False),
                    text_field(item, "organization", max_length=300, required=False),
                    text_field(item, "group", max_length=100, required=False),
                    attributes,
                )
            )
        except Invalid as exc:
            raise Invalid(exc.message, f"{where}{exc.field}") from None
    return found


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
                exc.message, first.where if first else "body", details=[str(p) for p in exc.problems]
            ) from None
    count = await run_in_threadpool(contests.put_entrants, db_of(request), slug, entrants)
    hub_of(request).changed(slug)
    return JSONResponse({"count": count})


async def create_judges(request: Request) -> Response:
    require(await principal_of(request), "organizer")
    slug = request.path_params["slug"]
    data = parse_json(await read_body(request, settings_of(request).max_json_bytes))
    if not isinstance(data, list) or not data:
        raise Invalid('expected a non-empty list of judges: [{"code", "name"}]', "body")
    wanted = []
    for index, item in enumerate(data):
        check_keys(item, ("code", "name", "chief"), ("code",), f"[{index}].")
        chief = item.get("chief", False)
        if not isinstance(chief, bool):
            raise Invalid("expected true or false", f"[{index}].chief")
        try:
            wanted.append((text_field(item, "code", max_length=64), text_field(item, "name", required=False), chief))
        except Invalid as exc:
            raise Invalid(exc.message, f"[{index}].{exc.field}") from None
    created = await run_in_threadpool(contests.create_judges, db_of(request), slug, wanted)
    hub_of(request).changed(slug)  # a new judge joins the default panels
    base = settings_of(request).base_url
    return JSONResponse(
        [{"code": j.code, "token": j.token, "login_url": f"{base}/j/{j.token}", "chief": j.chief} for j in created],
        status_code=201,
    )


MARK_KEYS = ("entrant", "round", "item", "values", "client_id", "reason", "judge")


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
    data = check_keys(
        parse_json(await read_body(request, settings_of(request).max_json_bytes)),
        MARK_KEYS,
        ("entrant", "round", "values", "client_id"),
    )
    item = data.get("item", 1)
    if isinstance(item, bool) or not isinstance(item, int) or item < 1:
        raise Invalid("expected a whole number from 1", "item")
    values = data["values"]
    if not isinstance(values, dict) or not values:
        raise Invalid('expected an object of criterion: value, e.g. {"execution": "8.5"}', "values")
    if len(values) > 200:
        raise Invalid("too many values in one submission", "values")
    return marks.MarkRequest(
        entrant=text_field(data, "entrant", max_length=64),
        round=text_field(data, "round", max_length=64),
        item=item,
        values={str(k): decimal_field(v, f"values.{k}") for k, v in values.items()},
        client_id=text_field(data, "client_id", max_length=100),
        reason=text_field(data, "reason", max_length=1000, required=False),
        judge=text_field(data, "judge", max_length=64, required=False),
        ip=request.client.host if request.client else "",
        device=request.headers.get("user-agent", "")[:300],
    )


async def patch_round(request: Request) -> Response:
    principal = await principal_of(request)
    require(principal, "organizer", "judge")
    data = check_keys(
        parse_json(await read_body(request, settings_of(request).max_json_bytes)),
        ("status", "board", "reason", "reveal_by", "reveal"),
        (),
    )
    for key in ("status", "board", "reveal_by"):
        if key in data and not isinstance(data[key], str):
            raise Invalid("expected text", key)
    step = data.get("reveal")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        raise Invalid("expected a whole number from 0", "reveal")
    slug = request.path_params["slug"]
    view = await run_in_threadpool(
        lambda: rounds.set_round(
            db_of(request),
            principal,
            slug,
            request.path_params["key"],
            status=data.get("status"),
            board=data.get("board"),
            reason=text_field(data, "reason", max_length=1000, required=False),
            reveal_by=data.get("reveal_by"),
            reveal=step,
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
    params = request.query_params
    for key in params:
        if key not in ("round", "group", "limit", "entrant"):
            raise Invalid(f"unknown parameter {key!r}", key)
    raw_limit = params.get("limit", "100")
    if not re.fullmatch(r"[0-9]{1,7}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise Invalid(f"expected a whole number from 1 to {MAX_LIMIT}", "limit")
    view = standings.View(
        request.path_params["slug"],
        params.get("round"),
        params.get("group"),
        int(raw_limit),
        params.get("entrant"),
        organizer=principal.is_organizer,
    )
    payload = await run_in_threadpool(standings.standings, boards_of(request), view)
    return JSONResponse(payload)


async def history(request: Request) -> Response:
    """Every version of every mark: who, when, from where, old and new value, and why. ?format=csv for Excel."""
    require(await principal_of(request), "organizer")
    slug = request.path_params["slug"]

    def rows() -> list[dict[str, Any]]:
        with reader_of(request)() as session:
            contest = contests.get_contest(session, slug)
            return [
                {
                    "version": m.seq,
                    "at": s.created_at.isoformat(timespec="seconds") + "Z",
                    "entrant": m.entrant,
                    "round": m.round,
                    "item": m.item,
                    "criterion": m.criterion,
                    "judge": m.judge,
                    "old": m.previous,
                    "new": m.value,
                    "by": s.role,
                    "by_judge": s.judge,
                    "reason": s.reason,
                    "ip": s.ip,
                    "device": s.device,
                    "client_id": s.client_id,
                }
                for m, s in queries.history(session, contest.id)
            ]

    found = await run_in_threadpool(rows)
    if request.query_params.get("format") == "csv":
        out = io.StringIO()
        columns = list(found[0]) if found else ["version", "at", "entrant", "round", "item", "criterion", "judge"]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in found:
            writer.writerow([safe_text("" if row[c] is None else str(row[c])) for c in columns])
        return Response(
            "\ufeff" + out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{slug}-history.csv"'},
        )
    return JSONResponse({"marks": found})


routes = [
    Route("/contests", create_contest, methods=["POST"]),
    Route("/contests/{slug}/entrants", put_entrants, methods=["PUT"]),
    Route("/contests/{slug}/judges", create_judges, methods=["POST"]),
    Route("/contests/{slug}/marks", submit_marks, methods=["POST"]),
    Route("/contests/{slug}/rounds/{key}", patch_round, methods=["PATCH"]),
    Route("/contests/{slug}/standings", get_standings, methods=["GET"]),
    Route("/contests/{slug}/history", history, methods=["GET"]),
    Route("/live", live_stats, methods=["GET"]),
]
