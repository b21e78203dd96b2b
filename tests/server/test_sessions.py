"""A judge's tablet stays signed in when the server restarts: the cookie key is kept in the database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from contest.settings import Settings
from contest.web.app import create_app
from tests.server.conftest import app_token, new_slug, setup_contest

pytestmark = pytest.mark.asyncio


async def test_a_signed_in_tablet_survives_a_restart(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'venue.db'}")
    first = create_app(settings)
    async with LifespanManager(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://venue") as client:
            organizer = app_token(first, "organizer")
            slug = new_slug("restart")
            judges = await setup_contest(client, organizer, slug)
            assert (await client.get(f"/j/{judges['J1']}")).status_code == 303
            cookies = dict(client.cookies)
            assert (await client.get("/judge")).status_code == 200
    second = create_app(settings)  # a new process: same database, no CONTEST_SECRET_KEY
    async with LifespanManager(second):
        transport = httpx.ASGITransport(app=second)
        async with httpx.AsyncClient(transport=transport, base_url="http://venue", cookies=cookies) as client:
            page = await client.get("/judge")
            assert page.status_code == 200, page.text
            assert "J1" in page.text
    # CONTEST_SECRET_KEY, when given, is the key instead: the old cookie no longer signs in
    third = create_app(Settings(database_url=settings.database_url, secret_key="another-key"))
    async with LifespanManager(third):
        transport = httpx.ASGITransport(app=third)
        async with httpx.AsyncClient(transport=transport, base_url="http://venue", cookies=cookies) as client:
            assert (await client.get("/judge")).status_code == 401
