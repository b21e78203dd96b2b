"""A final after a prelim that advances its top 2: once the prelim is locked, judges and recorders mark only the
entrants who went on (or were already marked in the final); organizers may still enter a substitute (递补)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.server.conftest import app_token, assert_error, bearer, client_id, new_slug, setup_contest

pytestmark = pytest.mark.asyncio

TOML = """\
[contest]
slug = "{slug}"
title = "晋级 / advancement"
decimals = 2

[[criteria]]
key = "execution"
label = "Execution"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
round = "sum"

[[rounds]]
key = "prelim"
advance = 2

[[rounds]]
key = "final"
standing = "prelim + final"
"""
PEOPLE = [{"code": f"E{n}", "name": f"选手{n}"} for n in range(1, 5)]


async def mark(
    client: httpx.AsyncClient, slug: str, token: str, entrant: str, round_key: str, value: str, **extra: Any
) -> httpx.Response:
    body = {"entrant": entrant, "round": round_key, "values": {"execution": value}, "client_id": client_id()}
    return await client.post(f"/api/contests/{slug}/marks", json={**body, **extra}, headers=bearer(token))


@pytest.mark.parametrize("db_kind", ["sqlite", "postgresql"])
async def test_after_the_cut_only_those_who_advanced_are_marked(app: Starlette, app_client: httpx.AsyncClient) -> None:
    organizer = app_token(app, "organizer")
    recorder = app_token(app, "recorder")
    slug = new_slug("cut")
    panel = [{"code": "J1"}, {"code": "J2"}]
    toml = TOML.format(slug=slug)
    judges = await setup_contest(app_client, organizer, slug, toml=toml, entrants=PEOPLE, judges=panel)
    j1, j2 = judges["J1"], judges["J2"]
    # before the prelim is locked no cut is made: J1 marks E4 in the final already
    assert (await mark(app_client, slug, j1, "E4", "final", "5")).status_code == 201
    for n, value in ((1, "9"), (2, "8"), (3, "7"), (4, "6")):  # E1 and E2 advance
        for token in (j1, j2):
            assert (await mark(app_client, slug, token, f"E{n}", "prelim", value)).status_code == 201
    locked = await app_client.patch(
        f"/api/contests/{slug}/rounds/prelim", json={"status": "locked"}, headers=bearer(organizer)
    )
    assert locked.status_code == 200, locked.text

    before = (await app_client.get(f"/api/contests/{slug}/history", headers=bearer(organizer))).json()["marks"]
    refused = await app_client.post(
        f"/api/contests/{slug}/marks",
        json={"entrant": "E3", "round": "final", "values": {"execution": "9"}, "client_id": client_id()},
        headers={**bearer(j1), "accept-language": "zh-CN"},
    )
    assert assert_error(refused, 403, "entrant")["message"] == "选手 'E3' 未晋级轮次 'final'"
    by_recorder = await mark(app_client, slug, recorder, "E3", "final", "9", judge="J1")
    assert "did not advance" in assert_error(by_recorder, 403, "entrant")["message"]
    after = (await app_client.get(f"/api/contests/{slug}/history", headers=bearer(organizer))).json()["marks"]
    assert after == before  # nothing stored

    assert (await mark(app_client, slug, j1, "E1", "final", "9")).status_code == 201  # advanced
    assert (await mark(app_client, slug, j2, "E4", "final", "6")).status_code == 201  # already marked in the final
    substitute = await mark(app_client, slug, organizer, "E3", "final", "7", judge="J1", reason="E2 弃权，E3 递补")
    assert substitute.status_code == 201, substitute.text
