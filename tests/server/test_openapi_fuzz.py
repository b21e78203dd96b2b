"""The OpenAPI description is the truth: schemathesis reads /api/openapi.json from a live `contest serve` and sends
what it describes (its examples, boundary and negative cases, and generated data), as an organizer and as a judge,
and every answer must be one the description promises: no server error, a documented status, the documented
content type and body, the body refused when it breaks the schema, 401 without credentials, 405 with `Allow` for a
method a path does not take.

Bounded: a fixed seed, deterministic generation and at most EXAMPLES generated cases an operation (well under a
minute on the 2-core machine). Runs on SQLite: the checks are of the HTTP layer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.engine import events, from_schema

from tests.server.conftest import ServerProcess, make_token, new_slug, setup_contest

EXAMPLES = 30
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
)
ACCEPTED = {"enabled": True, "expected-statuses": [200]}
WHOLLY_DESCRIBED = ("/api/contests/{slug}/history", "/api/live", "/healthz", "/api/openapi.json")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@schemathesis.serializer("application/toml")
def _toml(ctx: Any, value: Any) -> bytes:
    """A contest file is text: sent as UTF-8 (what is not text, as its JSON)."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else repr(value).encode()


@schemathesis.serializer(XLSX)
def _xlsx(ctx: Any, value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, dict[str, str]]]:
    """A live server with the test contest: the slug, an organizer's token and judge J1's."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'contest.db'}"
    organizer = make_token(url, "organizer")
    process = ServerProcess(url, folder / "server.log").start()
    slug = new_slug("fuzz")

    async def setup() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
            return await setup_contest(client, organizer, slug)

    judges = asyncio.run(setup())
    try:
        yield process, {"slug": slug, "organizer": organizer, "judge": judges["J1"]}
    finally:
        process.kill()


def fuzz(base_url: str, found: dict[str, str]) -> tuple[Counter[str], list[str], Counter[int]]:
    """Run schemathesis against the server: failures by check, each failure in a line, and the answers' statuses."""
    slug = found["slug"]
    judge = {"Authorization": f"Bearer {found['judge']}"}
    config = schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "seed": 20261205,
            "headers": {"Authorization": f"Bearer {found['organizer']}"},
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "mode": "all"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {"stateful": {"enabled": False}},
            # the fuzzed contest; judge J3's login may be revoked and re-issued, and no real token by its id (the
            # organizer's and J1's tokens keep working, so every operation is reached signed in)
            "parameters": {
                "path.slug": slug,
                "path.key": "prelim",
                "path.code": "J3",
                "path.id": "999999",
                "query.contest": slug,
            },
            "operations": [
                {"include-path": "/api/contests/{slug}/marks", "headers": judge},
                {"include-path": "/judge/api/queue", "headers": judge},
                # where the description says all there is to know, what it allows must be taken (limit=1..1000)
                {
                    "include-path": "/api/contests/{slug}/standings",
                    "parameters": {"query.round": "prelim"},
                    "checks": {"positive_data_acceptance": ACCEPTED},
                },
                *(
                    {"include-path": path, "checks": {"positive_data_acceptance": ACCEPTED}}
                    for path in WHOLLY_DESCRIBED
                ),
            ],
            "suppress-health-check": ["all"],
            "request-timeout": 30,
            "continue-on-failure": True,
        }
    )
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json", config=config)
    failures: Counter[str] = Counter()
    lines: list[str] = []
    statuses: Counter[int] = Counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            statuses.update(i.response.status_code for i in event.recorder.interactions.values() if i.response)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is not None:
                        failures[check.name] += 1
                        case = event.recorder.cases[case_id].value
                        lines.append(f"{check.name}: {case.method} {case.formatted_path} -> {check.failure_info}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures["error"] += 1
            lines.append(f"error: {getattr(event, 'info', event)}")
    return failures, lines, statuses


def test_the_server_answers_as_its_openapi_description_says(server: tuple[ServerProcess, dict[str, str]]) -> None:
    process, found = server
    failures, lines, statuses = fuzz(process.url, found)
    print(f"schemathesis: {statuses.total()} requests {dict(sorted(statuses.items()))}, failures: {dict(failures)}")
    assert statuses.total() > 500 and sum(n for s, n in statuses.items() if s < 300) > 50, statuses
    log = process.log.read_text(errors="replace").splitlines()[-40:]  # a server error's traceback, if any
    assert not failures, f"{dict(failures)}\n" + "\n".join([*sorted(set(lines))[:60], "server log:", *log])
    # the server is still well: the contest it was fuzzed against answers
    organizer = {"authorization": f"Bearer {found['organizer']}"}
    answer = httpx.get(f"{process.url}/api/contests/{found['slug']}/standings", headers=organizer, timeout=10)
    assert answer.status_code == 200, answer.text
