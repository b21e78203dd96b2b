"""The demo as a new user meets it (issue 8, point 0): the tea contest's standings are read while the sensory round
has no marks, then the three sensory judges score T01. The board must show what a fresh computation shows: the
operation round's yield (成品率) scored against the field's best, not against 0 (it showed operation 78.45, total
81.08, instead of 88.17 and 84.97, until a restart)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager

from contest.demo import Venue, prepare
from contest.settings import Settings
from contest.web.app import create_app
from tests.server.conftest import SECRET, bearer, client_id

pytestmark = pytest.mark.asyncio

SENSORY = ("外形", "汤色", "香气", "滋味", "叶底")


@pytest_asyncio.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Venue, str]]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    venue = prepare(url)
    app = create_app(Settings(database_url=url, secret_key=SECRET, public_url="http://testserver"))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
            yield client, venue, url


async def test_the_demos_first_sensory_marks_give_the_totals_a_restart_gives(
    demo: tuple[httpx.AsyncClient, Venue, str],
) -> None:
    client, venue, url = demo
    standings = "/api/contests/tea-2026/standings"
    before = await client.get(f"{standings}?round=sensory")
    assert before.status_code == 200 and before.json()["rows"] == []  # nobody has sensory marks yet
    for judge in ("S1", "S2", "S3"):
        answer = await client.post(
            "/api/contests/tea-2026/marks",
            json={
                "entrant": "T01",
                "round": "sensory",
                "values": dict.fromkeys(SENSORY, "80"),
                "client_id": client_id(),
                "judge": judge,
            },
            headers=bearer(venue.organizer_token),
        )
        assert answer.status_code == 201, answer.text
    row = (await client.get(standings)).json()["rows"][0]
    assert (row["entrant"], row["rounds"]["operation"], row["total"]) == ("T01", "88.17", "84.97")

    # and a server started afresh on the same database (what a restart shows) agrees
    again = create_app(Settings(database_url=url, secret_key=SECRET, public_url="http://testserver"))
    async with LifespanManager(again, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=again)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
            assert (await fresh.get(standings)).json()["rows"][0] == row
