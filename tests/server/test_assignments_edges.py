"""The edges of who judges whom through the real app (contest/web/assignments_api.py): a first upload to a round
that had no assignments must assign everyone (and sees every mark of the round), rounds with aspect teams cannot be
drawn or uploaded, a draw records its conflicts, odd cells of an uploaded file are refused naming the row, and
recusal (回避) keeps a judge's queue and the chief judge's grid off the entrants they may not score, without telling a
judge of a blind contest the entrant's organization."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.server.conftest import app_token, assert_error, bearer, client_id, new_slug, setup_contest

pytestmark = [pytest.mark.asyncio, pytest.mark.parametrize("db_kind", ["sqlite"])]

OPEN_TOML = """\
[contest]
slug = "{slug}"
title = "无分组 / Everyone judges everyone"
judges = ["J1", "J2", "J3"]

[[criteria]]
key = "taste"
label = "滋味"
min = 0
max = 10
{team}
[scoring]
panel = "mean"
panel_size = 2
item = "{item}"

[[rounds]]
key = "r"

[[panels]]
key = "A"
judges = ["J1", "J2"]

[recusal]
organizations = {{ J3 = "广东" }}
"""
LOOK = """
[[criteria]]
key = "look"
label = "外形"
min = 0
max = 10
judges = ["J1", "J2"]
"""
ENTRANTS = [
    {"code": "E1", "name": "甲", "organization": "四川"},
    {"code": "E2", "name": "乙", "organization": "湖北"},
    {"code": "E3", "name": "丙", "organization": "广东"},  # J3 is of 广东: recused (回避)
]
JUDGES = [{"code": f"J{n}", "name": f"裁判{n}"} for n in range(1, 4)] + [
    {"code": "CJ", "name": "裁判长", "chief": True}
]


class Field:
    def __init__(self, client: httpx.AsyncClient, slug: str, organizer: str, judges: dict[str, str]) -> None:
        self.client, self.slug, self.organizer, self.judges = client, slug, organizer, judges

    def url(self, path: str) -> str:
        return f"/api/contests/{self.slug}{path}"

    async def upload(self, text: str, **params: str) -> httpx.Response:
        headers = {**bearer(self.organizer), "content-type": "text/csv"}
        return await self.client.put(self.url("/assignments"), params=params, content=text.encode(), headers=headers)

    async def draw(self, **body: Any) -> httpx.Response:
        return await self.client.post(
            self.url("/assignments/draw"), json={"round": "r", **body}, headers=bearer(self.organizer)
        )

    async def assigned(self) -> dict[str, Any]:
        answer = await self.client.get(self.url("/assignments"), headers=bearer(self.organizer))
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def mark(self, judge: str, entrant: str, key: str = "taste") -> httpx.Response:
        body = {"entrant": entrant, "round": "r", "item": 1, "values": {key: "5"}, "client_id": client_id()}
        return await self.client.post(self.url("/marks"), json=body, headers=bearer(self.judges[judge]))


async def contest(app: Starlette, client: httpx.AsyncClient, *, team: bool = False, blind: bool = False) -> Field:
    organizer = app_token(app, "organizer")
    slug = new_slug("edges")
    toml = OPEN_TOML.format(slug=slug, team=LOOK if team else "", item="taste + look" if team else "taste")
    if blind:
        toml = toml.replace('title = "', 'blind = true\ntitle = "', 1)
    judges = await setup_contest(client, organizer, slug, toml=toml, entrants=ENTRANTS, judges=JUDGES)
    return Field(client, slug, organizer, judges)


async def test_a_first_upload_to_an_open_round_must_assign_every_entrant(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    field = await contest(app, app_client)
    assert (await field.mark("J3", "E2")).status_code == 201  # everyone judges everyone: J3 may mark E2
    # naming E1 only would leave E2 and E3 with nobody (they had everyone)
    answer = await field.upload("entrant,round,judge\nE1,r,J1\nE1,r,J2\n")
    error = assert_error(answer, 422, "entrant")
    assert "2 would have no judges: 'E2', 'E3'" in error["message"]
    assert (await field.assigned())["changes"] == []  # nothing stored
    assert (await field.mark("J3", "E1")).status_code == 201  # E1 still everyone's

    whole = "entrant,round,judge\nE1,r,J1\nE1,r,J2\nE2,r,J1\nE2,r,J2\nE3,r,J1\nE3,r,J2\n"
    # the marks of every entrant count: a reason is needed, and J3 (who marked E1 and E2) may not be taken off
    assert "2 marks" in assert_error(await field.upload(whole), 422, "reason")["message"]
    error = assert_error(await field.upload(whole, reason="分组"), 409, "judge")
    assert "entrant E1 item 1 taste: J3 gave 5" in error["message"]
    assert "entrant E2 item 1 taste: J3 gave 5" in error["message"]
    assert (await field.assigned())["changes"] == []


async def test_a_round_with_aspect_teams_cannot_be_drawn_or_uploaded(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    field = await contest(app, app_client, team=True)
    message = "round 'r' has aspect teams (look: their judges are named in the contest file)"
    assert message in assert_error(await field.draw(seed=1), 422, "round")["message"]
    whole = "entrant,round,judge\nE1,r,J1\nE1,r,J2\nE2,r,J1\nE2,r,J2\nE3,r,J1\nE3,r,J2\n"
    assert message in assert_error(await field.upload(whole), 422, "round")["message"]
    assert (await field.assigned())["changes"] == []
    assert (await field.mark("J1", "E1", "look")).status_code == 201  # the team still judges its criterion


async def test_a_draw_records_its_conflicts(app: Starlette, app_client: httpx.AsyncClient) -> None:
    field = await contest(app, app_client)
    answer = await field.draw(seed=5, conflicts=[{"judge": "J2", "entrant": "E1"}])
    assert answer.status_code == 201, answer.text
    change = (await field.assigned())["changes"][-1]
    assert (change["seed"], change["conflicts"]) == ("5", [{"judge": "J2", "entrant": "E1"}])
    rows = (await field.assigned())["rows"]
    assert {r["judge"] for r in rows if r["entrant"] == "E1"} == {"J1", "J3"}
    assert (await field.draw(seed=5)).status_code == 201
    assert (await field.assigned())["changes"][-1]["conflicts"] == []


@pytest.mark.parametrize("item", ["²", "١", "３"])
async def test_an_item_that_is_not_an_ascii_number_is_refused_naming_the_row(
    app: Starlette, app_client: httpx.AsyncClient, item: str
) -> None:
    field = await contest(app, app_client)
    answer = await field.upload(f"entrant,round,item,judge\nE1,r,1,J1\nE1,r,{item},J2\n")
    error = assert_error(answer, 422, "item")
    assert error["message"] == f"row 3: item must be a whole number, got {item!r}"
    assert (await field.assigned())["changes"] == []


async def test_an_uploaded_panel_must_be_one_of_the_contest_file(app: Starlette, app_client: httpx.AsyncClient) -> None:
    field = await contest(app, app_client)
    rows = "".join(f"{e},r,,{p},{j}\n" for e in ("E1", "E2", "E3") for j, p in (("J1", "A"), ("J2", "Z" * 200)))
    answer = await field.upload("entrant,round,item,panel,judge\n" + rows)
    error = assert_error(answer, 422, "panel")
    assert error["message"] == f"row 3: no panel {'Z' * 64 + '…'!r}; panels: A"
    assert (await field.assigned())["changes"] == []
    fine = "".join(f"{e},r,,A,{j}\n" for e in ("E1", "E2", "E3") for j in ("J1", "J2"))
    answer = await field.upload("entrant,round,item,panel,judge\n" + fine)
    assert answer.status_code == 200, answer.text
    assert {r["panel"] for r in (await field.assigned())["rows"]} == {"A"}


async def test_a_recused_judge_neither_sees_nor_is_counted_on_the_entrant(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    field = await contest(app, app_client)
    queue = await app_client.get("/judge/api/queue?round=r", headers=bearer(field.judges["J3"]))
    assert queue.status_code == 200, queue.text
    assert [e["code"] for e in queue.json()["entrants"]] == ["E1", "E2"]  # not E3: both of 广东
    grid = await app_client.get("/chief/api/progress?round=r", headers=bearer(field.judges["CJ"]))
    assert grid.status_code == 200, grid.text
    cells = {e["code"]: e["cells"] for e in grid.json()["entrants"]}
    assert cells["E3"]["J3"]["status"] == "unassigned" and cells["E3"]["J1"]["status"] == "missing"
    assert cells["E1"]["J3"]["status"] == "missing"
    refused = assert_error(await field.mark("J3", "E3"), 403, "entrant")
    assert refused["message"] == "judge J3 is of the same organization as entrant E3 (广东): recused (回避)"


async def test_a_judge_of_a_blind_contest_is_not_told_the_organization(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    field = await contest(app, app_client, blind=True)
    refused = assert_error(await field.mark("J3", "E3"), 403, "entrant")
    assert refused["message"] == "judge J3 is of the same organization as entrant E3: recused (回避)"
    assert "广东" not in refused["message"]
