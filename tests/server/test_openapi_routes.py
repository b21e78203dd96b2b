"""The OpenAPI description covers the server: every route under /api/ is described (and nothing that is not there),
and every operation that needs credentials refuses a signed-out caller with 401 before it reads the body or the
query (a signed-out client hears "sign in", not what is wrong with a body it may not send).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsonschema_rs
import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from contest.web.openapi import document
from tests.server.conftest import Venue, assert_error, bearer

pytestmark = pytest.mark.parametrize("db_kind", ["sqlite"])

# what is wrong with each request besides its missing credentials: a body and a query that break the description
BAD_BODY = b'{"nonsense": [1, 2, 3], "values": {}, "status": "closed"}'
SLUG = "/api/contests/{slug}"
BAD_QUERY = {"limit": "0", "format": "pdf", "spread": "wide", "bogus": "1", "entrant": ""}


def api_routes(routes: Sequence[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """(path, method) of every HTTP route under /api/, mounts included."""
    found = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= api_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route) and (prefix + route.path).startswith("/api/"):
            found.update((prefix + route.path, m.lower()) for m in route.methods or () if m != "HEAD")
    return found


def described() -> set[tuple[str, str]]:
    return {(path, method) for path, operations in document()["paths"].items() for method in operations}


def test_every_api_route_is_described_and_nothing_else(app: Starlette) -> None:
    routes = api_routes(app.routes)
    assert ("/api/contests/{slug}/marks", "post") in routes
    assert not routes - described(), f"routes missing from /api/openapi.json: {sorted(routes - described())}"
    stale = {(p, m) for p, m in described() - routes if p.startswith("/api/") and p != "/api/openapi.json"}
    assert not stale, f"described but not served: {sorted(stale)}"


def needing_credentials() -> list[Any]:
    out = []
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            if operation.get("security") and {} not in operation["security"]:
                out.append(pytest.param(path, method, id=f"{method.upper()} {path}"))
    return out


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "method"), needing_credentials())
async def test_signed_out_is_401_before_the_body_or_query_is_read(venue: Venue, path: str, method: str) -> None:
    url = path.format(slug=venue.slug, key="prelim", code="J1", id="1")
    before = await venue.fingerprint()
    for token in (None, "no-such-token"):
        response = await venue.client.request(
            method.upper(),
            url,
            params=BAD_QUERY,
            content=BAD_BODY if method in ("post", "put", "patch") else None,
            headers={**bearer(token), "content-type": "application/json"},
        )
        assert assert_error(response, 401)["field"] in ("authorization", "session")
    assert await venue.fingerprint() == before


def conforms(instance: Any, path: str, method: str, status: int = 200) -> None:
    """`instance` is what the description says this operation answers (its schema, references resolved)."""
    doc = document()
    schema = doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": doc["components"]})
    problems = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(instance)]
    assert not problems, (path, problems, instance)


@pytest.mark.asyncio
async def test_answers_with_marks_and_a_ceremony_have_the_described_shape(venue: Venue) -> None:
    """The shapes the fuzzing rarely reaches: rows with totals, a reveal in progress, a history with corrections.
    And the description is precise: every key a client reads is named, required, and nothing else comes."""
    components = document()["components"]["schemas"]
    standings = components["Standings"]
    assert standings.get("additionalProperties") is False
    assert {"contest", "version", "round", "title", "labels", "status", "board", "groups", "rows"} <= set(
        standings.get("required", ())
    )
    assert set(components["Row"]["required"]) >= {"rank", "entrant", "rounds", "total", "award", "complete", "issues"}
    marks = f"{SLUG}/marks"
    for values, extra in (({"execution": "8"}, {}), ({"execution": "9"}, {"reason": "typo"})):
        response = await venue.mark(venue.judges["J1"], values, **extra)
        assert response.status_code == 201, response.text
        conforms(response.json(), marks, "post", 201)
    response = await venue.mark(venue.recorder, {"dd": "2.0"})
    conforms(response.json(), marks, "post", 201)
    for body in ({"status": "locked"}, {"board": "reveal", "reveal_by": "rank"}, {"reveal": 1}):
        response = await venue.round("prelim", **body)
        assert response.status_code == 200, response.text
        conforms(response.json(), f"{SLUG}/rounds/{{key}}", "patch")
    for token in (None, venue.organizer):
        for params in ({"round": "prelim"}, {"round": "final"}, {}):
            response = await venue.standings(token, **params)
            assert response.status_code == 200, response.text
            conforms(response.json(), f"{SLUG}/standings", "get")
    assert "reveal" in (await venue.standings(None, round="prelim")).json()
    response = await venue.client.get(venue.url("/history"), headers=bearer(venue.organizer))
    assert len(response.json()["marks"]) == 3
    conforms(response.json(), f"{SLUG}/history", "get")
    response = await venue.client.put(venue.url("/entrants"), json=[{"code": "E1"}], headers=bearer(venue.organizer))
    conforms(response.json(), f"{SLUG}/entrants", "put", response.status_code)
