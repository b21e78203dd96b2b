"""Hostile input on every path of the API, on SQLite and PostgreSQL: the one text and number policy
(contest/scoring/text.py, numbers.py) refuses with 422 naming the field (and, for files, the row) and stores nothing.

Before: an `item` of 2^31 (PostgreSQL) or 2^63 (SQLite) answered 500; a NUL in a CSV entrant list answered 500 on
PostgreSQL and was stored on SQLite; a right-to-left override in a name was stored and shown reversed on tablets;
"8_0", "٨٠", "１００" were stored as numbers and "-0" as -0; `item = "a/0"` made a contest that ranks no one.
"""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from starlette.applications import Starlette

from contest.db.models import Contest, Entrant, Judge, Mark
from tests.server.conftest import Venue, app_token, assert_error, bearer, client_id, new_slug, setup_contest

pytestmark = pytest.mark.asyncio

HUNDRED = """
[contest]
slug = "{slug}"
title = "百分制"

[[criteria]]
key = "score"
min = 0
max = 100

[[rounds]]
key = "main"
items = 2
"""


def count(app: Starlette, model: type[Any], slug: str | None = None) -> int:
    """Rows of `model` in the database (of the contest `slug` when given), read straight from it."""
    with app.state.db() as session:
        query = select(func.count()).select_from(model)
        if slug is not None and model is not Contest:
            query = query.join(Contest, Contest.id == model.contest_id).where(Contest.slug == slug)
        elif slug is not None:
            query = query.where(Contest.slug == slug)
        found: int = session.execute(query).scalar_one()
        return found


async def hundred(app: Starlette, client: httpx.AsyncClient) -> tuple[str, str, dict[str, str]]:
    """A contest marked out of 100 with entrants E1..E4 and judges: (slug, organizer token, judges' tokens)."""
    organizer = app_token(app, "organizer")
    slug = new_slug("hundred")
    judges = await setup_contest(client, organizer, slug, toml=HUNDRED.format(slug=slug))
    return slug, organizer, judges


async def send_mark(client: httpx.AsyncClient, slug: str, token: str, **body: Any) -> httpx.Response:
    payload = {"entrant": "E1", "round": "main", "item": 1, "values": {"score": "80"}, "client_id": client_id()}
    payload.update(body)
    return await client.post(f"/api/contests/{slug}/marks", json=payload, headers=bearer(token))


# -- integers before the database -----------------------------------------------------------------------------------


@pytest.mark.parametrize("item", [2**31, 2**31 - 1, 2**63, 2**63 - 1, 2**64, -(2**63), 10**30])
async def test_huge_items_are_refused_not_a_server_error(venue: Venue, item: int) -> None:
    before = await venue.snapshot()
    response = await venue.mark(venue.judges["J1"], {"execution": "8"}, item=item)
    assert_error(response, 422, "item")
    assert await venue.snapshot() == before


async def test_huge_standings_limits_are_refused(venue: Venue) -> None:
    for limit in (str(2**31), str(2**63), "１０", "٣", "1_0"):
        assert_error(await venue.standings(venue.organizer, round="prelim", limit=limit), 422, "limit")


# -- numbers --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["8_0", "٨٠", "１００", "۸۰", "1e1", "8\u00a00"])
async def test_marks_not_written_in_ascii_digits_are_refused(
    app: Starlette, app_client: httpx.AsyncClient, value: str
) -> None:
    slug, _, judges = await hundred(app, app_client)
    response = await send_mark(app_client, slug, judges["J1"], values={"score": value})
    assert_error(response, 422, "values.score")
    assert count(app, Mark, slug) == 0


async def test_minus_zero_is_stored_as_zero(app: Starlette, app_client: httpx.AsyncClient) -> None:
    slug, organizer, judges = await hundred(app, app_client)
    assert (await send_mark(app_client, slug, judges["J1"], values={"score": "-0"})).status_code == 201
    assert (await send_mark(app_client, slug, judges["J2"], values={"score": "-0.0"})).status_code == 201
    history = await app_client.get(f"/api/contests/{slug}/history", headers=bearer(organizer))
    assert sorted(m["new"] for m in history.json()["marks"]) == ["0", "0.0"]
    with app.state.db() as session:
        assert sorted(session.scalars(select(Mark.value)).all()) == ["0", "0.0"]


# -- texts ----------------------------------------------------------------------------------------------------------

RLO_NAME = "\u202eevil\u202c gnp.exe"


@pytest.mark.parametrize(
    ("entrant", "field"),
    [
        ({"code": "E9", "name": RLO_NAME}, "[4].name"),
        ({"code": "E9", "name": "林\u2066浩然"}, "[4].name"),
        ({"code": "E9\u200f", "name": "x"}, "[4].code"),
        ({"code": "E9", "name": "x", "organization": "广东\x00"}, "[4].organization"),
        ({"code": "E9", "name": "x", "group": "A\u2028B"}, "[4].group"),
        ({"code": "E9", "name": "x\ud800"}, "[4].name"),
    ],
)
async def test_hostile_names_in_a_json_entrant_list_are_refused(
    venue: Venue, entrant: dict[str, str], field: str
) -> None:
    people = [
        {"code": "E1", "name": "林浩然"},
        {"code": "E2", "name": "陈一鸣"},
        {"code": "E3", "name": "张子墨"},
        {"code": "E4", "name": "李泽宇"},
        entrant,
    ]
    before = await venue.fingerprint()
    # json.dumps escapes a lone surrogate ("\\ud800"): valid JSON, but no character any database stores
    response = await venue.client.put(
        venue.url("/entrants"),
        content=json.dumps(people).encode(),
        headers={**bearer(venue.organizer), "content-type": "application/json"},
    )
    error = assert_error(response, 422)
    assert error["field"] == field, error
    assert await venue.fingerprint() == before
    names = (await venue.standings(venue.organizer, round="prelim")).json()["rows"]
    assert all(row.get("name") != entrant["name"] for row in names)


async def test_a_judge_named_with_an_override_is_refused(venue: Venue) -> None:
    response = await venue.client.post(
        venue.url("/judges"), json=[{"code": "J7", "name": RLO_NAME}], headers=bearer(venue.organizer)
    )
    assert_error(response, 422, "[0].name")


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("E9,坏\x00名字,广东,A", "姓名"),
        ("E9,好名字,广\x00东,A", "单位"),
        (f"E9,{RLO_NAME},广东,A", "姓名"),
        ("E\x009,好名字,广东,A", "编号"),
    ],
)
async def test_a_nul_or_an_override_in_a_csv_entrant_list_is_refused_naming_row_and_column(
    app: Starlette, app_client: httpx.AsyncClient, row: str, column: str
) -> None:
    slug, organizer, _ = await hundred(app, app_client)
    before = count(app, Entrant, slug)
    text = f"编号,姓名,单位,组别\nE1,林浩然,广东,A\n{row}\n"
    response = await app_client.put(
        f"/api/contests/{slug}/entrants",
        content=text.encode("utf-8"),
        headers={**bearer(organizer), "content-type": "text/csv", "accept-language": "zh-CN"},
    )
    error = assert_error(response, 422)
    assert f"第 3 行 {column} 列" in error["message"], error
    assert count(app, Entrant, slug) == before == 4  # the list as it was


async def test_an_override_in_an_xlsx_entrant_list_is_refused_naming_the_row(
    app: Starlette, app_client: httpx.AsyncClient
) -> None:
    slug, organizer, _ = await hundred(app, app_client)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (
        ["code", "name", "organization"],
        ["E1", "林浩然", "广东"],
        ["E2", "陈一鸣", "四川"],
        ["E9", RLO_NAME, "x"],
    ):
        sheet.append(line)
    data = io.BytesIO()
    book.save(data)
    response = await app_client.put(
        f"/api/contests/{slug}/entrants",
        content=data.getvalue(),
        headers={
            **bearer(organizer),
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    error = assert_error(response, 422)
    assert "row 4, column name" in error["message"] and "U+202E" in error["message"], error
    assert count(app, Entrant, slug) == 4


# -- contest files --------------------------------------------------------------------------------------------------


async def create(client: httpx.AsyncClient, organizer: str, toml: str) -> httpx.Response:
    return await client.post(
        "/api/contests", content=toml.encode(), headers={**bearer(organizer), "content-type": "application/toml"}
    )


@pytest.mark.parametrize(
    ("item", "shown"), [("score / 0", "0"), ("score / (1 - 1)", "1 - 1"), ("score * 2 / (0.5 * 0)", "0.5 * 0")]
)
async def test_a_formula_dividing_by_a_constant_zero_is_refused_when_the_contest_is_created(
    app: Starlette, app_client: httpx.AsyncClient, item: str, shown: str
) -> None:
    organizer = app_token(app, "organizer")
    slug = new_slug("zero")
    toml = HUNDRED.format(slug=slug) + f'\n[scoring]\nitem = "{item}"\n'
    error = assert_error(await create(app_client, organizer, toml), 422, "scoring.item")
    assert f"divides by {shown}, which is always zero" in error["message"]
    assert count(app, Contest, slug) == 0


async def test_a_contest_title_with_an_override_is_refused(app: Starlette, app_client: httpx.AsyncClient) -> None:
    organizer = app_token(app, "organizer")
    slug = new_slug("rlo")
    toml = HUNDRED.format(slug=slug).replace('title = "百分制"', 'title = "\\u202eevil\\u202c gnp.exe"')
    error = assert_error(await create(app_client, organizer, toml), 422, "contest.title")
    assert "U+202E" in error["message"]
    assert count(app, Contest, slug) == 0


async def test_clean_names_in_any_script_are_stored_as_sent(app: Starlette, app_client: httpx.AsyncClient) -> None:
    slug, organizer, _ = await hundred(app, app_client)
    people = [
        {"code": "E1", "name": "محمد علي", "organization": "דוד"},
        {"code": "E2", "name": "Zoë O'Brien"},
        {"code": "E3", "name": "李\u3000明"},
        {"code": "E4", "name": "👩‍🔬 Ana"},
    ]
    response = await app_client.put(f"/api/contests/{slug}/entrants", json=people, headers=bearer(organizer))
    assert response.status_code == 200, response.text
    with app.state.db() as session:
        names = dict(session.execute(select(Entrant.code, Entrant.name)).all())
    assert [names[p["code"]] for p in people] == [p["name"] for p in people]
    assert count(app, Judge, slug) == 4
