"""The chief judge's 核对排名 / Verify standings button and the JSON behind it (GET /chief/api/verify), on a real app
(temp SQLite file): the running server's own boards against a fresh computation from the stored marks."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from test_pages_judge import OPEN_PEOPLE, OPEN_TOML, Pages, page_data
from test_pages_judge import pages as pages  # the fixture: a running app on a temp SQLite file

ZH = {"accept-language": "zh-CN"}


async def scored(pages: Pages) -> tuple[str, dict[str, str]]:
    """A contest whose prelim is marked: D01 8 and 9 by J1 with dd 2.0, D02 6 and 7 with dd 1.5."""
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="跳水")
    tokens = await pages.judges(slug, "J1", chief="CJ")
    for code, values, dd in (("D01", ("8", "9"), "2.0"), ("D02", ("6", "7"), "1.5")):
        for item, value in enumerate(values, start=1):
            await pages.mark(slug, code, "prelim", {"execution": value}, "J1", item=item)
            await pages.mark(slug, code, "prelim", {"dd": dd}, "", item=item)
    return slug, tokens


@pytest.mark.asyncio
async def test_the_button_and_the_standings_agree(pages: Pages) -> None:
    _, tokens = await scored(pages)
    chief, _ = await pages.login(tokens["CJ"])
    page = await chief.get("/chief")
    assert 'id="verify"' in page.text and "核对排名" in page.text
    assert page_data(page.text)["urls"]["verify"] == "/chief/api/verify"
    assert "Verify standings" in (await chief.get("/chief?lang=en")).text

    answer = await chief.get("/chief/api/verify", headers=ZH)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    # two rounds (prelim, and final adding prelim), each the whole standing: 2 standings, version 2 + 8 marks
    assert body == {
        "agree": True,
        "version": 10,
        "standings": 2,
        "summary": "全部 2 个排名与重新计算的结果一致（版本 10）",
        "differences": [],
    }
    english = (await chief.get("/chief/api/verify", headers={"accept-language": "en"})).json()
    assert english["summary"] == "all 2 standings agree (version 10)"


@pytest.mark.asyncio
async def test_a_stored_mark_changed_behind_the_servers_back_is_listed(pages: Pages) -> None:
    slug, tokens = await scored(pages)
    standings = await pages.organizer.get(f"/api/contests/{slug}/standings?round=prelim")
    assert [r["total"] for r in standings.json()["rows"]] == ["34.00", "19.50"]  # the server's boards are built
    # marks are append-only; a value edited in place (a hand edit, a bad restore) bypasses the change log, so
    # the boards in memory keep the old one: D02's item 2 execution 7 becomes 10
    with pages.app.state.db.begin() as session:
        session.execute(text("UPDATE marks SET value = '10' WHERE entrant = 'D02' AND item = 2 AND judge = 'J1'"))

    chief, _ = await pages.login(tokens["CJ"])
    body = (await chief.get("/chief/api/verify", headers=ZH)).json()
    assert body["agree"] is False
    assert body["summary"] == "显示的排名与重新计算的结果有 2 处不同（版本 10）："
    found = [(d["round"], d["group"], d["entrant"], d["field"], d["shown"], d["fresh"]) for d in body["differences"]]
    assert found == [
        ("prelim", None, "D02", "total", "19.50", "24.00"),  # 6 x 1.5 + 10 x 1.5
        ("prelim", None, "D02", "rounds.prelim", "19.50", "24.00"),
    ]
    texts = [d["text"] for d in body["differences"]]
    assert "轮次 prelim，全部组别，本服务器显示的排名，选手 D02：total 显示为 19.50，重新计算为 24.00" in texts


@pytest.mark.asyncio
async def test_only_the_chief_judge_and_organizers_verify(pages: Pages) -> None:
    slug, tokens = await scored(pages)
    judge, _ = await pages.login(tokens["J1"])
    refused = await judge.get("/chief/api/verify")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    organizer = pages.organizer
    assert (await organizer.get("/chief/api/verify")).json()["error"]["field"] == "contest"
    answer = await organizer.get(f"/chief/api/verify?contest={slug}")
    assert answer.status_code == 200 and answer.json()["agree"] is True
    unknown = await organizer.get(f"/chief/api/verify?contest={slug}&round=prelim")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "round"
