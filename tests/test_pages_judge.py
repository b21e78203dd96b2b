"""The judge's tablet pages on a real app (temp SQLite file, lifespan run, httpx over ASGI): the QR login, the page
and its queue JSON, blind contests, CSRF, contests kept apart, corrections, languages, escaping and the catalogs.

`Pages` and the contest texts here are also used by tests/test_pages_chief.py.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from starlette.applications import Starlette

from contest.language import LOCALES_DIR
from contest.scoring import Criterion
from contest.services.judging import criterion_json
from contest.services.principals import new_token
from contest.settings import Settings
from contest.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent

BLIND_TOML = """\
[contest]
slug = "{slug}"
title = "盲评茶叶审评 / Blind tea tasting"
blind = true

[[criteria]]
key = "taste"
label = "滋味"
description = "鲜爽度、回甘、有无异味"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "aroma"
label = "香气"
min = 0
max = 5
step = 1

[[criteria]]
key = "deduct"
label = "扣分"
judged = false
deduction = true
min = 0
max = 5
step = 0.5

[scoring]
panel = "mean"
item = "taste + aroma"

[[rounds]]
key = "main"
label = "感官审评"
"""

OPEN_TOML = """\
[contest]
slug = "{slug}"
title = "{title}"

[[criteria]]
key = "execution"
label = "动作完成"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "dd"
label = "难度系数"
judged = false
min = 1.0
max = 4.8
step = 0.1

[scoring]
panel = "median"
item = "execution * dd"
missing_items = "incomplete"

[[rounds]]
key = "prelim"
label = "预赛"
items = 2
advance = 2

[[rounds]]
key = "final"
label = "决赛"
items = 1
standing = "prelim + final"
"""

# Names and organizations nobody may see in a blind contest: unusual enough never to appear by chance.
SECRET_PEOPLE = [
    {"code": "B01", "name": "欧阳秘密", "organization": "隐身茶业有限公司", "group": ""},
    {"code": "B02", "name": "Zxqvname Hidden", "organization": "Covert Tea Works", "group": ""},
    {"code": "B03", "name": "司马保密", "organization": "不可见合作社", "group": ""},
]
OPEN_PEOPLE = [
    {"code": "D01", "name": "林浩然", "organization": "广东省跳水队", "group": ""},
    {"code": "D02", "name": "陈一鸣", "organization": "四川省跳水队", "group": ""},
    {"code": "D03", "name": "张子墨", "organization": "湖北省跳水队", "group": ""},
]
BASE = "http://testserver"


def page_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found, "the page carries its data as JSON"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Pages:
    """A running app, an organizer's API client, and a browser-like client per signed-in judge."""

    app: Starlette
    asgi: Any  # the app as the lifespan manager wraps it (what the clients talk to)
    organizer: httpx.AsyncClient
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        made = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.asgi), base_url=BASE)
        self.clients.append(made)
        return made

    async def contest(self, toml: str, people: list[dict[str, str]], **fields: str) -> str:
        slug = f"c-{uuid.uuid4().hex[:8]}"
        answer = await self.organizer.post(
            "/api/contests",
            content=toml.format(slug=slug, **fields).encode(),
            headers={"content-type": "application/toml"},
        )
        assert answer.status_code == 201, answer.text
        answer = await self.organizer.put(f"/api/contests/{slug}/entrants", json=people)
        assert answer.status_code == 200, answer.text
        return slug

    async def judges(self, slug: str, *codes: str, chief: str | None = None) -> dict[str, str]:
        wanted: list[dict[str, Any]] = [{"code": c, "name": f"裁判{c}"} for c in codes]
        if chief:
            wanted.append({"code": chief, "name": "裁判长", "chief": True})
        answer = await self.organizer.post(f"/api/contests/{slug}/judges", json=wanted)
        assert answer.status_code == 201, answer.text
        return {j["code"]: j["token"] for j in answer.json()}

    async def login(self, token: str) -> tuple[httpx.AsyncClient, str]:
        """A fresh browser that opened the QR link; returns it and the page's CSRF token."""
        browser = self.client()
        answer = await browser.get(f"/j/{token}")
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] in ("/judge", "/chief")  # the chief judge's card opens /chief
        page = await browser.get("/judge")
        assert page.status_code == 200, page.text
        return browser, page_data(page.text)["csrf"]

    async def mark(
        self, slug: str, entrant: str, round_key: str, values: dict[str, str], judge: str, item: int = 1
    ) -> None:
        """Marks typed in by the organizer for a judge (a paper sheet), to set up a scene."""
        body = {"entrant": entrant, "round": round_key, "item": item, "values": values, "client_id": new_id()}
        if judge:
            body["judge"] = judge
        answer = await self.organizer.post(f"/api/contests/{slug}/marks", json=body)
        assert answer.status_code == 201, answer.text


@pytest_asyncio.fixture
async def pages(tmp_path: Path) -> AsyncIterator[Pages]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'contest.db'}", secret_key="page-tests-secret")
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        with app.state.db.begin() as session:
            token = new_token(session, "organizer")
        organizer = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app),
            base_url=BASE,
            headers={"authorization": f"Bearer {token}"},
        )
        found = Pages(app, manager.app, organizer)
        try:
            yield found
        finally:
            for client in [organizer, *found.clients]:
                await client.aclose()


# -- signing in ------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_chief_judges_card_opens_the_chiefs_page(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="男子3米跳板")
    tokens = await pages.judges(slug, "J1", chief="CJ")
    answer = await pages.client().get(f"/j/{tokens['CJ']}")
    assert (answer.status_code, answer.headers["location"]) == (303, "/chief")


@pytest.mark.asyncio
async def test_qr_link_signs_the_tablet_in(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="男子3米跳板")
    tokens = await pages.judges(slug, "J1", "J2")
    browser = pages.client()
    answer = await browser.get(f"/j/{tokens['J1']}")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/judge"
    assert "session=" in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()
    page = await browser.get("/judge")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert "裁判评分" in html and "男子3米跳板" in html and "裁判 J1" in html
    assert "待同步" in html
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    data = page_data(html)
    assert data["judge"] == {"code": "J1", "name": "裁判J1", "chief": False}
    assert data["round"] == "prelim"
    assert data["urls"]["marks"] == f"/api/contests/{slug}/marks"
    assert len(data["csrf"]) >= 16
    # the scripts and styles it names are served by the app itself
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        asset = await browser.get(src)
        assert asset.status_code == 200, src
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "nothing from another host"


@pytest.mark.asyncio
async def test_bad_token_gives_a_friendly_page(pages: Pages) -> None:
    browser = pages.client()
    for path in ("/j/not-a-token", "/j/" + "x" * 500):
        answer = await browser.get(path)
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("text/html")
        assert "二维码无效" in answer.text and "重新扫描" in answer.text
        assert "Traceback" not in answer.text and "Exception" not in answer.text
        assert "session=" not in answer.headers.get("set-cookie", "")
    english = await browser.get("/j/not-a-token?lang=en")
    assert english.status_code == 401 and "This QR code does not sign you in" in english.text
    # an organizer's token is not a judge's QR code
    organizer_token = pages.organizer.headers["authorization"].split()[1]
    assert (await browser.get(f"/j/{organizer_token}")).status_code == 401
    # the pages without a login
    for path in ("/judge", "/chief"):
        answer = await pages.client().get(path)
        assert answer.status_code == 401 and "二维码" in answer.text


@pytest.mark.asyncio
async def test_revoked_login_shows_expired_page(pages: Pages) -> None:
    from sqlalchemy import update

    from contest.db.models import Token
    from contest.services.principals import token_hash

    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1")
    browser, _ = await pages.login(tokens["J1"])
    with pages.app.state.db.begin() as session:
        session.execute(update(Token).where(Token.token_hash == token_hash(tokens["J1"])).values(revoked=True))
    answer = await browser.get("/judge")
    assert answer.status_code == 401 and "登录已失效" in answer.text
    queue = await browser.get("/judge/api/queue")
    assert queue.status_code == 401 and queue.json()["error"]["code"] == "unauthorized"


# -- blind contests ----------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_blind_contest_never_shows_names_to_judges(pages: Pages) -> None:
    slug = await pages.contest(BLIND_TOML, SECRET_PEOPLE)
    tokens = await pages.judges(slug, "J1", "J2")
    await pages.mark(slug, "B01", "main", {"taste": "8", "aroma": "4"}, "J1")
    browser, csrf = await pages.login(tokens["J1"])
    bodies = [
        (await browser.get("/judge")).content,
        (await browser.get("/judge?lang=en")).content,
        (await browser.get("/judge/api/queue")).content,
        (await browser.get("/judge/api/queue?round=main")).content,
    ]
    posted = await browser.post(
        f"/api/contests/{slug}/marks",
        json={"entrant": "B02", "round": "main", "values": {"taste": "7.5", "aroma": "3"}, "client_id": new_id()},
        headers={"x-csrf-token": csrf},
    )
    assert posted.status_code == 201, posted.text
    bodies.append(posted.content)
    bodies.append((await browser.get("/judge/api/queue")).content)
    for person in SECRET_PEOPLE:
        for secret in (person["name"], person["organization"]):
            for body in bodies:
                assert secret.encode() not in body, f"{secret} leaked to a judge"
                assert json.dumps(secret).encode() not in body
    queue = json.loads(bodies[-1])
    assert [e["code"] for e in queue["entrants"]] == ["B01", "B02", "B03"]
    assert all(set(e) == {"code", "items", "done", "corrected"} for e in queue["entrants"])
    assert queue["contest"]["blind"] is True
    # J1 sees their own marks (B01 typed in for them, B02 from this tablet), nobody else's
    assert queue["entrants"][0]["items"] == {"1": {"taste": "8", "aroma": "4"}}
    assert queue["entrants"][1]["items"] == {"1": {"taste": "7.5", "aroma": "3"}}
    assert queue["entrants"][1]["done"] == 1
    # the organizer, through the API, still sees who is who
    history = await pages.organizer.get(f"/api/contests/{slug}/standings?round=main")
    assert "欧阳秘密" in history.text


# -- the queue ---------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_queue_shows_the_round_form_and_own_marks_only(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="跳水")
    tokens = await pages.judges(slug, "J1", "J2", "J3")
    await pages.mark(slug, "D01", "prelim", {"execution": "6"}, "J2")
    browser, csrf = await pages.login(tokens["J1"])
    queue = (await browser.get("/judge/api/queue?round=prelim")).json()
    assert queue["judge"]["code"] == "J1"
    rnd = queue["round"]
    assert {k: rnd[k] for k in ("key", "label", "items", "status", "on_panel")} == {
        "key": "prelim",
        "label": "预赛",
        "items": 2,
        "status": "open",
        "on_panel": True,
    }
    assert [c["key"] for c in rnd["criteria"]] == ["execution"]  # judged only; dd is the chief's
    assert [c["key"] for c in rnd["entered"]] == ["dd"]
    execution = rnd["criteria"][0]
    assert (execution["min"], execution["max"], execution["step"], execution["coarse"]) == ("0", "10", "0.5", "1")
    assert rnd["weights"] is None  # execution * dd is no weighted sum: the page shows the values only
    entrants = queue["entrants"]
    assert (entrants[0]["code"], entrants[0]["name"], entrants[0]["organization"]) == ("D01", "林浩然", "广东省跳水队")
    assert entrants[0]["items"] == {}  # J2's mark is not J1's

    for item, value in ((1, "8.5"), (2, "9")):
        answer = await browser.post(
            f"/api/contests/{slug}/marks",
            json={
                "entrant": "D01",
                "round": "prelim",
                "item": item,
                "values": {"execution": value},
                "client_id": new_id(),
            },
            headers={"x-csrf-token": csrf},
        )
        assert answer.status_code == 201, answer.text
    d01 = (await browser.get("/judge/api/queue?round=prelim")).json()["entrants"][0]
    assert d01["items"] == {"1": {"execution": "8.5"}, "2": {"execution": "9"}}
    assert (d01["done"], d01["corrected"]) == (2, False)

    # a correction needs a reason, and then shows as corrected
    body = {"entrant": "D01", "round": "prelim", "item": 2, "values": {"execution": "9.5"}, "client_id": new_id()}
    refused = await browser.post(f"/api/contests/{slug}/marks", json=body, headers={"x-csrf-token": csrf})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "reason"
    body = {**body, "client_id": new_id(), "reason": "误按"}
    assert (
        await browser.post(f"/api/contests/{slug}/marks", json=body, headers={"x-csrf-token": csrf})
    ).status_code == 201
    d01 = (await browser.get("/judge/api/queue?round=prelim")).json()["entrants"][0]
    assert d01["items"]["2"] == {"execution": "9.5"}
    assert d01["corrected"] is True

    unknown = await browser.get("/judge/api/queue?round=nope")
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "round"


@pytest.mark.asyncio
async def test_judge_off_the_panel_gets_no_entrants(pages: Pages) -> None:
    toml = OPEN_TOML.replace('key = "final"\nlabel = "决赛"', 'key = "final"\nlabel = "决赛"\njudges = ["J1"]')
    slug = await pages.contest(toml, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1", "J2")
    browser, _ = await pages.login(tokens["J2"])
    home = page_data((await browser.get("/judge")).text)
    assert [(r["key"], r["on_panel"]) for r in home["rounds"]] == [("prelim", True), ("final", False)]
    queue = (await browser.get("/judge/api/queue?round=final")).json()
    assert queue["round"]["on_panel"] is False and queue["entrants"] == []


@pytest.mark.asyncio
async def test_weighted_sum_gives_a_preview(pages: Pages) -> None:
    slug = await pages.contest(BLIND_TOML, SECRET_PEOPLE)
    tokens = await pages.judges(slug, "J1")
    browser, _ = await pages.login(tokens["J1"])
    rnd = (await browser.get("/judge/api/queue")).json()["round"]
    assert rnd["weights"] == {"taste": "1", "aroma": "1"}
    aroma = next(c for c in rnd["criteria"] if c["key"] == "aroma")
    assert aroma["choices"] == ["0", "1", "2", "3", "4", "5"]


def test_criterion_controls_follow_min_max_step() -> None:
    def control(low: str, high: str, step: str | None) -> dict[str, Any]:
        step_value = Decimal(step) if step else None
        return criterion_json(Criterion("k", "K", Decimal(low), Decimal(high), step_value))

    assert control("0", "10", "1")["choices"] == [str(i) for i in range(11)]  # 11 steps: a row of buttons
    assert control("0", "1", "0.25")["choices"] == ["0", "0.25", "0.5", "0.75", "1"]
    assert control("0", "10", "0.5")["choices"] is None  # 21 steps: a stepper that also moves by whole points
    assert control("0", "10", "0.5")["coarse"] == "1"
    assert control("0", "100", "0.5")["coarse"] == "5"
    assert control("1.0", "4.8", "0.1")["coarse"] == "1"
    assert control("0", "12", "1")["coarse"] is None
    free = control("0", "40", None)
    assert (free["step"], free["choices"], free["coarse"]) == (None, None, None)


# -- CSRF and contests kept apart --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_cookie_post_needs_the_csrf_header(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1")
    browser, csrf = await pages.login(tokens["J1"])
    body = {"entrant": "D01", "round": "prelim", "item": 1, "values": {"execution": "8"}, "client_id": new_id()}
    for headers in ({}, {"x-csrf-token": "forged"}, {"x-csrf-token": ""}):
        answer = await browser.post(f"/api/contests/{slug}/marks", json=body, headers=headers)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["field"] == "csrf"
    patch = await browser.patch(f"/api/contests/{slug}/rounds/prelim", json={"status": "locked"})
    assert patch.status_code == 403 and patch.json()["error"]["field"] == "csrf"
    history = (await pages.organizer.get(f"/api/contests/{slug}/history")).json()["marks"]
    assert history == [], "nothing stored without the header"

    stored = await browser.post(f"/api/contests/{slug}/marks", json=body, headers={"x-csrf-token": csrf})
    assert stored.status_code == 201
    replay = await browser.post(f"/api/contests/{slug}/marks", json=body, headers={"x-csrf-token": csrf})
    assert replay.status_code == 200
    history = (await pages.organizer.get(f"/api/contests/{slug}/history")).json()["marks"]
    assert len(history) == 1 and history[0]["client_id"] == body["client_id"]
    # the page can fetch the session's token again (after signing in anew in another tab)
    session = (await browser.get("/judge/api/session")).json()
    assert session == {"judge": "J1", "chief": False, "csrf": csrf}


@pytest.mark.asyncio
async def test_judge_cannot_see_another_contest(pages: Pages) -> None:
    ours = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="ours")
    theirs = await pages.contest(BLIND_TOML, SECRET_PEOPLE)
    ours_tokens = await pages.judges(ours, "J1")
    await pages.judges(theirs, "J1")
    browser, csrf = await pages.login(ours_tokens["J1"])
    other = await browser.get(f"/judge/api/queue?contest={theirs}&round=main")
    assert other.status_code == 403 and other.json()["error"]["field"] == "contest"
    assert b"B01" not in other.content
    own = (await browser.get(f"/judge/api/queue?contest={ours}")).json()
    assert {e["code"] for e in own["entrants"]} == {"D01", "D02", "D03"}
    home = await browser.get("/judge")
    assert "B01" not in home.text and theirs not in home.text
    posted = await browser.post(
        f"/api/contests/{theirs}/marks",
        json={"entrant": "B01", "round": "main", "values": {"taste": "8", "aroma": "3"}, "client_id": new_id()},
        headers={"x-csrf-token": csrf},
    )
    assert posted.status_code == 403
    # an organizer's bearer token has no judge's queue
    assert (await pages.organizer.get(f"/judge/api/queue?contest={ours}")).status_code == 403


@pytest.mark.asyncio
async def test_locked_round_shows_locked_and_refuses(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1")
    browser, csrf = await pages.login(tokens["J1"])
    locked = await pages.organizer.patch(f"/api/contests/{slug}/rounds/prelim", json={"status": "locked"})
    assert locked.status_code == 200
    queue = (await browser.get("/judge/api/queue?round=prelim")).json()
    assert queue["round"]["status"] == "locked"
    home = page_data((await browser.get("/judge")).text)
    assert home["round"] == "final"  # the first open round is picked
    answer = await browser.post(
        f"/api/contests/{slug}/marks",
        json={"entrant": "D01", "round": "prelim", "values": {"execution": "8"}, "client_id": new_id()},
        headers={"x-csrf-token": csrf},
    )
    assert answer.status_code == 403


# -- languages, escaping and catalogs ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_english_is_switched_by_query_and_remembered(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    tokens = await pages.judges(slug, "J1")
    browser, _ = await pages.login(tokens["J1"])
    english = await browser.get("/judge?lang=en")
    assert '<html lang="en">' in english.text and "Judge scoring" in english.text and "Waiting to sync" in english.text
    assert "裁判评分" not in english.text
    assert "lang=en" in english.headers["set-cookie"]
    again = await browser.get("/judge")
    assert "Judge scoring" in again.text
    messages = re.search(r'id="messages-common">(.*?)</script>', again.text, re.S)
    assert messages and json.loads(messages.group(1))["submit"] == "Submit"
    chinese = await browser.get("/judge?lang=zh_CN")
    assert "裁判评分" in chinese.text
    messages = re.search(r'id="messages-common">(.*?)</script>', chinese.text, re.S)
    assert messages and json.loads(messages.group(1))["submit"] == "提交"
    assert json.loads(messages.group(1))["status_pending"] == "待同步"


@pytest.mark.asyncio
async def test_data_is_escaped_in_pages(pages: Pages) -> None:
    title = '<script>alert(1)</script> & "quotes"'
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title=title.replace('"', '\\"'))
    tokens = await pages.judges(slug, "J1")
    browser, _ = await pages.login(tokens["J1"])
    html = (await browser.get("/judge")).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
    assert page_data(html)["contest"]["title"] == title  # the JSON island keeps it exact, and inert (\u003c)
    assert "\\u003cscript\\u003e" in html


def test_catalogs_cover_every_message_of_the_templates() -> None:
    found = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT / "templates"),
            [("**.html", "jinja2.ext:babel_extract")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    assert len(found) > 50
    for locale in ("zh_CN", "en"):
        with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po, locale=locale)
        missing = sorted(m for m in found if m not in catalog or not catalog[m].string)
        assert not missing, f"{locale}: untranslated {missing[:5]}"
        if locale == "zh_CN":
            assert catalog["Submit"].string == "提交"
            assert catalog["Waiting to sync"].string == "待同步"
            assert catalog["Reason for the correction"].string == "更正原因"


def test_scripts_put_data_in_as_text_only() -> None:
    """Entrant codes, names, labels and server messages reach the page through textContent and DOM calls only."""
    for script in sorted((ROOT / "static").glob("*.js")):
        code = script.read_text(encoding="utf-8")
        for sink in ("innerHTML =", "innerHTML=", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, f"{script.name} uses {sink}"
        assert "http://" not in code and "https://" not in code, f"{script.name} loads from another host"


# -- the installable offline app: service worker and manifest -------------------------------------------------------


@pytest.mark.asyncio
async def test_the_judge_page_installs_as_an_offline_app(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="男子3米跳板")
    tokens = await pages.judges(slug, "J1")
    browser, _csrf = await pages.login(tokens["J1"])
    html = (await browser.get("/judge")).text
    data = page_data(html)
    assert data["contest"]["decimals"] == 2  # the preview shows exactly these places
    assert (data["urls"]["worker"], data["urls"]["page"]) == ("/judge-sw.js", "/judge")
    assert '<link rel="manifest" href="/judge/manifest.webmanifest">' in html

    worker = await browser.get("/judge-sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("application/javascript")
    assert worker.headers["cache-control"] == "no-cache"  # a new deploy's worker is found on the next visit
    version = re.search(r'const VERSION = "([0-9a-f]{12})";', worker.text)
    assert version, worker.text[:400]
    assets = json.loads(re.search(r"const ASSETS = (\[.*\]);", worker.text).group(1))  # type: ignore[union-attr]
    # every script and style the page loads is kept for an offline reload, under the same versioned URL
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert src in assets, src
    for url in assets:
        assert (await browser.get(url)).status_code == 200, url

    manifest = await browser.get("/judge/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert (body["name"], body["start_url"], body["scope"], body["display"]) == (
        "裁判评分",
        "/judge",
        "/judge",
        "standalone",
    )
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        answer = await browser.get(icon["src"])
        assert answer.status_code == 200 and answer.headers["content-type"] == icon["type"]
    english = await browser.get("/judge/manifest.webmanifest?lang=en")
    assert english.json()["name"] == "Judge scoring"
