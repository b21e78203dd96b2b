"""The JSON API of who judges whom (评委分组, contest/services/assignments.py), for organizers:

GET  /api/contests/{slug}/assignments[?round=KEY][&format=json|csv|xlsx]   the assignments in force (JSON: with their
     log, and the pairs among them that recusal forbids)
PUT  /api/contests/{slug}/assignments[?reason=]   CSV/XLSX rows `entrant, round, item, panel` or `entrant, round,
     judge` (item and criterion optional), or JSON {"rows": [...], "reason"}: each round named gets these
POST /api/contests/{slug}/assignments/draw   {"round", "seed"?, "method"?: "judges"|"panels", "reason"?,
     "conflicts"?: [{"judge", "entrant"}]}: a balanced random draw, recorded with its seed; 201
"""

from __future__ import annotations

import csv
import io
import secrets
from typing import Annotated, Literal

from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.exports.tables import safe_text
from contest.services import assigned, assignment_files, assignments
from contest.services.draws import Actor
from contest.services.principals import require
from contest.web import schemas
from contest.web.auth import principal_of
from contest.web.http import db_of, hub_of, parse_json, read_body, settings_of, validated

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SEED = 2**63 - 1


class RowIn(schemas.Body):
    entrant: schemas.Code
    round: schemas.Code
    item: Annotated[int, Field(ge=0, le=10_000, description="0 or absent: every item")] = 0
    criterion: schemas.OptionalCode = ""
    panel: Annotated[schemas.OptionalCode, Field(description="a panel of the contest file (or give judge)")] = ""
    judge: Annotated[schemas.OptionalCode, Field(description="one judge (or give panel)")] = ""


class AssignmentsIn(schemas.Body):
    """PUT /api/contests/{slug}/assignments as JSON."""

    rows: Annotated[list[RowIn], Field(min_length=1, max_length=assignments.MAX_ROWS)]
    reason: Annotated[schemas.Reason, Field(description="required once marks exist in a round")] = ""


class ConflictIn(schemas.Body):
    judge: schemas.Code
    entrant: schemas.Code


class DrawIn(schemas.Body):
    """POST /api/contests/{slug}/assignments/draw."""

    round: schemas.Code
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, description="absent: a random one, recorded")] | None = None
    method: Literal["judges", "panels"] = "judges"
    reason: schemas.Reason = ""
    conflicts: Annotated[list[ConflictIn], Field(default_factory=list, max_length=100_000)]


class AssignmentsQuery(schemas.Body):
    round: schemas.QueryText = None
    format: Literal["json", "csv", "xlsx"] = "json"


class PutQuery(schemas.Body):
    reason: schemas.Reason = ""


async def _actor(request: Request) -> Actor:
    principal = await principal_of(request)
    require(principal, "organizer")
    return Actor(principal.role, principal.token_id, f"{principal.role} (token {principal.token_id})")


async def get_assignments(request: Request) -> Response:
    await _actor(request)
    slug = request.path_params["slug"]
    query: AssignmentsQuery = validated(AssignmentsQuery, dict(request.query_params), query=True)
    rows = await run_in_threadpool(assigned.export, db_of(request), slug, query.round)
    if query.format == "json":
        changes = await run_in_threadpool(assigned.changes, db_of(request), slug)
        recused = await run_in_threadpool(assigned.recused, db_of(request), slug, rows)
        return JSONResponse({"rows": rows, "changes": changes, "recused": recused})
    cells = [[safe_text(str(row[c])) for c in assignment_files.COLUMNS] for row in rows]
    if query.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(assignment_files.COLUMNS)
        writer.writerows(cells)
        disposition = f'attachment; filename="{slug}-assignments.csv"'
        body = "\ufeff" + out.getvalue()
        return Response(body, media_type="text/csv; charset=utf-8", headers={"content-disposition": disposition})
    return Response(
        await run_in_threadpool(assignment_files.xlsx_bytes, rows),
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="{slug}-assignments.xlsx"'},
    )


async def put_assignments(request: Request) -> Response:
    actor = await _actor(request)
    slug = request.path_params["slug"]
    query: PutQuery = validated(PutQuery, dict(request.query_params), query=True)
    body = await read_body(request, settings_of(request).max_upload_bytes)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    reason = query.reason
    if kind == "application/json":
        wanted: AssignmentsIn = validated(AssignmentsIn, parse_json(body))
        reason = wanted.reason or reason
        raw = [(i, r.entrant, r.round, r.item, r.criterion, r.panel, r.judge) for i, r in enumerate(wanted.rows, 1)]
    else:
        name = "assignments.xlsx" if "spreadsheet" in kind or body[:4] == b"PK\x03\x04" else "assignments.csv"
        raw = await run_in_threadpool(assignment_files.table_rows, name, body)
    rows = await run_in_threadpool(assignment_files.assigned_rows, db_of(request), slug, raw)
    done = await run_in_threadpool(lambda: assignments.replace(db_of(request), actor, slug, rows, reason=reason))
    hub_of(request).changed(slug, done["version"])
    return JSONResponse(done)


async def post_draw(request: Request) -> Response:
    actor = await _actor(request)
    slug = request.path_params["slug"]
    wanted: DrawIn = validated(DrawIn, parse_json(await read_body(request, settings_of(request).max_json_bytes)))
    seed = wanted.seed if wanted.seed is not None else secrets.randbelow(MAX_SEED)
    conflicts = [(c.judge, c.entrant) for c in wanted.conflicts]
    done = await run_in_threadpool(
        lambda: assignments.draw(
            db_of(request),
            actor,
            slug,
            wanted.round,
            seed=seed,
            method=wanted.method,
            reason=wanted.reason,
            conflicts=conflicts,
        )
    )
    hub_of(request).changed(slug, done["version"])
    return JSONResponse(done, status_code=201)


async def assignments_root(request: Request) -> Response:
    """One route for both methods of the path, so a method it does not take hears 405 with both in `Allow`."""
    return await (put_assignments(request) if request.method == "PUT" else get_assignments(request))


routes = [
    Route("/api/contests/{slug}/assignments", assignments_root, methods=["GET", "PUT"]),
    Route("/api/contests/{slug}/assignments/draw", post_draw, methods=["POST"]),
]
