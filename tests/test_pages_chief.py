"""The chief judge's page and its JSON on a real app (temp SQLite file): who may open it, the progress grid
(missing / partial / submitted / corrected), marks far from the panel's median, entering values that are not judged,
locking and unlocking with a reason, the explained breakdown, blind contests, and advancement between rounds."""

from __future__ import annotations

import json
import re

import pytest
from test_pages_judge import BLIND_TOML, OPEN_PEOPLE, OPEN_TOML, SECRET_PEOPLE, Pages, new_id, page_data
from test_pages_judge import pages as pages  # the fixture: a running app on a temp SQLite file


def with_panel(toml: str, *codes: str) -> str:
    """The contest names its panel, so the chief judge (who does not mark here) is not on it."""
    return toml.replace("[contest]\n", f"[contest]\njudges = {list(codes)!r}\n".replace("'", '"'), 1)


@pytest.mark.asyncio
async def test_only_the_chief_judge_opens_the_page(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="跳水")
    tokens = await pages.judges(slug, "J1", chief="CJ")
    judge, _ = await pages.login(tokens["J1"])
    refused = await judge.get("/chief")
    assert refused.status_code == 403 and "没有权限" in refused.text and "Traceback" not in refused.text
    api = await judge.get("/chief/api/progress")
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
    assert (await judge.get("/chief/api/explain?entrant=D01")).status_code == 403

    chief, _ = await pages.login(tokens["CJ"])
    judge_page = await chief.get("/judge")
    assert 'href="/chief"' in judge_page.text  # the chief judge's way from the scoring page
    page = await chief.get("/chief")
    assert page.status_code == 200
    assert "裁判长" in page.text and "锁定本轮" in page.text and "偏离" in page.text
    data = page_data(page.text)
    assert data["round"] == "prelim" and data["spread"] == "2"
    assert data["urls"]["rounds"] == f"/api/contests/{slug}/rounds/"
    assert [r["key"] for r in data["rounds"]] == ["prelim", "final"]
    english = await chief.get("/chief?lang=en")
    assert "Chief judge" in english.text and "Lock round" in english.text
    # counted texts come in both forms, so the page says "1 mark", not "1 marks"
    found = re.search(r'<script type="application/json" id="messages">(.*?)</script>', english.text, re.S)
    assert found, "the page carries its messages as JSON"
    counted = json.loads(found.group(1))
    assert counted["flags_count"]["one"] == "{n} mark far from the panel"
    assert counted["lacking_count"]["one"] == "{n} entrant still lacks an entered value"
    assert counted["lacking_count"]["other"] == "{n} entrants still lack an entered value"


@pytest.mark.asyncio
async def test_progress_grid_and_flags(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="跳水")
    tokens = await pages.judges(slug, "J1", "J2", "J3", "J4", chief="CJ")
    # D01: every judge gives both items; J4 is far from the others on item 1
    for judge, first in (("J1", "8"), ("J2", "8.5"), ("J3", "8"), ("J4", "4")):
        await pages.mark(slug, "D01", "prelim", {"execution": first}, judge, item=1)
        await pages.mark(slug, "D01", "prelim", {"execution": "7"}, judge, item=2)
    # D02: J1 one item of two; J2 both, then a correction
    await pages.mark(slug, "D02", "prelim", {"execution": "6"}, "J1", item=1)
    await pages.mark(slug, "D02", "prelim", {"execution": "6"}, "J2", item=1)
    await pages.mark(slug, "D02", "prelim", {"execution": "6"}, "J2", item=2)
    body = {"entrant": "D02", "round": "prelim", "item": 2, "values": {"execution": "6.5"}, "judge": "J2"}
    answer = await pages.organizer.post(
        f"/api/contests/{slug}/marks", json={**body, "client_id": new_id(), "reason": "抄录错误"}
    )
    assert answer.status_code == 201

    chief, _ = await pages.login(tokens["CJ"])
    progress = (await chief.get("/chief/api/progress?round=prelim")).json()
    assert [j["code"] for j in progress["judges"]] == ["J1", "J2", "J3", "J4"]  # the chief reviews, not marks
    rows = {e["code"]: e for e in progress["entrants"]}
    assert rows["D01"]["name"] == "林浩然"  # not blind: the chief judge sees names
    d01 = {j: c["status"] for j, c in rows["D01"]["cells"].items()}
    assert d01 == {"J1": "submitted", "J2": "submitted", "J3": "submitted", "J4": "submitted"}
    d02 = rows["D02"]["cells"]
    assert (d02["J1"]["status"], d02["J1"]["given"], d02["J1"]["expected"]) == ("partial", 1, 2)
    assert d02["J2"]["status"] == "corrected"
    assert d02["J3"]["status"] == "missing"
    assert progress["summary"] == {
        "missing": 0 + 2 + 4,
        "partial": 1,
        "submitted": 4,
        "corrected": 1,
        "cells": 12,
        "flags": 1,
        "marks": 8 + 3,  # of 3 entrants x 4 judges x 2 items
        "marks_expected": 24,
        "entrants": 3,
        "lacking": 3,  # nobody has the degree of difficulty (entered by the chief judge) yet
    }
    assert progress["mode"] == "judged"
    # item 1 of D01: 8, 8.5, 8, 4 -> median 8; J4 is 4 points away (more than 2)
    assert progress["spread"] == "2"
    assert progress["flags"] == [
        {"entrant": "D01", "item": 1, "criterion": "execution", "judge": "J4", "value": "4", "median": "8"}
    ]
    assert rows["D01"]["cells"]["J4"]["flags"] == 1 and rows["D01"]["cells"]["J1"]["flags"] == 0

    wide = (await chief.get("/chief/api/progress?round=prelim&spread=4.5")).json()
    assert wide["flags"] == [] and wide["spread"] == "4.5"
    narrow = (await chief.get("/chief/api/progress?round=prelim&spread=0.4")).json()
    assert {(f["entrant"], f["judge"]) for f in narrow["flags"]} == {("D01", "J2"), ("D01", "J4")}
    for bad in ("abc", "0", "-1", "NaN", "Infinity"):
        answer = await chief.get(f"/chief/api/progress?round=prelim&spread={bad}")
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "spread", bad
    unknown = await chief.get("/chief/api/progress?round=prelim&sort=x")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "sort"


@pytest.mark.asyncio
async def test_contest_review_spread_is_the_default(pages: Pages) -> None:
    toml = OPEN_TOML + "\n[review]\nspread = 1.5\n"
    slug = await pages.contest(toml, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", chief="CJ")
    chief, _ = await pages.login(tokens["CJ"])
    assert (await chief.get("/chief/api/progress")).json()["spread"] == "1.5"
    assert page_data((await chief.get("/chief")).text)["spread"] == "1.5"


@pytest.mark.asyncio
async def test_chief_enters_values_locks_and_unlocks(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", "J2", chief="CJ")
    chief, csrf = await pages.login(tokens["CJ"])
    judge, judge_csrf = await pages.login(tokens["J1"])
    marks = f"/api/contests/{slug}/marks"

    # the chief judge enters the degree of difficulty; a panel judge may not
    dd = {"entrant": "D01", "round": "prelim", "item": 1, "values": {"dd": "3.1"}, "client_id": new_id()}
    assert (await chief.post(marks, json=dd)).status_code == 403  # no CSRF header
    assert (await chief.post(marks, json=dd, headers={"x-csrf-token": csrf})).status_code == 201
    assert (await chief.post(marks, json=dd, headers={"x-csrf-token": csrf})).status_code == 200  # replay
    refused = await judge.post(marks, json={**dd, "client_id": new_id()}, headers={"x-csrf-token": judge_csrf})
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "values.dd"
    off_step = await chief.post(
        marks, json={**dd, "item": 2, "values": {"dd": "3.15"}, "client_id": new_id()}, headers={"x-csrf-token": csrf}
    )
    assert off_step.status_code == 422 and off_step.json()["error"]["field"] == "values.dd"
    progress = (await chief.get("/chief/api/progress?round=prelim")).json()
    d01 = next(e for e in progress["entrants"] if e["code"] == "D01")
    assert d01["entered"] == {"1": {"dd": "3.1"}, "2": {}}
    # a correction of an entered value needs a reason too
    fix = {**dd, "values": {"dd": "3.2"}, "client_id": new_id()}
    assert (await chief.post(marks, json=fix, headers={"x-csrf-token": csrf})).status_code == 422
    fixed = await chief.post(marks, json={**fix, "reason": "查表有误"}, headers={"x-csrf-token": csrf})
    assert fixed.status_code == 201
    d01 = next(e for e in (await chief.get("/chief/api/progress")).json()["entrants"] if e["code"] == "D01")
    assert d01["entered"]["1"] == {"dd": "3.2"} and d01["entered_corrected"] is True

    # lock: judges are refused; unlocking needs a reason
    rounds = f"/api/contests/{slug}/rounds/prelim"
    assert (await chief.patch(rounds, json={"status": "locked"})).status_code == 403  # no CSRF header
    locked = await chief.patch(rounds, json={"status": "locked"}, headers={"x-csrf-token": csrf})
    assert locked.status_code == 200 and locked.json()["status"] == "locked"
    late = {"entrant": "D02", "round": "prelim", "values": {"execution": "8"}, "client_id": new_id()}
    assert (await judge.post(marks, json=late, headers={"x-csrf-token": judge_csrf})).status_code == 403
    assert (await chief.get("/chief/api/progress?round=prelim")).json()["round"]["status"] == "locked"
    assert (
        await judge.patch(rounds, json={"status": "open", "reason": "x"}, headers={"x-csrf-token": judge_csrf})
    ).status_code == 403
    no_reason = await chief.patch(rounds, json={"status": "open"}, headers={"x-csrf-token": csrf})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    reopened = await chief.patch(
        rounds, json={"status": "open", "reason": "J2 报告误判"}, headers={"x-csrf-token": csrf}
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert (await judge.post(marks, json=late, headers={"x-csrf-token": judge_csrf})).status_code == 201
    # the chief judge changes no board (organizers only)
    board = await chief.patch(rounds, json={"board": "frozen"}, headers={"x-csrf-token": csrf})
    assert board.status_code == 403


@pytest.mark.asyncio
async def test_explained_breakdown(pages: Pages) -> None:
    slug = await pages.contest(with_panel(OPEN_TOML, "J1", "J2", "J3"), OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", "J2", "J3", chief="CJ")
    chief, _ = await pages.login(tokens["CJ"])
    none = (await chief.get("/chief/api/explain?round=prelim&entrant=D01")).json()
    assert none == {"entrant": "D01", "round": "prelim", "lines": [], "scored": False, "version": none["version"]}
    for item in (1, 2):
        await pages.mark(slug, "D01", "prelim", {"dd": "2.0"}, "", item=item)
        for judge, value in (("J1", "7"), ("J2", "8"), ("J3", "9")):
            await pages.mark(slug, "D01", "prelim", {"execution": value}, judge, item=item)
    explained = (await chief.get("/chief/api/explain?round=prelim&entrant=D01")).json()
    assert explained["scored"] is True
    text = "\n".join(explained["lines"])
    assert explained["lines"][0] == "D01 林浩然 (广东省跳水队)"
    assert "median" in text and "execution * dd" in text and "total 32.00" in text
    # the page asks in its own language (Accept-Language), and reads the breakdown in it
    chinese = await chief.get("/chief/api/explain?round=prelim&entrant=D01", headers={"accept-language": "zh-CN"})
    lines = chinese.json()["lines"]
    assert "  prelim 第2项 · execution: J1 7, J2 8, J3 9；中位数 = 8 → 8" in lines
    assert lines[-1].startswith("  总分 32.00：第 1 名")
    missing = await chief.get("/chief/api/explain?round=prelim&entrant=ZZ")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "entrant"
    assert (await chief.get("/chief/api/explain?round=prelim")).json()["error"]["field"] == "entrant"


@pytest.mark.asyncio
async def test_blind_contest_chief_sees_codes_only_organizer_sees_names(pages: Pages) -> None:
    slug = await pages.contest(BLIND_TOML, SECRET_PEOPLE)
    tokens = await pages.judges(slug, "J1", "J2", chief="CJ")
    for judge in ("J1", "J2"):
        await pages.mark(slug, "B01", "main", {"taste": "8", "aroma": "4"}, judge)
    chief, _ = await pages.login(tokens["CJ"])
    bodies = [
        (await chief.get("/chief")).content,
        (await chief.get("/chief?lang=en")).content,
        (await chief.get("/chief/api/progress")).content,
        (await chief.get("/chief/api/explain?entrant=B01")).content,
        (await chief.get("/chief/api/explain?entrant=B02")).content,
    ]
    for person in SECRET_PEOPLE:
        for secret in (person["name"], person["organization"]):
            for body in bodies:
                assert secret.encode() not in body and json.dumps(secret).encode() not in body, secret
    explained = json.loads(bodies[3])
    assert explained["scored"] and explained["lines"][0] == "B01"
    entrants = json.loads(bodies[2])["entrants"]
    assert all("name" not in e and "organization" not in e for e in entrants)

    # organizers read the same JSON with a bearer token and the contest named; they see names
    organizer = pages.organizer
    assert (await organizer.get("/chief/api/progress")).json()["error"]["field"] == "contest"
    progress = await organizer.get(f"/chief/api/progress?contest={slug}")
    assert progress.status_code == 200 and "欧阳秘密" in progress.text
    explained = (await organizer.get(f"/chief/api/explain?contest={slug}&entrant=B01")).json()
    assert explained["lines"][0] == "B01 欧阳秘密 (隐身茶业有限公司)"
    assert (await organizer.get("/chief/api/progress?contest=nope")).status_code == 404
    # a page is for a signed-in tablet, not for a bearer token
    assert (await organizer.get("/chief")).status_code == 401


@pytest.mark.asyncio
async def test_next_round_scores_the_advancing_entrants_once_the_round_is_locked(pages: Pages) -> None:
    slug = await pages.contest(with_panel(OPEN_TOML, "J1"), OPEN_PEOPLE, title="t")  # prelim: advance = 2
    tokens = await pages.judges(slug, "J1", chief="CJ")
    for code, value in (("D01", "9"), ("D02", "5"), ("D03", "7")):
        for item in (1, 2):
            await pages.mark(slug, code, "prelim", {"execution": value}, "J1", item=item)
            await pages.mark(slug, code, "prelim", {"dd": "2.0"}, "", item=item)
    judge, _ = await pages.login(tokens["J1"])
    chief, _ = await pages.login(tokens["CJ"])
    before = (await judge.get("/judge/api/queue?round=final")).json()
    assert [e["code"] for e in before["entrants"]] == ["D01", "D02", "D03"]  # prelim still open: everyone
    locked = await pages.organizer.patch(f"/api/contests/{slug}/rounds/prelim", json={"status": "locked"})
    assert locked.status_code == 200
    after = (await judge.get("/judge/api/queue?round=final")).json()
    assert [e["code"] for e in after["entrants"]] == ["D01", "D03"]
    grid = (await chief.get("/chief/api/progress?round=final")).json()
    assert [e["code"] for e in grid["entrants"]] == ["D01", "D03"]


# -- issue 12: the round in progress, entered values, the breakdown panel, round events ------------------------------

THEORY_TOML = """\
[contest]
slug = "{slug}"
title = "{title}"
judges = ["J1", "J2"]

[[criteria]]
key = "exam"
label = "理论成绩"
judged = false
min = 0
max = 100

[[criteria]]
key = "skill"
label = "实操"
min = 0
max = 10
step = 0.5

[[rounds]]
key = "theory"
label = "理论考试"
criteria = ["exam"]

[rounds.scoring]
item = "exam"

[[rounds]]
key = "practical"
label = "实操考核"
criteria = ["skill"]
standing = "theory + practical"

[rounds.scoring]
panel = "mean"
item = "skill"
"""


@pytest.mark.asyncio
async def test_the_page_opens_on_the_round_in_progress(pages: Pages) -> None:
    slug = await pages.contest(THEORY_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", "J2", chief="CJ")
    chief, _ = await pages.login(tokens["CJ"])
    # the theory exam comes first but nobody judges it: the page opens where the panel marks
    assert page_data((await chief.get("/chief")).text)["round"] == "practical"
    assert page_data((await chief.get("/chief?round=theory")).text)["round"] == "theory"  # asked for by name
    # every sheet in, theory values still lacking: the theory exam is where the work is
    for code in ("D01", "D02", "D03"):
        for judge in ("J1", "J2"):
            await pages.mark(slug, code, "practical", {"skill": "8"}, judge)
    assert page_data((await chief.get("/chief")).text)["round"] == "theory"
    for code in ("D01", "D02", "D03"):
        await pages.mark(slug, code, "theory", {"exam": "80"}, "")
    # everything in: the last open round with marks; once it is locked, the open one
    assert page_data((await chief.get("/chief")).text)["round"] == "practical"
    locked = await pages.organizer.patch(f"/api/contests/{slug}/rounds/practical", json={"status": "locked"})
    assert locked.status_code == 200
    assert page_data((await chief.get("/chief")).text)["round"] == "theory"


@pytest.mark.asyncio
async def test_a_round_of_entered_values_shows_who_lacks_one(pages: Pages) -> None:
    slug = await pages.contest(THEORY_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", "J2", chief="CJ")
    await pages.mark(slug, "D02", "theory", {"exam": "91"}, "")
    chief, _ = await pages.login(tokens["CJ"])
    progress = (await chief.get("/chief/api/progress?round=theory")).json()
    assert progress["mode"] == "entered" and progress["judges"] == []  # not judges x entrants, not 0/6
    summary = progress["summary"]
    assert (summary["cells"], summary["entrants"], summary["lacking"]) == (0, 3, 2)
    lacking = {e["code"]: e["lacking"] for e in progress["entrants"]}
    assert lacking == {"D01": [{"item": 1, "criterion": "exam"}], "D02": [], "D03": [{"item": 1, "criterion": "exam"}]}
    judged = (await chief.get("/chief/api/progress?round=practical")).json()
    assert judged["mode"] == "judged" and judged["summary"]["cells"] == 6 and judged["summary"]["lacking"] == 0


@pytest.mark.asyncio
async def test_breakdown_panel_total_and_rank_first_with_labels(pages: Pages) -> None:
    slug = await pages.contest(with_panel(OPEN_TOML, "J1", "J2", "J3"), OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", "J2", "J3", chief="CJ")
    for item in (1, 2):
        await pages.mark(slug, "D01", "prelim", {"dd": "2.0"}, "", item=item)
        for judge, value in (("J1", "7"), ("J2", "8"), ("J3", "9")):
            await pages.mark(slug, "D01", "prelim", {"execution": value}, judge, item=item)
    chief, _ = await pages.login(tokens["CJ"])
    url = "/chief/api/explain?round=prelim&entrant=D01"
    chinese = (await chief.get(url, headers={"accept-language": "zh-CN"})).json()["panel"]
    assert (chinese["total"], chinese["rank"], chinese["name"]) == ("32.00", 1, "林浩然")
    step = chinese["steps"][0]
    assert step == {"label": "预赛 第1项 · 动作完成", "detail": "J1 7, J2 8, J3 9；中位数 = 8", "value": "8"}
    assert "预赛 第1项 · 难度系数" in [s["label"] for s in chinese["steps"]]
    assert "动作完成 * 难度系数 = 8 * 2" in [s["detail"] for s in chinese["steps"]]
    english = (await chief.get(url, headers={"accept-language": "en"})).json()
    text = json.dumps(english["panel"], ensure_ascii=False)
    assert "prelim" not in text and "execution" not in text and "预赛 item 2 · 动作完成" in text
    assert english["lines"][0] == "D01 林浩然 (广东省跳水队)"  # the plain lines are as before


@pytest.mark.asyncio
async def test_round_events_with_who_when_and_why(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", chief="CJ")
    chief, csrf = await pages.login(tokens["CJ"])
    rounds = f"/api/contests/{slug}/rounds/prelim"
    assert (await chief.get("/chief/api/progress?round=prelim")).json()["events"] == []
    headers = {"x-csrf-token": csrf}
    assert (await chief.patch(rounds, json={"status": "locked", "reason": "全部评完"}, headers=headers)).is_success
    assert (await chief.patch(rounds, json={"status": "open", "reason": "J1 申请更正"}, headers=headers)).is_success
    frozen = await pages.organizer.patch(rounds, json={"board": "frozen", "reason": "颁奖前封榜"})
    assert frozen.status_code == 200

    history = await pages.organizer.get(f"/api/contests/{slug}/history")
    assert history.status_code == 200
    events = history.json()["rounds"]
    assert [(e["round"], e["changes"], e["by"], e["by_judge"], e["reason"]) for e in events] == [
        ("prelim", [{"what": "status", "from": "open", "to": "locked"}], "judge", "CJ", "全部评完"),
        ("prelim", [{"what": "status", "from": "locked", "to": "open"}], "judge", "CJ", "J1 申请更正"),
        ("prelim", [{"what": "board", "from": "live", "to": "frozen"}], "organizer", "", "颁奖前封榜"),
    ]
    assert all(e["at"].endswith("Z") for e in events)
    assert [e["version"] for e in events] == sorted(e["version"] for e in events)
    # the chief judge's page reads the same events, newest first, for the round shown
    shown = (await chief.get("/chief/api/progress?round=prelim")).json()["events"]
    assert [e["reason"] for e in shown] == ["颁奖前封榜", "J1 申请更正", "全部评完"]
    assert (await chief.get("/chief/api/progress?round=final")).json()["events"] == []
    # the history stays the organizers'
    assert (await chief.get(f"/api/contests/{slug}/history")).status_code in (401, 403)
