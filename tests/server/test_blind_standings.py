"""A blind contest (加密评分): judges never see an entrant's name or organization, the standings API included;
public standings show codes only, even after a round is locked (a later round may still be judged blind);
organizers always see names."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.server.conftest import CONTEST_TOML, app_token, bearer, client_id, new_slug, setup_contest

pytestmark = [pytest.mark.asyncio, pytest.mark.parametrize("db_kind", ["sqlite"])]


async def test_blind_standings_show_codes_only_except_to_organizers(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    organizer = app_token(app, "organizer")
    slug = new_slug("blind")
    toml = CONTEST_TOML.format(slug=slug).replace("decimals = 2", "decimals = 2\nblind = true")
    assert "blind = true" in toml
    judges = await setup_contest(app_client, organizer, slug, toml=toml)
    for code in ("J1", "J2", "J3"):
        body = {"entrant": "E1", "round": "prelim", "item": 1, "values": {"execution": "8"}, "client_id": client_id()}
        answer = await app_client.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(judges[code]))
        assert answer.status_code == 201, answer.text
    url = f"/api/contests/{slug}/standings?round=prelim"

    for token in (None, judges["J1"], judges["CJ"]):
        answer = await app_client.get(url, headers=bearer(token))
        assert answer.status_code == 200, answer.text
        assert "林浩然" not in answer.text and "广东" not in answer.text
        assert answer.json()["rows"][0]["entrant"] == "E1"
    organizers = await app_client.get(url, headers=bearer(organizer))
    assert organizers.json()["rows"][0]["name"] == "林浩然"

    locked = await app_client.patch(
        f"/api/contests/{slug}/rounds/prelim", json={"status": "locked"}, headers=bearer(organizer)
    )
    assert locked.status_code == 200, locked.text
    for token in (None, judges["J1"]):
        answer = await app_client.get(url, headers=bearer(token))
        assert "林浩然" not in answer.text  # locking prelim must not reveal codes still judged in the final
