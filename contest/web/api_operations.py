"""The table of the JSON endpoints that /api/openapi.json describes (contest/web/openapi.py builds the document from
it): for each route, what it takes (body, query), what it answers and which refusals it may give, with examples.
tests/server/test_openapi_routes.py checks that every route under /api/ is in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from contest.web import assignments_api, draws_api, schemas

REF = "#/components/schemas/{model}"
TOML = "application/toml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MESSAGES = {
    400: "the request is not one the server can read",
    401: "no credentials, or a token that is not valid (revoked or mistyped)",
    403: "signed in, but this role may not do it (or the round is locked, the board hidden)",
    404: "no such contest, round or judge",
    409: "it conflicts with what is stored (a slug or code taken, an entrant with marks removed)",
    413: "the body is larger than the server takes",
    422: "the body or a parameter is not valid: `field` names it",
    503: "the server cannot store it now; send it again",
}
EXAMPLE_TOML = """\
[contest]
slug = "demo-meet"
title = "示例赛 / Demo meet"
decimals = 2

[[criteria]]
key = "execution"
label = "动作完成 / Execution"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
item = "execution"
round = "sum"

[[rounds]]
key = "final"
items = 1
"""
EXAMPLE_CSV = "code,name,organization,group\nE1,林浩然,广东,A\nE2,陈一鸣,四川,A\n"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearer": []}]
PAGE: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


@dataclass(frozen=True)
class Op:
    """One operation: its request (media type -> model, type or schema), query model, answer and refusals."""

    method: str
    path: str
    summary: str
    answer: Any  # the model or type of the JSON answer, or a schema
    errors: tuple[int, ...]
    ok: int = 200
    security: list[dict[str, list[str]]] = field(default_factory=lambda: BEARER)
    body: dict[str, Any] | None = None
    query: type[BaseModel] | None = None
    params: tuple[str, ...] = ()  # other query parameters, texts
    also: dict[int, Any] = field(default_factory=dict)  # other answers: status -> media type -> schema


SLUG = "/api/contests/{slug}"
OPERATIONS: tuple[Op, ...] = (
    Op(
        "get",
        "/healthz",
        "200 when the database answers, 503 when it does not",
        schemas.Health,
        (),
        security=[],
        also={503: {"application/json": schemas.Health}},
    ),
    Op("get", "/api/openapi.json", "This description", {"type": "object"}, (), security=[]),
    Op(
        "post",
        "/api/contests",
        "Create a contest from its TOML file (organizer)",
        schemas.Created,
        (401, 403, 409, 413, 422),
        ok=201,
        body={
            TOML: {"type": "string", "description": "the contest file (SPEC section 2), UTF-8", "example": EXAMPLE_TOML}
        },
    ),
    Op(
        "put",
        f"{SLUG}/entrants",
        "Replace the entrant list: CSV, XLSX or a JSON list (organizer)",
        schemas.Count,
        (401, 403, 404, 409, 413, 422),
        body={
            "application/json": schemas.ENTRANTS_IN,
            "text/csv": {
                "type": "string",
                "description": "a header row naming code, name, organization, "
                "group (Chinese headers too), UTF-8 or GB18030",
                "example": EXAMPLE_CSV,
            },
            XLSX: {"type": "string", "format": "binary", "description": "the first sheet, headers as for CSV"},
        },
    ),
    Op(
        "post",
        f"{SLUG}/judges",
        "Add judges; each gets a token and a QR login link, shown once (organizer)",
        list[schemas.JudgeLogin],
        (401, 403, 404, 409, 413, 422),
        ok=201,
        body={"application/json": schemas.JUDGES_IN},
    ),
    Op(
        "post",
        f"{SLUG}/marks",
        "Submit marks for one item of one entrant; a repeated client_id stores nothing twice",
        schemas.MarkReceipt,
        (401, 403, 404, 409, 413, 422, 503),
        ok=201,
        body={"application/json": schemas.MarkIn},
        also={200: {"application/json": schemas.MarkReceipt}},
    ),
    Op(
        "patch",
        f"{SLUG}/rounds/{{key}}",
        "Lock or open a round (chief judge too); hide, show, freeze or reveal its board",
        schemas.RoundOut,
        (401, 403, 404, 409, 413, 422),
        body={"application/json": schemas.RoundChange},
    ),
    Op(
        "get",
        f"{SLUG}/standings",
        "A round's standings (public while live or frozen; organizers always live)",
        schemas.Standings,
        (401, 403, 404, 422),
        security=OPTIONAL_BEARER,
        query=schemas.StandingsQuery,
    ),
    Op(
        "get",
        f"{SLUG}/history",
        "Every version of every mark with who, when, old, new and why (organizer)",
        schemas.History,
        (401, 403, 404, 422),
        query=schemas.HistoryQuery,
        also={200: {"text/csv": {"type": "string"}}},
    ),
    Op(
        "get",
        "/api/live",
        "This worker's live hub: sockets, distinct views, contests watched, sockets behind",
        schemas.LiveStats,
        (401, 403),
    ),
    Op(
        "post",
        f"{SLUG}/judges/{{code}}/revoke",
        "Revoke a judge's login: their tokens and devices end at once",
        schemas.JudgeRevoked,
        (401, 403, 404, 409, 422),
    ),
    Op(
        "post",
        f"{SLUG}/judges/{{code}}/reissue",
        "Revoke a judge's login and issue a new one (shown once)",
        schemas.JudgeReissued,
        (401, 403, 404, 409, 422),
        query=schemas.ReissueQuery,
    ),
    Op(
        "get",
        f"{SLUG}/judges/logins",
        "Every judge with their login's state (devices, last seen)",
        schemas.JudgeLogins,
        (401, 403, 404, 422),
    ),
    Op(
        "get",
        "/api/tokens",
        "Every token (never its value) and its signed-in devices (organizer)",
        schemas.Tokens,
        (401, 403, 422),
        query=schemas.TokensQuery,
    ),
    Op(
        "post",
        "/api/tokens/{id}/revoke",
        "Revoke one token and end its sessions (organizer)",
        schemas.TokenRevoked,
        (401, 403, 404, 409, 422),
    ),
    Op(
        "get",
        "/control/{slug}/rounds",
        "Every round's label, status and board state (public: the standings tell as much)",
        schemas.Page,
        (404,),
        security=[],
    ),
    Op(
        "get",
        "/judge/api/queue",
        "The signed-in judge's entrants for a round (codes only if blind) and submissions",
        schemas.Page,
        (401, 403, 404, 422),
        security=PAGE,
        params=("round", "contest"),
    ),
    Op(
        "get",
        "/judge/api/session",
        "The judge page's session: its CSRF token (sent back as X-CSRF-Token on writes)",
        schemas.JudgeSession,
        (401, 403),
        security=[{"session": []}],
    ),
    Op(
        "get",
        "/chief/api/progress",
        "Progress grid judge x entrant (missing, partial, submitted, corrected, unassigned), flags",
        schemas.Page,
        (401, 403, 404, 422),
        security=PAGE,
        params=("round", "spread", "contest", "panel"),
    ),
    Op(
        "get",
        "/chief/api/explain",
        "One entrant's breakdown from each judge's mark to the total",
        schemas.Page,
        (401, 403, 404, 422),
        security=PAGE,
        params=("round", "entrant", "contest"),
    ),
    Op(
        "get",
        "/chief/api/verify",
        "This server's standings against a fresh computation from the stored marks",
        schemas.Page,
        (401, 403, 404, 422),
        security=PAGE,
        params=("contest",),
    ),
    # blind codes (抽签加密) and decryption: contest/web/draws_api.py
    Op(
        "get",
        f"{SLUG}/draws",
        "The draws (without codes), decryption and log (organizer)",
        schemas.Page,
        (401, 403, 404),
    ),
    Op(
        "post",
        f"{SLUG}/draws",
        "Draw a layer of blind codes before the first mark: 1 seat numbers, 2 sealed codes (organizer)",
        schemas.Page,
        (401, 403, 404, 409, 413, 422),
        ok=201,
        body={"application/json": draws_api.DrawIn},
    ),
    Op(
        "post",
        f"{SLUG}/draws/withdraw",
        "Withdraw the draw before the first mark: the entrants' own codes back (organizer)",
        schemas.Page,
        (401, 403, 404, 409, 413, 422),
        body={"application/json": draws_api.ReasonIn},
    ),
    Op(
        "get",
        f"{SLUG}/draws/mapping",
        "The sealed mapping code -> entrant; every call is logged (organizer)",
        schemas.Page,
        (401, 403, 404),
    ),
    Op(
        "post",
        f"{SLUG}/decrypt",
        "Decrypt (解密): names in every result; refused until every round is locked; logged (organizer)",
        schemas.Page,
        (401, 403, 404, 409, 413, 422),
        body={"application/json": draws_api.ReasonIn},
    ),
    # who judges whom (评委分组): contest/web/assignments_api.py
    Op(
        "get",
        f"{SLUG}/assignments",
        "The assignments in force (JSON with their log, CSV or XLSX) (organizer)",
        schemas.Page,
        (401, 403, 404, 422),
        query=assignments_api.AssignmentsQuery,
        also={200: {"text/csv": {"type": "string"}, XLSX: {"type": "string", "format": "binary"}}},
    ),
    Op(
        "put",
        f"{SLUG}/assignments",
        "Upload assignments: rows entrant, round, item, panel or entrant, round, judge (organizer)",
        schemas.Page,
        (401, 403, 404, 409, 413, 422),
        query=assignments_api.PutQuery,
        body={
            "application/json": assignments_api.AssignmentsIn,
            "text/csv": {"type": "string", "example": "entrant,round,item,panel\nA001,prelim,,A\n"},
            XLSX: {"type": "string", "format": "binary"},
        },
    ),
    Op(
        "post",
        f"{SLUG}/assignments/draw",
        "Draw who judges whom: balanced, with recusal (回避), recorded with its seed (organizer)",
        schemas.Page,
        (401, 403, 404, 409, 413, 422),
        ok=201,
        body={"application/json": assignments_api.DrawIn},
    ),
)
