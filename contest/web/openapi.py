"""GET /api/openapi.json: the JSON endpoints described for clients and tools, generated from the models that check
the requests (contest/web/schemas.py) and the table of the routes (contest/web/api_operations.py): what each takes,
answers, and may refuse.

tests/server/test_openapi_fuzz.py holds the server to it (schemathesis against a live server), and
tests/server/test_openapi_routes.py checks that every route under /api/ is in it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from contest import __version__
from contest.web import schemas
from contest.web.api_operations import MESSAGES, OPERATIONS, REF, Op


def _schema(kind: Any, mode: str, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a model or type (its named parts go to `defs`), or a schema given as it is."""
    if isinstance(kind, dict):
        return kind
    found = TypeAdapter(kind).json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    defs.update(found.pop("$defs", {}))
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        defs[kind.__name__] = found
        return {"$ref": REF.format(model=kind.__name__)}
    return found


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]


def _operation(op: Op, defs: dict[str, Any]) -> dict[str, Any]:
    parameters = _path_parameters(op.path)
    if op.query is not None:
        properties = op.query.model_json_schema(ref_template=REF)["properties"]
        for name, schema in properties.items():
            schema.pop("title", None)
            parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    parameters += [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in op.params]
    answers: dict[int, dict[str, Any]] = {op.ok: {"application/json": op.answer}}
    for status, content in op.also.items():
        answers.setdefault(status, {}).update(content)
    responses: dict[str, Any] = {
        str(status): {
            "description": "done" if status < 400 else MESSAGES.get(status, "refused"),
            "content": {media: {"schema": _schema(kind, "serialization", defs)} for media, kind in content.items()},
        }
        for status, content in sorted(answers.items())
    }
    for status in op.errors:
        responses[str(status)] = {
            "description": MESSAGES[status],
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
        }
    out: dict[str, Any] = {"summary": op.summary, "security": op.security, "responses": responses}
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        content = {media: {"schema": _schema(kind, "validation", defs)} for media, kind in op.body.items()}
        for entry in content.values():
            if "example" in entry["schema"]:
                entry["example"] = entry["schema"]["example"]
        out["requestBody"] = {"required": True, "content": content}
    return out


@cache
def document() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    _schema(schemas.Error, "serialization", defs)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, defs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "contest",
            "version": __version__,
            "description": 'Errors are {"error": {"code", "message", "field", "details"}}, the message in '
            "the language of Accept-Language (zh-CN or en). Credentials are checked before the body.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "a judge's tablet"},
            },
            "schemas": dict(sorted(defs.items())),
        },
        "paths": paths,
    }
