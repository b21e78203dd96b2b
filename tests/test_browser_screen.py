"""The venue screen and the phone page in a real browser: Debian's chromium (pytest-playwright, no browser download)
against a real `contest serve` process on a SQLite file, marks posted through the API as the judges' tablets do.

The screen shows a new total, and the new order, within a second of the mark; it says plainly that it is offline
while the server is down, since when, and comes back by itself after a restart; opened with an organizer token
(in the URL fragment) its arrow keys step a ceremony reveal, and without one they do nothing. The phone page follows
one entrant, even one outside the board's limit. Screenshots of the screen (1920x1080, dark and light) and of the
phone page (390x844) go to $CONTEST_SCREENSHOTS (default: the test's temp folder).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from test_browser_judge import contest, free_port

ROOT = Path(__file__).resolve().parent.parent
SCREEN = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}

TOML = """\
[contest]
slug = "{slug}"
title = "2026 米仓山采茶节 手工制茶技能大赛"
decimals = 2

[[criteria]]
key = "score"
label = "得分"
min = 0
max = 100
step = 0.5

[scoring]
panel = "mean"
item = "score"

[[rounds]]
key = "main"
label = "决赛"

[[awards]]
name = "一等奖"
top = 1

[[awards]]
name = "二等奖"
top = 2

[[awards]]
name = "三等奖"
top = 3
"""

NAMES = [
    ("王芳", "旺苍县米仓山茶叶专业合作社"),
    ("李堃", "四川米仓山茶业集团有限公司"),
    ("王喆", "旺苍县木门镇茶厂"),
    ("杨淼", "四川旺苍米仓山茶业有限公司"),
    ("赵德明", "旺苍县黄洋镇富硒茶厂"),
    ("陈晓燕", "广元市旺苍县汉王山茶业有限公司"),
    ("张秀英", "旺苍县东河镇茶叶专业合作社"),
    ("刘建国", "旺苍县鼓城乡茶叶专业合作社"),
    ("欧阳玥", "旺苍县国华镇茶叶协会"),
    ("司马喆", "旺苍县农业农村局茶叶站"),
    ("何佳怡", "旺苍县白水镇茶园"),
    ("周子墨", "旺苍县嘉川镇茶叶合作社"),
    ("黄诗涵", "旺苍县三江镇茶场"),
    ("吴浩然", "旺苍县普济镇茶叶专业合作社"),
]


@dataclass
class Server:
    """A `contest serve` process that a test may stop and start again on the same port and database."""

    db: str
    port: int
    folder: Path
    organizer: str = ""
    process: subprocess.Popen[bytes] | None = None
    judges: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.folder / "serve.log").open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "contest", "serve", "--db", self.db, "--port", str(self.port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, (self.folder / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.process.kill()
            self.process.wait()
        self.process = None

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"authorization": f"Bearer {self.organizer}"}, timeout=10)

    def new_contest(self, slug: str, count: int = 8) -> None:
        people = [
            {"code": f"E{i:02d}", "name": name, "organization": org, "group": ""}
            for i, (name, org) in enumerate(NAMES[:count], 1)
        ]
        with self.api() as api:
            answer = api.post(
                "/api/contests", content=TOML.format(slug=slug).encode(), headers={"content-type": "application/toml"}
            )
            assert answer.status_code == 201, answer.text
            assert api.put(f"/api/contests/{slug}/entrants", json=people).status_code == 200
            answer = api.post(f"/api/contests/{slug}/judges", json=[{"code": "J1", "name": "张明"}])
            assert answer.status_code == 201, answer.text

    def mark(self, slug: str, entrant: str, value: str, reason: str | None = None) -> None:
        body: dict[str, Any] = {
            "entrant": entrant,
            "round": "main",
            "values": {"score": value},
            "judge": "J1",
            "client_id": str(uuid.uuid4()),
        }
        if reason:
            body["reason"] = reason
        with self.api() as api:
            answer = api.post(f"/api/contests/{slug}/marks", json=body)
            assert answer.status_code == 201, answer.text

    def round(self, slug: str, **change: Any) -> dict[str, Any]:
        with self.api() as api:
            answer = api.patch(f"/api/contests/{slug}/rounds/main", json=change)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("screen")
    db = f"sqlite:///{folder / 'contest.db'}"
    found = Server(db, free_port(), folder)
    found.start()
    found.organizer = contest("token", "--role", "organizer", "--db", db).strip().splitlines()[-1]
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("CONTEST_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser: Browser, url: str, viewport: dict[str, int], *, offline_ok: bool = False) -> Page:
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    def console(message: Any) -> None:
        text = message.text
        if message.type != "error" or text.startswith("Failed to load resource"):
            return
        if offline_ok and "WebSocket" in text:  # the browser reports each refused reconnection
            return
        problems.append(text)

    page.on("console", console)
    page.problems = problems  # type: ignore[attr-defined]
    page.goto(url)
    return page


def codes(page: Page) -> list[str]:
    found: list[str] = page.locator("#board .board-row:not(.covered)").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    return found


def test_screen_shows_a_new_mark_within_a_second(browser: Browser, server: Server, shots: Path) -> None:
    slug = "screen-live"
    server.new_contest(slug, count=14)
    for code, value in (("E01", "80"), ("E02", "70"), ("E04", "85.5"), ("E05", "62")):
        server.mark(slug, code, value)
    page = open_page(browser, f"{server.base}/screen/{slug}", SCREEN)
    expect(page.locator("h1")).to_have_text("2026 米仓山采茶节 手工制茶技能大赛")
    expect(page.locator("#round-label")).to_have_text("决赛")
    expect(page.locator("#state-badge")).to_have_text("实时")
    expect(page.locator("#board .board-row").first).to_have_attribute("data-code", "E04")
    assert codes(page)[:4] == ["E04", "E01", "E02", "E05"]
    expect(page.locator('#board .board-row[data-code="E04"] .award')).to_have_text("一等奖")

    started = time.monotonic()
    server.mark(slug, "E03", "91")  # a new leader
    first = page.locator("#board .board-row").first
    expect(first).to_have_attribute("data-code", "E03", timeout=1000)
    expect(first.locator(".c-total")).to_have_text("91.00", timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(first).to_have_class(re.compile(r"\bscored\b"))  # just scored: highlighted
    expect(page.locator("#latest")).to_contain_text("E03 王喆")
    expect(page.locator("#latest")).to_contain_text("第 1 名")
    assert codes(page)[:5] == ["E03", "E04", "E01", "E02", "E05"]

    # a correction moves a row up: it glides there and its rank says how far it went
    started = time.monotonic()
    server.mark(slug, "E02", "88", reason="录入错误")
    expect(page.locator("#board .board-row").nth(1)).to_have_attribute("data-code", "E02", timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(page.locator('#board .board-row[data-code="E02"] .c-rank i')).to_have_text("▲2")
    assert codes(page)[:5] == ["E03", "E02", "E04", "E01", "E05"]

    for code, value in (("E06", "77"), ("E07", "66.5"), ("E08", "59"), ("E09", "73"), ("E10", "81.5")):
        server.mark(slug, code, value)
    for code, value in (("E11", "69"), ("E12", "90.5"), ("E13", "55"), ("E14", "84")):
        server.mark(slug, code, value)
    expect(page.locator("#board .board-row")).to_have_count(10)  # a page of 10 big rows
    expect(page.locator("#pager")).to_have_text("第 1/2 页")
    expect(page.locator("#board .board-row.scored")).to_have_count(0, timeout=10000)  # the highlights fade
    page.screenshot(path=str(shots / "screen-dark-1920x1080.png"))
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()

    light = open_page(browser, f"{server.base}/screen/{slug}?theme=light&lang=en", SCREEN)
    expect(light.locator("#state-badge")).to_have_text("Live")
    expect(light.locator("#board .board-row")).to_have_count(10)
    light.screenshot(path=str(shots / "screen-light-1920x1080.png"))
    light.context.close()

    # the phone page: follow an entrant outside the board's limit; they stay pinned on top
    phone = open_page(browser, f"{server.base}/live/{slug}?limit=5", PHONE)
    expect(phone.locator("#list .live-row")).to_have_count(5)
    phone.locator("#search").fill("E13")
    expect(phone.locator("#no-match")).to_contain_text("E13")
    phone.get_by_role("button", name="关注 E13").click()
    expect(phone.locator("#followed-who")).to_have_text("E13 黄诗涵")
    expect(phone.locator("#followed-rank")).to_have_text("第 14 名")
    expect(phone.locator("#followed-total")).to_have_text("55.00")
    server.mark(slug, "E13", "99", reason="复核更正")
    expect(phone.locator("#followed-rank")).to_have_text("第 1 名", timeout=2000)
    phone.reload()  # remembered on this phone
    expect(phone.locator("#followed-who")).to_have_text("E13 黄诗涵")
    phone.screenshot(path=str(shots / "live-390x844.png"))
    assert phone.problems == []  # type: ignore[attr-defined]
    phone.context.close()
    for name in ("screen-dark-1920x1080.png", "screen-light-1920x1080.png", "live-390x844.png"):
        assert (shots / name).stat().st_size > 10_000


def test_reveal_steps_on_the_presenters_keys(browser: Browser, server: Server, shots: Path) -> None:
    slug = "screen-reveal"
    server.new_contest(slug, count=5)
    for code, value in (("E01", "80"), ("E02", "70"), ("E03", "90"), ("E04", "60"), ("E05", "75")):
        server.mark(slug, code, value)
    server.round(slug, status="locked")
    server.round(slug, board="reveal")

    audience = open_page(browser, f"{server.base}/screen/{slug}", SCREEN)
    expect(audience.locator("#board .board-row.covered")).to_have_count(5)
    audience.keyboard.press("ArrowRight")  # no token: keys do nothing
    time.sleep(0.5)

    page = open_page(browser, f"{server.base}/screen/{slug}#token={server.organizer}", SCREEN)
    assert "token" not in page.url  # taken out of the address bar, kept in this tab
    expect(page.locator("#presenter")).to_be_visible()
    expect(page.locator("#state-badge")).to_have_text("揭晓中 0/5")
    expect(page.locator("#board .board-row.covered")).to_have_count(5)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#state-badge")).to_have_text("揭晓中 1/5")
    expect(page.locator("#board .board-row.covered")).to_have_count(4)
    assert codes(page) == ["E04"]  # the last place first
    page.keyboard.press("PageDown")
    page.keyboard.press("Space")
    expect(page.locator("#state-badge")).to_have_text("揭晓中 3/5")
    assert codes(page) == ["E05", "E02", "E04"]
    expect(audience.locator("#board .board-row.covered")).to_have_count(2)  # every screen follows the step
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#state-badge")).to_have_text("揭晓中 2/5")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # quick presses: every one counts, even before the board catches up
    expect(page.locator("#state-badge")).to_have_text("揭晓中 5/5")
    expect(page.locator("#board .board-row.covered")).to_have_count(0)
    assert codes(page) == ["E03", "E01", "E05", "E02", "E04"]
    time.sleep(1.2)  # the rows uncovered last have faded in
    page.screenshot(path=str(shots / "screen-reveal-1920x1080.png"))
    page.keyboard.press("ArrowRight")  # past the end: nothing to do, nothing sent
    with server.api() as api:
        rounds = httpx.get(f"{server.base}/control/{slug}/rounds").json()["rounds"]
        assert rounds[0]["reveal"] == {"by": "rank", "step": 5}
        assert api.get(f"/api/contests/{slug}/standings").json()["board"] == "live"  # organizers: the live board
    assert page.problems == [] and audience.problems == []  # type: ignore[attr-defined]
    page.context.close()
    audience.context.close()


def test_screen_says_offline_and_recovers_after_a_restart(browser: Browser, server: Server) -> None:
    slug = "screen-offline"
    server.new_contest(slug, count=3)
    server.mark(slug, "E01", "80")
    page = open_page(browser, f"{server.base}/screen/{slug}", SCREEN, offline_ok=True)
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    expect(page.locator("#offline")).to_be_hidden()
    server.stop()
    try:
        expect(page.locator("body")).to_have_attribute("data-connection", "offline", timeout=5000)
        expect(page.locator("#offline")).to_be_visible()
        expect(page.locator("#offline")).to_contain_text("连接中断 · 自 ")
        expect(page.locator("#board .board-row")).to_have_count(1)  # the last board stays up meanwhile
        time.sleep(2)
    finally:
        server.start()
    expect(page.locator("body")).to_have_attribute("data-connection", "online", timeout=15000)
    expect(page.locator("#offline")).to_be_hidden()
    server.mark(slug, "E02", "95")
    expect(page.locator("#board .board-row").first).to_have_attribute("data-code", "E02", timeout=2000)
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_control_page_runs_the_board_and_the_reveal(browser: Browser, server: Server, shots: Path) -> None:
    slug = "screen-control"
    server.new_contest(slug, count=4)
    for code, value in (("E01", "80"), ("E02", "70"), ("E03", "90"), ("E04", "60")):
        server.mark(slug, code, value)
    page = open_page(browser, f"{server.base}/control/{slug}", {"width": 1440, "height": 1000})
    expect(page.locator("#token-form")).to_be_visible()  # no token yet: a field to paste it
    page.locator("#token").fill("not-a-token")
    page.get_by_role("button", name="使用此令牌", exact=True).click()
    expect(page.locator("#token-error")).to_contain_text("令牌被拒绝")
    page.goto(f"{server.base}/control/{slug}#token={server.organizer}")  # the same page: it loads again to take it
    expect(page).to_have_url(f"{server.base}/control/{slug}")
    expect(page.locator("#control")).to_be_visible()
    expect(page.locator("#public .board-row")).to_have_count(4)
    expect(page.locator("#organizer .board-row")).to_have_count(4)

    page.get_by_role("button", name="封榜", exact=True).click()
    expect(page.locator('#rounds tr[data-round="main"] .chip.board-frozen')).to_have_text("已封榜")
    expect(page.locator("#public-state")).to_have_text("已封榜")
    page.get_by_role("button", name="按名次开始揭晓", exact=True).click()  # the round is still open: the server says no
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).not_to_be_empty()
    page.get_by_role("button", name="锁定本轮", exact=True).click()
    page.locator("#reason-ok").click()
    expect(page.locator('#rounds tr[data-round="main"] .chip.status-locked')).to_be_visible()
    page.get_by_role("button", name="按名次开始揭晓", exact=True).click()
    expect(page.locator("#public .board-row.covered")).to_have_count(4)
    expect(page.locator("#organizer .board-row.not-public")).to_have_count(4)  # the presenter's hint
    page.get_by_role("button", name="下一步 →", exact=True).click()
    expect(page.locator("#public .board-row.covered")).to_have_count(3)
    expect(page.locator("#reveal-state")).to_have_text("第 1/4 步 · 还有 3 个名次未揭晓")
    page.get_by_role("button", name="全部揭晓", exact=True).click()
    expect(page.locator("#public .board-row.covered")).to_have_count(0)
    page.get_by_role("button", name="← 上一步", exact=True).click()
    expect(page.locator("#public .board-row.covered")).to_have_count(1)
    page.get_by_role("button", name="实时公开", exact=True).click()
    expect(page.locator("#public-state")).to_have_text("实时")
    page.get_by_role("button", name="解锁本轮", exact=True).click()
    page.locator("#reason-ok").click()
    expect(page.locator("#reason-error")).to_have_text("请填写解锁原因。")
    page.locator("#reason").fill("复核")
    page.locator("#reason-ok").click()
    expect(page.locator('#rounds tr[data-round="main"] .chip.status-open')).to_be_visible()
    page.screenshot(path=str(shots / "control-1440x1000.png"))
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_screen_and_phone_poll_when_websockets_cannot_connect(browser: Browser, server: Server) -> None:
    """A venue behind a proxy that refuses websockets (or a WeChat build without them): every socket closes before
    its first message. The screen and the phone fall back to polling the board over HTTP and keep moving with the
    marks, a freeze and a hidden board; once sockets work again they go back to the socket by themselves."""
    slug = "screen-polling"
    server.new_contest(slug, count=4)
    for code, value in (("E01", "80"), ("E02", "70")):
        server.mark(slug, code, value)
    blocked = {"on": True}

    def gate(socket: Any) -> None:
        if blocked["on"]:
            socket.close(code=1011, reason="blocked by the proxy")
        else:
            socket.connect_to_server()

    pages = []
    for url, viewport in ((f"/screen/{slug}", SCREEN), (f"/live/{slug}", PHONE)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
        context.route_web_socket(re.compile(r".*/ws/contests/.*"), gate)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error, problems=problems: problems.append(str(error)))
        page.goto(server.base + url)
        pages.append((page, problems))
    screen, phone = pages[0][0], pages[1][0]
    for page in (screen, phone):
        expect(page.locator("body")).to_have_attribute("data-via", "polling", timeout=10000)
        expect(page.locator("body")).to_have_attribute("data-connection", "online")
    expect(screen.locator("#offline")).to_be_hidden()
    assert codes(screen) == ["E01", "E02"]

    server.mark(slug, "E03", "91")  # polled every 3 s: on the screen within a poll or two
    first = screen.locator("#board .board-row").first
    expect(first).to_have_attribute("data-code", "E03", timeout=8000)
    expect(first.locator(".c-total")).to_have_text("91.00")
    expect(phone.locator("#list .live-row").first).to_have_attribute("data-code", "E03", timeout=8000)

    server.round(slug, board="frozen")
    expect(screen.locator("#state-badge")).to_have_text("已封榜", timeout=8000)
    expect(screen.locator("#frozen-note")).to_be_visible()
    server.mark(slug, "E04", "99")  # after the freeze: the public sees nothing of it
    server.round(slug, board="hidden")
    expect(screen.locator("#hidden-card")).to_be_visible(timeout=8000)
    expect(screen.locator("#board-wrap")).to_be_hidden()
    server.round(slug, board="live")
    expect(first).to_have_attribute("data-code", "E04", timeout=8000)

    blocked["on"] = False  # the proxy lets websockets through again; a network change wakes the page at once
    for page in (screen, phone):
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        expect(page.locator("body")).to_have_attribute("data-via", "socket", timeout=10000)
    started = time.monotonic()
    server.mark(slug, "E02", "99.5", reason="复核更正")
    expect(first).to_have_attribute("data-code", "E02", timeout=2000)
    assert time.monotonic() - started < 2.0
    for page, problems in pages:
        assert problems == []
        page.context.close()


def test_a_reveal_elsewhere_in_the_rotation_takes_the_screen_until_it_ends(browser: Browser, server: Server) -> None:
    """A screen rotating two contests (`?contests=`): when the organizer starts the ceremony of the one not shown,
    the screen goes there within seconds and stays through page turns until the reveal ends; then it rotates again."""
    first, second = "screen-rotate-a", "screen-rotate-b"
    for slug, marks in ((first, ("80", "70", "60")), (second, ("60", "70", "90"))):
        server.new_contest(slug, count=3)
        for code, value in zip(("E01", "E02", "E03"), marks, strict=True):
            server.mark(slug, code, value)
    server.round(second, status="locked")
    page = open_page(browser, f"{server.base}/screen/{first}?contests={second}", SCREEN)
    qr = page.locator("#qr")
    expect(qr).to_have_attribute("src", f"/screen/{first}/qr.svg")
    expect(page.locator("#board .board-row").first).to_have_attribute("data-code", "E01")

    server.round(second, board="reveal")
    expect(qr).to_have_attribute("src", f"/screen/{second}/qr.svg", timeout=8000)
    expect(page.locator("#board .board-row.covered")).to_have_count(3)
    time.sleep(12)  # longer than a page turn: the ceremony keeps the screen
    expect(qr).to_have_attribute("src", f"/screen/{second}/qr.svg")
    server.round(second, reveal=1)
    expect(page.locator("#board .board-row.covered")).to_have_count(2)
    assert codes(page) == ["E01"]  # the last place first
    server.round(second, board="live")  # the ceremony is over: the rotation goes on
    expect(qr).to_have_attribute("src", f"/screen/{first}/qr.svg", timeout=25000)
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()
