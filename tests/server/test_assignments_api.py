"""Who judges whom through the real app (contest/web/assignments_api.py): two panels over two halves of the field,
each judge's queue and marks limited to their own entrants (403 naming the panel), uploads and downloads that
round-trip, recusal (回避) refused, reproducible draws, and a reassignment after marks that needs a reason and keeps
the marks in the history."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
import pytest_asyncio
from openpyxl import load_workbook
from starlette.applications import Starlette

from tests.server.conftest import Venue, app_token, assert_error, bearer, client_id, new_slug, setup_contest

pytestmark = [pytest.mark.asyncio, pytest.mark.parametrize("db_kind", ["sqlite"])]

PANELS_TOML = """\
[contest]
slug = "{slug}"
title = "分组测试 / Panels"
decimals = 2

[[criteria]]
key = "execution"
label = "动作完成"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
panel_size = 3
item = "execution"

[[rounds]]
key = "prelim"
items = 2

[[panels]]
key = "A"
label = "第一组"
judges = ["J1", "J2", "J3"]

[[panels]]
key = "B"
label = "第二组"
judges = ["J4", "J5", "J6"]

[[assignments]]
round = "prelim"
panel = "A"
entrants = {{ range = ["A001", "A004"] }}

[[assignments]]
round = "prelim"
panel = "B"
entrants = {{ range = ["A005", "A008"] }}

[recusal]
organizations = {{ J1 = "广东", J4 = "四川" }}
"""
ORGS = ["四川", "湖北", "上海", "四川", "广东", "湖北", "上海", "广东"]  # J1 is of 广东 (panel A), J4 of 四川 (B)
ENTRANTS = [{"code": f"A{n:03d}", "name": f"选手{n}", "organization": ORGS[n - 1]} for n in range(1, 9)]
JUDGES = [{"code": f"J{n}", "name": f"裁判{n}"} for n in range(1, 7)] + [
    {"code": "CJ", "name": "裁判长", "chief": True}
]


@pytest_asyncio.fixture
async def field(app: Starlette, app_client: httpx.AsyncClient) -> Venue:
    organizer = app_token(app, "organizer")
    slug = new_slug("panels")
    judges = await setup_contest(
        app_client, organizer, slug, toml=PANELS_TOML.format(slug=slug), entrants=ENTRANTS, judges=JUDGES
    )
    return Venue(app_client, slug, organizer, app_token(app, "recorder"), judges, "", "")


async def mark(venue: Venue, judge: str, entrant: str, item: int, value: str, **extra: Any) -> httpx.Response:
    body = {"entrant": entrant, "round": "prelim", "item": item, "values": {"execution": value}, **extra}
    return await venue.client.post(
        venue.url("/marks"), json={**body, "client_id": client_id()}, headers=bearer(venue.judges[judge])
    )


async def queue_codes(venue: Venue, judge: str) -> list[str]:
    answer = await venue.client.get("/judge/api/queue?round=prelim", headers=bearer(venue.judges[judge]))
    assert answer.status_code == 200, answer.text
    return [e["code"] for e in answer.json()["entrants"]]


async def assigned(venue: Venue, fmt: str = "json") -> httpx.Response:
    answer = await venue.client.get(venue.url("/assignments"), params={"format": fmt}, headers=bearer(venue.organizer))
    assert answer.status_code == 200, answer.text
    return answer


async def test_two_panels_over_two_halves_of_the_field_score_their_own_entrants(field: Venue) -> None:
    assert await queue_codes(field, "J2") == ["A001", "A002", "A003", "A004"]
    assert await queue_codes(field, "J5") == ["A005", "A006", "A007", "A008"]

    # a judge of panel B marking panel A's entrant: 403 naming whose item it is
    refused = assert_error(await mark(field, "J4", "A001", 2, "8"), 403, "entrant")
    assert "entrant A001 item 2 is panel A's (J1, J2, J3)" in refused["message"]

    for judge, values in {"J1": ("8", "7"), "J2": ("9", "8"), "J3": ("7", "9")}.items():
        for item, value in enumerate(values, 1):
            assert (await mark(field, judge, "A001", item, value)).status_code == 201
    for judge, values in {"J5": ("6", "6"), "J6": ("7", "7"), "J4": ("8", "8")}.items():
        entrant = "A006"
        for item, value in enumerate(values, 1):
            assert (await mark(field, judge, entrant, item, value)).status_code == 201
    rows = {r["entrant"]: r for r in (await field.standings(field.organizer, round="prelim")).json()["rows"]}
    assert rows["A001"]["total"] == "16.00" and rows["A001"]["rank"] == 1  # (8+9+7)/3 + (7+8+9)/3
    assert rows["A006"]["total"] == "14.00" and rows["A006"]["rank"] == 2


async def test_assignments_download_and_upload_round_trip(field: Venue) -> None:
    before = (await assigned(field)).json()["rows"]
    assert len(before) == 8 * 3 and {r["panel"] for r in before} == {"A", "B"}
    text = (await assigned(field, "csv")).content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header == ["entrant", "round", "item", "criterion", "panel", "judge"]
    answer = await field.client.put(
        field.url("/assignments"),
        content=text.encode(),
        headers={**bearer(field.organizer), "content-type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    after = (await assigned(field)).json()
    assert sorted(map(str, after["rows"])) == sorted(map(str, before))
    assert after["changes"][-1]["source"] == "upload"
    book = load_workbook(io.BytesIO((await assigned(field, "xlsx")).content))
    sheet = book.active
    assert sheet is not None and sheet.max_row == 1 + 24

    # the short form: entrant, round, item, panel — panel B takes A002's second item (dives 1 and 2 apart)
    short = "entrant,round,item,panel\nA002,prelim,1,A\nA002,prelim,2,B\n"
    answer = await field.client.put(
        field.url("/assignments"),
        content=short.encode(),
        headers={**bearer(field.organizer), "content-type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    assert await queue_codes(field, "J2") == ["A001", "A002", "A003", "A004"]  # the others keep theirs
    j2 = (await field.client.get("/judge/api/queue?round=prelim", headers=bearer(field.judges["J2"]))).json()
    assert {e["code"]: e["assigned"] for e in j2["entrants"]}["A002"] == {"1": ["execution"]}
    assert (await mark(field, "J5", "A002", 2, "8")).status_code == 201
    assert "panel A's" in assert_error(await mark(field, "J5", "A002", 1, "8"), 403, "entrant")["message"]


async def test_recusal_is_refused_by_the_api(field: Venue) -> None:
    rows = [{"entrant": "A005", "round": "prelim", "judge": j} for j in ("J1", "J2", "J3")]  # J1 and A005: 广东
    answer = await field.client.put(field.url("/assignments"), json={"rows": rows}, headers=bearer(field.organizer))
    error = assert_error(answer, 422, "judge")
    assert error["message"] == "recused (回避): judge J1 is of the same organization as entrant A005 (广东)"
    assert (await assigned(field)).json()["changes"] == []  # nothing stored
    assert (await assigned(field)).json()["recused"] == []  # the contest file's panels respect recusal
    # a declared conflict is kept out of a draw, as are organizations; a draw that cannot be made names the entrant
    body = {"round": "prelim", "seed": 7, "conflicts": [{"judge": "J2", "entrant": "A001"}]}
    answer = await field.client.post(field.url("/assignments/draw"), json=body, headers=bearer(field.organizer))
    assert answer.status_code == 201, answer.text
    drawn = (await assigned(field)).json()["rows"]
    pairs = {(r["judge"], r["entrant"]) for r in drawn}
    assert not pairs & {("J2", "A001"), ("J1", "A005"), ("J1", "A008"), ("J4", "A001"), ("J4", "A004")}
    body = {
        "round": "prelim",
        "seed": 7,
        "conflicts": [{"judge": j, "entrant": "A003"} for j in ("J2", "J3", "J5", "J6")],
    }
    answer = await field.client.post(field.url("/assignments/draw"), json=body, headers=bearer(field.organizer))
    assert "entrant A003" in assert_error(answer, 422, "seed")["message"]


async def test_a_draw_is_balanced_recorded_and_reproducible_from_its_seed(field: Venue) -> None:
    async def draw(seed: int) -> list[dict[str, Any]]:
        body = {"round": "prelim", "seed": seed}
        answer = await field.client.post(field.url("/assignments/draw"), json=body, headers=bearer(field.organizer))
        assert answer.status_code == 201, answer.text
        rows: list[dict[str, Any]] = (await assigned(field)).json()["rows"]
        return rows

    first = await draw(2026)
    loads = {f"J{n}": sum(1 for r in first if r["judge"] == f"J{n}") for n in range(1, 7)}
    assert sum(loads.values()) == 8 * 3 and max(loads.values()) - min(loads.values()) <= 1
    assert await draw(1) != first
    assert await draw(2026) == first
    changes = (await assigned(field)).json()["changes"]
    assert [(c["source"], c["seed"]) for c in changes] == [("draw", "2026"), ("draw", "1"), ("draw", "2026")]


async def test_a_reassignment_after_marks_needs_a_reason_and_keeps_the_marks(field: Venue) -> None:
    assert (await mark(field, "J1", "A002", 1, "8")).status_code == 201
    headers = {**bearer(field.organizer), "content-type": "text/csv"}

    async def upload(text: str, **params: str) -> httpx.Response:
        return await field.client.put(field.url("/assignments"), params=params, content=text.encode(), headers=headers)

    # J1 marked A002's first item: J1 stays on it (the mark keeps counting), so panel B cannot take it whole
    error = assert_error(await upload("entrant,round,item,panel\nA002,prelim,,B\n", reason="换组"), 409, "judge")
    assert "entrant A002 item 1 execution: J1 gave 8" in error["message"]
    # panel B takes A002's second item: after marks, a reason is needed
    moved = "entrant,round,item,panel\nA002,prelim,1,A\nA002,prelim,2,B\n"
    assert "reason" in assert_error(await upload(moved), 422, "reason")["message"]
    answer = await upload(moved, reason="第一组评委临时调换")
    assert answer.status_code == 200, answer.text
    kept = answer.json()["rounds"][0]["kept"]
    assert kept == [{"entrant": "A002", "item": 1, "criterion": "execution", "judge": "J1", "value": "8"}]
    change = (await assigned(field)).json()["changes"][-1]
    assert change["reason"] == "第一组评委临时调换" and change["marks"] == 1 and change["kept"] == kept
    assert [(m["entrant"], m["judge"], m["new"]) for m in await field.history()] == [("A002", "J1", "8")]

    refused = assert_error(await mark(field, "J1", "A002", 2, "8"), 403, "entrant")
    assert refused["message"] == "entrant A002 item 2 is panel B's (J4, J5, J6); judge J1 is not assigned to it"
    for judge in ("J2", "J3"):
        assert (await mark(field, judge, "A002", 1, "7")).status_code == 201
    for judge in ("J4", "J5", "J6"):
        assert (await mark(field, judge, "A002", 2, "6")).status_code == 201
    rows = {r["entrant"]: r for r in (await field.standings(field.organizer, round="prelim")).json()["rows"]}
    assert rows["A002"]["rank"] == 1 and rows["A002"]["total"] == "13.33"  # (8+7+7)/3 + 6, each item its own panel


async def test_the_chief_judges_grid_shows_each_panels_own_entrants(field: Venue) -> None:
    chief = bearer(field.judges["CJ"])
    assert (await mark(field, "J4", "A006", 1, "9")).status_code == 201
    grid = (await field.client.get("/chief/api/progress?round=prelim", headers=chief)).json()
    assert [p["key"] for p in grid["panels"]] == ["A", "B"] and grid["panels"][0]["entrants"] == 4
    rows = {e["code"]: e for e in grid["entrants"]}
    assert rows["A001"]["panel"] == "第一组" and rows["A006"]["panel"] == "第二组"
    assert rows["A001"]["cells"]["J4"]["status"] == "unassigned"
    assert rows["A006"]["cells"]["J4"] == {
        "status": "partial",
        "given": 1,
        "expected": 2,
        "corrected": False,
        "flags": 0,
    }
    assert grid["summary"]["cells"] == 8 * 3 and grid["summary"]["marks_expected"] == 8 * 3 * 2
    assert grid["normalize"] == "none"
    one = (await field.client.get("/chief/api/progress?round=prelim&panel=B", headers=chief)).json()
    assert [j["code"] for j in one["judges"]] == ["J4", "J5", "J6"]
    assert [e["code"] for e in one["entrants"]] == ["A005", "A006", "A007", "A008"]
    answer = await field.client.get("/chief/api/progress?round=prelim&panel=Z", headers=chief)
    assert "no panel 'Z'" in assert_error(answer, 422, "panel")["message"]


async def test_normalisation_is_said_and_a_judge_of_no_panel_has_nothing_to_score(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    organizer = app_token(app, "organizer")
    slug = new_slug("norm")
    toml = PANELS_TOML.format(slug=slug).replace('panel = "mean"\n', 'panel = "mean"\nnormalize = "zscore"\n')
    people = [*JUDGES, {"code": "J7", "name": "裁判7"}]
    judges = await setup_contest(app_client, organizer, slug, toml=toml, entrants=ENTRANTS, judges=people)
    answer = await app_client.get("/chief/api/progress?round=prelim", headers=bearer(judges["CJ"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["normalize"] == "zscore"
    queue = (await app_client.get("/judge/api/queue?round=prelim", headers=bearer(judges["J7"]))).json()
    assert queue["entrants"] == [] and queue["round"]["on_panel"] is False
