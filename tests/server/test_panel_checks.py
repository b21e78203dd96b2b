"""Who may mark an item when the contest names no assignments, through the real app: with `panel_size` the
(N+1)th judge on an item is refused (409) naming the judges who have it, a judge may still correct their own mark,
and each item counts its own panel; a criterion's aspect team marks it alone, and a team member marks nothing else.
Afterwards every standing equals a fresh computation (`contest verify`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from contest.services.verify import verify_contest
from tests.server.conftest import app_token, assert_error, bearer, client_id, new_slug, setup_contest

pytestmark = [pytest.mark.asyncio, pytest.mark.parametrize("db_kind", ["sqlite"])]

ROTATING = """\
[contest]
slug = "{slug}"
title = "轮换评委 / Rotating"
decimals = 2

[[criteria]]
key = "execution"
label = "动作完成"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
panel_size = 2
item = "execution"

[[rounds]]
key = "prelim"
items = 2
"""

TEAMS = """\
[contest]
slug = "{slug}"
title = "分项评委 / Aspect teams"
decimals = 2

[[criteria]]
key = "外形"
label = "外形"
min = 0
max = 10
judges = ["J1", "J2"]

[[criteria]]
key = "滋味"
label = "滋味"
min = 0
max = 10

[scoring]
panel = "mean"
item = "外形 + 滋味"

[[rounds]]
key = "prelim"
"""

ENTRANTS = [{"code": f"E{n}", "name": f"选手{n}", "organization": "某单位"} for n in (1, 2)]
JUDGES = [{"code": f"J{n}", "name": f"裁判{n}"} for n in range(1, 5)] + [
    {"code": "CJ", "name": "裁判长", "chief": True}
]


async def _contest(app: Starlette, client: httpx.AsyncClient, toml: str) -> tuple[str, str, dict[str, str]]:
    organizer = app_token(app, "organizer")
    slug = new_slug("seats")
    judges = await setup_contest(client, organizer, slug, toml=toml.format(slug=slug), entrants=ENTRANTS, judges=JUDGES)
    return slug, organizer, judges


async def _mark(
    client: httpx.AsyncClient, slug: str, token: str, entrant: str, item: int, values: dict[str, str], **extra: Any
) -> httpx.Response:
    body = {"entrant": entrant, "round": "prelim", "item": item, "values": values, "client_id": client_id(), **extra}
    return await client.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(token))


async def test_a_third_judge_on_an_item_of_a_panel_of_two_is_refused(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    slug, organizer, judges = await _contest(app, app_client, ROTATING)
    mark = {"execution": "8"}
    assert (await _mark(app_client, slug, judges["J1"], "E1", 1, mark)).status_code == 201
    assert (await _mark(app_client, slug, judges["J2"], "E1", 1, {"execution": "9"})).status_code == 201
    refused = assert_error(await _mark(app_client, slug, judges["J3"], "E1", 1, mark), 409, "values.execution")
    assert "E1 item 1: execution already has its 2 judges (J1, J2)" in refused["message"]
    # a judge of the item corrects their own mark; the next item has a panel of its own
    fixed = await _mark(app_client, slug, judges["J2"], "E1", 1, {"execution": "10"}, reason="看错了")
    assert fixed.status_code == 201, fixed.text
    for judge, value in (("J3", "6"), ("J4", "7")):
        assert (await _mark(app_client, slug, judges[judge], "E1", 2, {"execution": value})).status_code == 201
    standings = await app_client.get(f"/api/contests/{slug}/standings", headers=bearer(organizer))
    rows = {r["entrant"]: r for r in standings.json()["rows"]}
    assert rows["E1"]["total"] == "15.50" and rows["E1"]["rank"] == 1  # (8 + 10)/2 + (6 + 7)/2
    assert verify_contest(app.state.db, slug).agree


async def test_a_judges_tablet_offers_only_the_items_whose_panel_still_has_a_seat_for_them(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    slug, _, judges = await _contest(app, app_client, ROTATING)
    for judge, entrant, item in (("J1", "E1", 1), ("J2", "E1", 1), ("J3", "E1", 2), ("J4", "E1", 2)):
        assert (await _mark(app_client, slug, judges[judge], entrant, item, {"execution": "8"})).status_code == 201
    for judge, entrant, item in (("J1", "E2", 1), ("J2", "E2", 1), ("J1", "E2", 2), ("J2", "E2", 2)):
        assert (await _mark(app_client, slug, judges[judge], entrant, item, {"execution": "7"})).status_code == 201

    async def queue(judge: str) -> dict[str, Any]:
        answer = await app_client.get("/judge/api/queue?round=prelim", headers=bearer(judges[judge]))
        assert answer.status_code == 200, answer.text
        return {e["code"]: (e["assigned"], e["done"]) for e in answer.json()["entrants"]}

    # each judge keeps the items they marked; a full item, and an entrant whose items are all full, are not offered
    assert await queue("J1") == {"E1": ({"1": ["execution"]}, 1), "E2": ({"1": ["execution"], "2": ["execution"]}, 2)}
    assert await queue("J3") == {"E1": ({"2": ["execution"]}, 1)}
    refused = await _mark(app_client, slug, judges["J3"], "E2", 1, {"execution": "6"})
    assert refused.status_code == 409, "the tablet hid an item the server would have taken"


async def test_an_aspect_team_marks_its_criterion_alone(app: Starlette, app_client: httpx.AsyncClient) -> None:
    slug, organizer, judges = await _contest(app, app_client, TEAMS)
    refused = assert_error(await _mark(app_client, slug, judges["J3"], "E1", 1, {"外形": "8"}), 403, "values.外形")
    assert "外形 is judged by J1, J2, not by J3" in refused["message"]
    refused = assert_error(await _mark(app_client, slug, judges["J1"], "E1", 1, {"滋味": "8"}), 403, "values.滋味")
    assert "judge J1 marks 外形 only" in refused["message"]
    for judge, values in (("J1", {"外形": "8"}), ("J2", {"外形": "9"}), ("J3", {"滋味": "6"}), ("J4", {"滋味": "7"})):
        answer = await _mark(app_client, slug, judges[judge], "E1", 1, values)
        assert answer.status_code == 201, answer.text
    standings = await app_client.get(f"/api/contests/{slug}/standings", headers=bearer(organizer))
    row = next(r for r in standings.json()["rows"] if r["entrant"] == "E1")
    assert row["total"] == "15.00" and row["rank"] == 1  # (8 + 9)/2 + (6 + 7)/2: team members are not on 滋味
    assert verify_contest(app.state.db, slug).agree


async def test_a_judges_tablet_shows_their_own_aspect_only(app: Starlette, app_client: httpx.AsyncClient) -> None:
    _, _, judges = await _contest(app, app_client, TEAMS)
    for judge, shown in (("J1", ["外形"]), ("J2", ["外形"]), ("J3", ["滋味"]), ("J4", ["滋味"])):
        answer = await app_client.get("/judge/api/queue?round=prelim", headers=bearer(judges[judge]))
        assert answer.status_code == 200, answer.text
        assert [c["key"] for c in answer.json()["round"]["criteria"]] == shown, judge


async def test_the_chief_judges_grid_expects_of_each_judge_their_own_aspect(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    slug, _, judges = await _contest(app, app_client, TEAMS)
    for judge, values in (("J1", {"外形": "8"}), ("J3", {"滋味": "6"})):
        assert (await _mark(app_client, slug, judges[judge], "E1", 1, values)).status_code == 201
    grid = await app_client.get("/chief/api/progress?round=prelim", headers=bearer(judges["CJ"]))
    assert grid.status_code == 200, grid.text
    cells = {e["code"]: e["cells"] for e in grid.json()["entrants"]}["E1"]
    assert cells["J1"]["status"] == "submitted" and cells["J1"]["expected"] == 1
    assert cells["J3"]["status"] == "submitted" and cells["J3"]["expected"] == 1
    assert cells["J2"]["status"] == "missing" and cells["J4"]["status"] == "missing"
    assert grid.json()["summary"]["marks_expected"] == 2 * 4  # two entrants, four judges, one mark each
