"""GET /api/openapi.json: the JSON endpoints described for clients and tools."""

from __future__ import annotations

from typing import Any

from contest import __version__

ERROR = {"$ref": "#/components/schemas/Error"}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _answers(ok: int, schema: dict[str, Any], *errors: int) -> dict[str, Any]:
    out: dict[str, Any] = {str(ok): {"description": "done", "content": {"application/json": {"schema": schema}}}}
    for status in errors:
        out[str(status)] = {"description": "error", "content": {"application/json": {"schema": ERROR}}}
    return out


def document() -> dict[str, Any]:
    decimal = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "example": "78.40"}
    row = {
        "type": "object",
        "properties": {
            "rank": {"type": ["integer", "null"]},
            "entrant": {"type": "string"},
            "name": {"type": "string"},
            "organization": {"type": "string"},
            "group": {"type": "string"},
            "rounds": {"type": "object", "additionalProperties": {"oneOf": [decimal, {"type": "null"}]}},
            "total": {"oneOf": [decimal, {"type": "null"}]},
            "award": {"type": ["string", "null"]},
            "advances": {"type": "boolean"},
            "complete": {"type": "boolean"},
            "issues": {"type": "array", "items": {"type": "string"}},
        },
    }
    standings = {
        "type": "object",
        "properties": {
            "version": {"type": "integer"},
            "round": {"type": "string"},
            "rows": {"type": "array", "items": row},
        },
    }
    mark_body = {
        "type": "object",
        "required": ["entrant", "round", "values", "client_id"],
        "additionalProperties": False,
        "properties": {
            "entrant": {"type": "string"},
            "round": {"type": "string"},
            "item": {"type": "integer", "minimum": 1, "default": 1},
            "values": {"type": "object", "additionalProperties": {"oneOf": [decimal, {"type": "number"}]}},
            "client_id": {"type": "string", "maxLength": 100},
            "reason": {"type": "string", "description": "required when a value corrects an earlier one"},
            "judge": {"type": "string", "description": "organizers entering a judge's paper sheet"},
        },
    }
    contest = "/api/contests/{slug}"
    return {
        "openapi": "3.1.0",
        "info": {"title": "contest", "version": __version__},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": "string"},
                            },
                        }
                    },
                }
            },
        },
        "paths": {
            "/healthz": {
                "get": {"summary": "200 when the database answers", "responses": _answers(200, {"type": "object"}, 503)}
            },
            "/api/contests": {
                "post": {
                    "summary": "Create a contest from its TOML file (organizer)",
                    "security": BEARER,
                    "requestBody": {"content": {"application/toml": {"schema": {"type": "string"}}}},
                    "responses": _answers(
                        201, {"type": "object", "properties": {"slug": {"type": "string"}}}, 401, 403, 409, 413, 422
                    ),
                }
            },
            f"{contest}/entrants": {
                "put": {
                    "summary": "Replace the entrant list: CSV, XLSX or a JSON list (organizer)",
                    "security": BEARER,
                    "parameters": [SLUG],
                    "requestBody": {
                        "content": {
                            "text/csv": {},
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                            "application/json": {"schema": {"type": "array"}},
                        }
                    },
                    "responses": _answers(
                        200,
                        {"type": "object", "properties": {"count": {"type": "integer"}}},
                        401,
                        403,
                        404,
                        409,
                        413,
                        422,
                    ),
                }
            },
            f"{contest}/judges": {
                "post": {
                    "summary": "Add judges; each gets a token and a QR login link, shown once (organizer)",
                    "security": BEARER,
                    "parameters": [SLUG],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["code"],
                                        "properties": {
                                            "code": {"type": "string"},
                                            "name": {"type": "string"},
                                            "chief": {"type": "boolean"},
                                        },
                                    },
                                }
                            }
                        }
                    },
                    "responses": _answers(201, {"type": "array"}, 401, 403, 404, 409, 422),
                }
            },
            f"{contest}/marks": {
                "post": {
                    "summary": "Submit marks for one item of one entrant; a repeated client_id stores nothing twice",
                    "security": BEARER,
                    "parameters": [SLUG],
                    "requestBody": {"content": {"application/json": {"schema": mark_body}}},
                    "responses": {
                        **_answers(201, {"type": "object"}, 401, 403, 404, 409, 413, 422, 503),
                        "200": {"description": "a replay of a stored client_id: nothing stored"},
                    },
                }
            },
            f"{contest}/rounds/{{key}}": {
                "patch": {
                    "summary": "Lock or open a round (chief judge too); hide, show, freeze, reveal its board",
                    "security": BEARER,
                    "parameters": [SLUG, {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "status": {"enum": ["open", "locked"]},
                                        "board": {"enum": ["hidden", "live", "frozen", "reveal"]},
                                        "reason": {"type": "string"},
                                        "reveal_by": {"enum": ["rank", "award"]},
                                        "reveal": {"type": "integer", "minimum": 0},
                                    },
                                }
                            }
                        }
                    },
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 422),
                }
            },
            f"{contest}/standings": {
                "get": {
                    "summary": "A round's standings (public while live or frozen; organizers always live)",
                    "parameters": [
                        SLUG,
                        *(
                            {"name": n, "in": "query", "schema": {"type": t}}
                            for n, t in (
                                ("round", "string"),
                                ("group", "string"),
                                ("limit", "integer"),
                                ("entrant", "string"),
                            )
                        ),
                    ],
                    "responses": _answers(200, standings, 401, 403, 404, 422),
                }
            },
            "/judge/api/queue": {
                "get": {
                    "summary": "The signed-in judge's entrants for a round (codes only if blind) and their submissions",
                    "parameters": [
                        {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("round", "contest")
                    ],
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 422),
                }
            },
            "/judge/api/session": {
                "get": {
                    "summary": "The judge page's session: its CSRF token (sent back as X-CSRF-Token on writes)",
                    "responses": _answers(200, {"type": "object"}, 401),
                }
            },
            "/chief/api/progress": {
                "get": {
                    "summary": "Progress grid judge x entrant (missing, partial, submitted, corrected), spread flags",
                    "security": BEARER,
                    "parameters": [
                        {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("round", "spread", "contest")
                    ],
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 422),
                }
            },
            "/chief/api/explain": {
                "get": {
                    "summary": "One entrant's breakdown from each judge's mark to the total",
                    "security": BEARER,
                    "parameters": [
                        {"name": n, "in": "query", "schema": {"type": "string"}}
                        for n in ("round", "entrant", "contest")
                    ],
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 422),
                }
            },
            "/api/live": {
                "get": {
                    "summary": "This worker's live hub: sockets, distinct views, contests watched, sockets behind",
                    "security": BEARER,
                    "responses": _answers(200, {"type": "object"}, 401, 403),
                }
            },
            f"{contest}/history": {
                "get": {
                    "summary": "Every version of every mark with who, when, old, new and why (organizer); ?format=csv",
                    "security": BEARER,
                    "parameters": [SLUG, {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}],
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404),
                }
            },
        },
    }
