"""The judge's tablet in a real browser: Debian's chromium (pytest-playwright, no browser download) against a real
`contest serve` process on a SQLite file loaded with `contest load` (the diving fixture, no marks).

A judge opens the QR link on a tablet-sized screen, scores entrant 1, the network is cut, scores entrant 2 (the page
shows 1 waiting), the network returns, and both submissions are stored exactly once. A lost acknowledgement is sent
again with the same client_id and still stored once; a refused submission (round locked meanwhile) says what
happened in the judge's words and is not retried until the judge asks. Screenshots of the judge's and the chief
judge's pages at 1024x768 and 1920x1080 go to $CONTEST_SCREENSHOTS (default: the test's temp folder).

The offline app and the phone (issue 12), at a 1024x768 tablet and at phone sizes: a reload without network shows
the page from the service worker with the waiting mark (and takes another), which is stored once when the network
returns; a lock while a form is filled keeps the judge on the form with the refusal in Chinese and the round's tab
turned 已锁定; the next entrant's form opens at its top; the first tap on − or + steps from the value shown; the
preview shows exactly the contest's decimals; nothing is wider than a 360 or 390 px phone; the larger-text setting.
The README's screenshots (docs/screenshots/judge-tablet.png, judge-phone.png) are written when
CONTEST_README_SHOTS=1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize, expect

ROOT = Path(__file__).resolve().parent.parent
DIVING = ROOT / "fixtures" / "diving"
TEA = ROOT / "fixtures" / "tea"
SLUG = "dive-2026"
TABLET: ViewportSize = {"width": 1024, "height": 768}
DESKTOP: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 390, "height": 844}
SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
SIZES = pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
LOCKED_TEXT = "本轮已被裁判长锁定，此分数未保存。请联系裁判长。"


class Link:
    """The venue Wi-Fi between the tablets and the server: a TCP relay on its own port that the test can cut
    (open connections are reset, new ones refused at once) and restore. Chromium's emulated offline alone is not
    enough once a service worker controls the page: a request the worker leaves to the network can still reach
    the server while the page is told it failed."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.down = False
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open |= {client, upstream}
            threading.Thread(target=self.pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client), daemon=True).start()

    def pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                if self.down:
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
            with self.lock:
                self.open.discard(end)

    def cut(self) -> None:
        self.down = True
        with self.lock:
            ends = list(self.open)
        for end in ends:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self.listener.close()


@dataclass
class Server:
    base: str  # the server itself (the tests' API calls)
    organizer: str
    tokens: dict[str, str]  # judge code -> token
    slug: str = SLUG
    link: Link | None = None  # the browsers' way in

    @property
    def web(self) -> str:
        return self.link.base if self.link else self.base

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"authorization": f"Bearer {self.organizer}"}, timeout=10)

    def history(self) -> list[dict[str, Any]]:
        with self.api() as client:
            answer = client.get(f"/api/contests/{self.slug}/history")
            assert answer.status_code == 200, answer.text
            marks: list[dict[str, Any]] = answer.json()["marks"]
            return marks


def contest(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "contest", *args], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert done.returncode == 0, f"contest {' '.join(args)}: {done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(folder: Path, fixture: Path, slug: str, judges: list[dict[str, Any]]) -> Iterator[Server]:
    """`contest serve` on a SQLite file loaded from `fixture` (no marks), with `judges` created through the API."""
    db = f"sqlite:///{folder / 'contest.db'}"
    contest("load", str(fixture / "contest.toml"), "--entrants", str(fixture / "entrants.csv"), "--db", db)
    organizer = contest("token", "--role", "organizer", "--db", db).strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "contest", "serve", "--db", db, "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (folder / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)
        with httpx.Client(base_url=base, headers={"authorization": f"Bearer {organizer}"}) as client:
            answer = client.post(f"/api/contests/{slug}/judges", json=judges)
            assert answer.status_code == 201, answer.text
            tokens = {j["code"]: j["token"] for j in answer.json()}
        link = Link(port)
        try:
            yield Server(base, organizer, tokens, slug, link)
        finally:
            link.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Server]:
    judges: list[dict[str, Any]] = [
        {"code": f"J{i}", "name": name} for i, name in enumerate(("张明", "王芳", "李强", "赵敏", "刘洋"), 1)
    ]
    judges.append({"code": "CJ", "name": "陈裁判长", "chief": True})
    with serving(tmp_path_factory.mktemp("browser"), DIVING, SLUG, judges) as found:
        yield found


@pytest.fixture(autouse=True)
def link_restored(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test finds the venue's Wi-Fi up, even after one that failed while it was cut."""
    yield
    for name in ("server", "tea"):
        if name in request.fixturenames:
            found: Server = request.getfixturevalue(name)
            if found.link is not None:
                found.link.restore()


@pytest.fixture(scope="module")
def tea(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Server]:
    """The tea contest: a sensory panel of three scoring five factors from 0 to 100 (±0.5, ±5), weighted."""
    judges = [{"code": f"S{i}", "name": f"审评员{i}"} for i in range(1, 4)]
    with serving(tmp_path_factory.mktemp("tea"), TEA, "tea-2026", judges) as found:
        yield found


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("CONTEST_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_tablet(
    browser: Browser, server: Server, judge: str, viewport: ViewportSize = TABLET, *, workers: bool = True
) -> Page:
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=1,
        locale="zh-CN",
        has_touch=True,
        service_workers="allow" if workers else "block",  # block: like WeChat on iOS, or plain-HTTP venue Wi-Fi
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")  # network cut
            else None
        ),
    )
    page.problems = problems  # type: ignore[attr-defined]
    page.goto(f"{server.web}/j/{server.tokens[judge]}")
    return page


def score(page: Page, value: str) -> None:
    """Use the touch controls: an empty field shows where it starts (the middle of the range) and the first tap
    steps from there; then ±1 and ±0.5 until the value is there."""
    card = page.locator("#criteria .criterion").first
    box = card.locator(".stepper-value")
    target = Decimal(value)
    for _ in range(40):
        shown = box.input_value() or box.get_attribute("placeholder") or ""
        gap = target - Decimal(shown)
        if gap == 0 and box.input_value():
            break
        step = "1" if abs(gap) >= 1 else "0.5"
        up = gap > 0 or (gap == 0 and not box.input_value())  # at the start, empty: one step up, then back down
        card.get_by_role("button", name=f"{'增加' if up else '减少'} {step}", exact=True).click()
    expect(box).to_have_value(value)


def go_offline(page: Page, server: Server) -> None:
    """The venue's Wi-Fi drops: the link to the server is cut and the browser knows it is offline."""
    assert server.link is not None
    server.link.cut()
    page.context.set_offline(True)


def go_online(page: Page, server: Server) -> None:
    assert server.link is not None
    server.link.restore()
    page.context.set_offline(False)


def submit(page: Page, *, reason: str | None = None) -> None:
    page.locator("#submit").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    if reason is not None:
        page.locator("#confirm-ok").click()
        expect(page.locator("#confirm-error")).to_have_text("请填写更正原因。")
        page.locator("#reason").fill(reason)
    page.locator("#confirm-ok").click()
    expect(dialog).to_be_hidden()


def judged(history: list[dict[str, Any]], judge: str) -> list[tuple[str, int, str, str | None]]:
    return [(m["entrant"], m["item"], m["new"], m["old"]) for m in history if m["judge"] == judge]


def test_judge_scores_two_entrants_through_a_network_cut(browser: Browser, server: Server, shots: Path) -> None:
    page = open_tablet(browser, server, "J1")
    expect(page).to_have_url(f"{server.web}/judge")
    expect(page.locator("h1")).to_have_text("男子3米跳板 / Men's 3m springboard")
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    expect(page.locator("#net")).to_have_text("在线")

    # entrant 1, online: stored at once
    page.locator('.entrant[data-code="D01"]').click()
    expect(page.locator("#sheet-entrant")).to_have_text("D01")
    score(page, "8.5")
    expect(page.locator("#preview")).to_have_text("8.5")
    page.screenshot(path=str(shots / "judge-1024x768.png"))
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("0")
    expect(page.locator("#sheet-round")).to_contain_text("第 2 项")  # on to the next dive of D01
    expect(page.locator('.entrant[data-code="D01"] .entrant-status')).to_have_text("已评 1/3 项")
    assert judged(server.history(), "J1") == [("D01", 1, "8.5", None)]

    # entrant 2, offline: kept on the tablet, shown as waiting, nothing reaches the server
    go_offline(page, server)
    page.locator('.entrant[data-code="D02"]').click()
    score(page, "7")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("1")
    expect(page.locator("#net")).to_have_attribute("data-state", "offline")
    expect(page.locator('.entrant[data-code="D02"] .entrant-status')).to_have_text("待同步")
    page.locator("#outbox-toggle").click()
    expect(page.locator("#outbox-list .outbox-entry")).to_have_count(1)
    expect(page.locator("#outbox-list .outbox-entry")).to_contain_text("D02")
    page.screenshot(path=str(shots / "judge-offline-1024x768.png"))
    page.locator("#outbox-close").click()
    time.sleep(1.5)  # the retry timer fires while offline: still nothing stored
    assert judged(server.history(), "J1") == [("D01", 1, "8.5", None)]

    # the network returns: sent once, the waiting count drops to 0
    go_online(page, server)
    expect(page.locator("#outbox-count")).to_have_text("0", timeout=15000)
    expect(page.locator("#net")).to_have_attribute("data-state", "online")
    history = server.history()
    assert judged(history, "J1") == [("D01", 1, "8.5", None), ("D02", 1, "7", None)]
    assert len({m["client_id"] for m in history}) == 2

    # a correction before lock needs a reason
    page.locator('.entrant[data-code="D01"]').click()
    page.get_by_role("tab", name="第 1 项").click()
    expect(page.locator("#criteria .stepper-value")).to_have_value("8.5")
    expect(page.locator("#submit")).to_have_text("提交更正")
    page.locator("#criteria .step.fine").last.click()
    submit(page, reason="误按了按钮")
    expect(page.locator("#outbox-count")).to_have_text("0")
    history = server.history()
    assert judged(history, "J1")[-1] == ("D01", 1, "9", "8.5")
    assert history[-1]["reason"] == "误按了按钮"
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_lost_acknowledgement_is_resent_with_the_same_client_id(browser: Browser, server: Server) -> None:
    page = open_tablet(browser, server, "J2")
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    posts: list[str] = []
    dropped: list[bool] = []

    def lose_first_answer(route: Route) -> None:
        posts.append(route.request.post_data or "")
        response = route.fetch()  # the server stores it ...
        if not dropped:
            dropped.append(True)
            route.abort("connectionreset")  # ... but the tablet never hears back
        else:
            route.fulfill(response=response)

    page.route("**/api/contests/*/marks", lose_first_answer)
    page.locator('.entrant[data-code="D03"]').click()
    score(page, "6.5")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("0", timeout=20000)
    assert len(posts) == 2 and posts[0] == posts[1], "the retry repeats the same submission and client_id"
    mine = [m for m in server.history() if m["judge"] == "J2"]
    assert [(m["entrant"], m["new"]) for m in mine] == [("D03", "6.5")], "stored once"
    page.context.close()


def test_refused_submission_shows_the_message_and_is_not_retried(browser: Browser, server: Server, shots: Path) -> None:
    page = open_tablet(browser, server, "J3")
    page.locator('.round-tab[data-round="final"]').click()
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    go_offline(page, server)
    page.locator('.entrant[data-code="D04"]').click()
    score(page, "9")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("1")
    with server.api() as api:  # meanwhile the round is locked
        assert api.patch(f"/api/contests/{SLUG}/rounds/final", json={"status": "locked"}).status_code == 200
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    go_online(page, server)
    entry = page.locator("#outbox-list .outbox-entry.failed")
    expect(entry).to_have_count(1, timeout=15000)
    expect(entry).to_contain_text(LOCKED_TEXT)  # what happened and what to do, in the judge's words
    expect(entry).not_to_contain_text("final")  # no internal round key, no field name
    expect(entry).not_to_contain_text("字段")
    expect(page.locator("#outbox-count")).to_have_text("0")
    expect(page.locator("#outbox-refused")).to_have_text("被拒绝 1")  # the header never reads as if all was well
    expect(page.locator("#outbox-toggle")).to_have_attribute("data-failed", "1")
    expect(page.locator('.entrant[data-code="D04"] .entrant-status')).to_have_text("被拒收")
    page.locator("#outbox-toggle").click()
    page.screenshot(path=str(shots / "judge-refused-1024x768.png"))
    page.locator("#outbox-close").click()
    time.sleep(6)  # longer than the retry timer: a refused entry is not sent again by itself
    assert len(posts) == 1
    assert not [m for m in server.history() if m["judge"] == "J3"]

    with server.api() as api:  # unlocked with a reason; the judge retries
        answer = api.patch(f"/api/contests/{SLUG}/rounds/final", json={"status": "open", "reason": "裁判长同意补录"})
        assert answer.status_code == 200
    page.locator("#outbox-toggle").click()
    entry.get_by_role("button", name="重试").click()
    expect(page.locator("#outbox-list .outbox-entry")).to_have_count(0, timeout=15000)
    assert [(m["entrant"], m["round"], m["new"]) for m in server.history() if m["judge"] == "J3"] == [
        ("D04", "final", "9")
    ]
    page.context.close()


def test_screenshots_of_the_judge_and_chief_pages(browser: Browser, server: Server, shots: Path) -> None:
    # a scene for the chief judge: the panel's marks for D01's first dive, one far from the rest, and its DD
    with server.api() as api:
        for judge, value in (("J2", "8"), ("J3", "8.5"), ("J4", "8"), ("J5", "4")):
            body = {
                "entrant": "D01",
                "round": "prelim",
                "item": 1,
                "values": {"execution": value},
                "judge": judge,
                "client_id": str(uuid.uuid4()),
            }
            assert api.post(f"/api/contests/{SLUG}/marks", json=body).status_code == 201
        body = {"entrant": "D01", "round": "prelim", "item": 1, "values": {"dd": "3.1"}, "client_id": str(uuid.uuid4())}
        assert api.post(f"/api/contests/{SLUG}/marks", json=body).status_code == 201

    page = open_tablet(browser, server, "J4", DESKTOP)
    page.locator('.entrant[data-code="D02"]').click()
    score(page, "7.5")
    page.screenshot(path=str(shots / "judge-1920x1080.png"))
    page.context.close()

    for viewport in (TABLET, DESKTOP):
        page = open_tablet(browser, server, "CJ", viewport)
        page.goto(f"{server.web}/chief")
        expect(page.locator("#grid-body tr")).to_have_count(6)
        expect(page.locator('#grid-body tr[data-code="D01"] td[data-judge="J5"] .cell-chip')).to_have_class(
            "cell-chip partial flagged"
        )
        expect(page.locator("#flag-summary")).to_have_text("1 个评分偏离中位数")
        page.locator('#grid-body tr[data-code="D01"]').click()
        expect(page.locator("#detail-flags")).to_contain_text("裁判 J5：4（中位数 8）")
        expect(page.locator("#explain")).to_contain_text("D01 林浩然")
        name = f"chief-{viewport['width']}x{viewport['height']}.png"
        page.screenshot(path=str(shots / name))
        assert page.problems == []  # type: ignore[attr-defined]
        page.context.close()
    for name in ("judge-1024x768.png", "judge-1920x1080.png", "chief-1024x768.png", "chief-1920x1080.png"):
        assert (shots / name).stat().st_size > 10_000


# -- the offline app, refusals, the form's flow, phones (issue 12) ----------------------------------------------


def wait_for_the_worker(page: Page) -> None:
    """The service worker is installed and controls the page (it kept the page and its assets)."""
    expect(page.locator("body")).to_have_attribute("data-offline-app", "ready", timeout=15000)
    # a function, not an expression: polling an expression evals it, which the page's CSP refuses
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


OUTBOX_RECORDS = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("contest");
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const count = opening.result.transaction("outbox").objectStore("outbox").count();
    count.onsuccess = () => resolve(count.result);
  };
})"""


@SIZES
def test_offline_reload_shows_the_page_with_the_waiting_mark(
    browser: Browser, server: Server, viewport: ViewportSize
) -> None:
    entrant = "D05" if viewport is TABLET else "D06"
    page = open_tablet(browser, server, "J5", viewport)
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    wait_for_the_worker(page)
    # the page keeps a copy of the judge's other round once the round shown has loaded: wait for it to arrive
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('contest-queue:') && k.endsWith(':final'))"
    )

    go_offline(page, server)
    page.locator(f'.entrant[data-code="{entrant}"]').click()
    score(page, "7.5")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("1")
    assert page.evaluate(OUTBOX_RECORDS) == 1
    # the localStorage copy may be wiped (WeChat does on logout): IndexedDB still has the mark
    page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('contest-outbox:'))"
        ".forEach(k => localStorage.removeItem(k))"
    )

    # a reload without network: the page comes from the service worker, the mark from IndexedDB
    page.reload()
    expect(page.locator("h1")).to_have_text("男子3米跳板 / Men's 3m springboard")
    expect(page.locator("#outbox-count")).to_have_text("1")
    expect(page.locator(f'.entrant[data-code="{entrant}"] .entrant-status')).to_have_text("待同步")
    expect(page.locator("#net")).to_have_attribute("data-state", "offline")
    # ... and the judge goes on scoring: the entrant's next dive
    page.locator(f'.entrant[data-code="{entrant}"]').click()
    expect(page.locator("#sheet-round")).to_contain_text("第 2 项")
    score(page, "8")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("2")
    # the other round opens too (its queue was kept on the device when the page last loaded online)
    page.locator('.round-tab[data-round="final"]').click()
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    expect(page.locator("#queue-note")).to_have_text("离线：显示本平板保存的副本。")
    page.locator('.round-tab[data-round="prelim"]').click()
    time.sleep(1.5)
    assert not [m for m in server.history() if m["judge"] == "J5" and m["entrant"] == entrant], [
        (m["item"], m["new"], m["at"]) for m in server.history() if m["judge"] == "J5"
    ]

    go_online(page, server)
    expect(page.locator("#outbox-count")).to_have_text("0", timeout=20000)
    mine = [m for m in server.history() if m["judge"] == "J5" and m["entrant"] == entrant]
    assert [(m["item"], m["new"]) for m in mine] == [(1, "7.5"), (2, "8")], "each stored exactly once"
    assert len({m["client_id"] for m in mine}) == 2
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_without_a_service_worker_marks_survive_a_closed_tab(browser: Browser, server: Server) -> None:
    page = open_tablet(browser, server, "J4", workers=False)
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    expect(page.locator("body")).to_have_attribute("data-offline-app", "none", timeout=15000)
    note = page.locator("#offline-note")
    expect(note).to_be_hidden()
    go_offline(page, server)
    expect(note).to_be_visible()  # offline: the judge is told not to reload or close the page
    expect(note).to_contain_text("请不要刷新或关闭本页")
    page.locator('.entrant[data-code="D06"]').click()
    score(page, "6")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("1")
    # the tab is closed before the network returns; a new tab on the same device, online, sends what waited
    context = page.context
    page.close()
    assert server.link is not None
    server.link.restore()
    context.set_offline(False)
    again = context.new_page()
    again.goto(f"{server.web}/judge")
    expect(again.locator("#queue-list .entrant")).to_have_count(6)
    expect(again.locator("#outbox-count")).to_have_text("0", timeout=20000)
    mine = [m for m in server.history() if m["judge"] == "J4" and m["entrant"] == "D06"]
    assert [(m["item"], m["new"]) for m in mine] == [(1, "6")]
    context.close()


@SIZES
def test_a_lock_while_the_form_is_filled_keeps_the_judge_on_the_form(
    browser: Browser, server: Server, viewport: ViewportSize, shots: Path
) -> None:
    entrant = "D01" if viewport is TABLET else "D02"
    page = open_tablet(browser, server, "J2", viewport)
    page.locator('.round-tab[data-round="final"]').click()
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    page.locator(f'.entrant[data-code="{entrant}"]').click()
    score(page, "8")
    tab = page.locator('.round-tab[data-round="final"] .round-state')
    expect(tab).to_have_text("进行中")
    with server.api() as api:  # the chief judge locks the round while the form is filled
        assert api.patch(f"/api/contests/{SLUG}/rounds/final", json={"status": "locked"}).status_code == 200
    try:
        submit(page)
        error = page.locator("#form-error")
        expect(error).to_have_text(LOCKED_TEXT)
        expect(error).to_be_in_viewport()
        expect(page.locator("#sheet-entrant")).to_have_text(entrant)  # the page did not move on
        expect(page.locator("#sheet-round")).to_contain_text("第 1 项")
        expect(tab).to_have_text("已锁定")  # without a reload
        expect(page.locator("#outbox-refused")).to_have_text("被拒绝 1")
        expect(page.locator(f'.entrant[data-code="{entrant}"] .entrant-status')).to_have_text("被拒收")
        expect(page.locator("#submit")).to_be_disabled()
        page.screenshot(path=str(shots / f"judge-locked-{viewport['width']}x{viewport['height']}.png"))
        assert not [m for m in server.history() if m["judge"] == "J2" and m["round"] == "final"]
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        with server.api() as api:
            answer = api.patch(f"/api/contests/{SLUG}/rounds/final", json={"status": "open", "reason": "测试结束"})
            assert answer.status_code == 200, answer.text
        page.context.close()


def fill_all(page: Page, values: list[str]) -> None:
    boxes = page.locator("#criteria .stepper-value")
    expect(boxes).to_have_count(len(values))
    for i, value in enumerate(values):
        boxes.nth(i).fill(value)


def in_viewport(page: Page, selector: str) -> bool:
    """On screen: inside the window and, for a criterion, inside the criteria's own scroll box (tablets)."""
    found: bool = page.eval_on_selector(
        selector,
        """e => {
          const r = e.getBoundingClientRect();
          const clip = e.closest("#criteria");
          const box = clip ? clip.getBoundingClientRect() : { top: 0, bottom: innerHeight };
          return r.top >= Math.max(0, box.top) && r.bottom <= Math.min(innerHeight, box.bottom);
        }""",
    )
    return found


@SIZES
def test_the_next_entrant_opens_at_the_top_of_the_form(browser: Browser, tea: Server, viewport: ViewportSize) -> None:
    page = open_tablet(browser, tea, "S1" if viewport is TABLET else "S2", viewport)
    page.locator('.entrant[data-code="T01"]').click()
    fill_all(page, ["80", "80", "80", "80", "80"])
    # the judge scrolled down to the last factor before submitting
    page.eval_on_selector("#criteria", "e => { e.scrollTop = e.scrollHeight; }")
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    assert not (in_viewport(page, "#sheet-entrant") and in_viewport(page, "#criteria .criterion:first-child h3"))
    submit(page)
    expect(page.locator("#sheet-entrant")).to_have_text("T02")
    time.sleep(0.5)
    assert page.eval_on_selector("#criteria", "e => e.scrollTop") == 0
    assert in_viewport(page, "#sheet-entrant")
    assert in_viewport(page, "#criteria .criterion:first-child .stepper")
    expect(page.locator("#criteria .stepper-value").first).to_have_value("")  # nothing carried over
    page.context.close()


def test_first_tap_steps_from_the_value_shown_and_the_preview_has_the_contests_decimals(
    browser: Browser, tea: Server
) -> None:
    page = open_tablet(browser, tea, "S3")
    page.locator('.entrant[data-code="T01"]').click()
    first = page.locator("#criteria .criterion").first
    box = first.locator(".stepper-value")
    expect(box).to_have_value("")
    expect(box).to_have_attribute("placeholder", "50")  # where an empty field starts, shown in it
    first.get_by_role("button", name="增加 5", exact=True).click()
    expect(box).to_have_value("55")
    first.get_by_role("button", name="减少 0.5", exact=True).click()
    expect(box).to_have_value("54.5")
    expect(page.locator("#preview")).to_have_text("13.63 …")  # 0.25 × 54.5 = 13.625, to 2 places, incomplete
    fill_all(page, ["54.5", "80", "80", "80", "80"])
    expect(page.locator("#preview")).to_have_text("73.63")
    submit(page)

    # the next entrant: the first tap steps from the middle again, not from the previous entrant's mark
    expect(page.locator("#sheet-entrant")).to_have_text("T02")
    expect(box).to_have_value("")
    first.get_by_role("button", name="减少 0.5", exact=True).click()
    expect(box).to_have_value("49.5")
    fill_all(page, ["85.5", "80", "80", "80", "80"])
    expect(page.locator("#preview")).to_have_text("81.38")  # 81.375 exactly: half up, as the server rounds
    fill_all(page, ["80", "80", "80", "80", "80"])
    expect(page.locator("#preview")).to_have_text("80.00")
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


FIT = """() => {
  const wide = document.scrollingElement.scrollWidth;
  const out = [];
  for (const e of document.querySelectorAll("button, a, input, [role=tab]")) {
    if (!e.offsetParent) continue;
    const r = e.getBoundingClientRect();
    const name = (e.id || e.className || e.tagName) + " " + (e.textContent || e.value || "").trim().slice(0, 12);
    if (r.left < 0 || r.right > innerWidth) out.push("outside: " + name);
    const size = Math.round(r.width) + "x" + Math.round(r.height);
    if (r.height < 44 || r.width < 44) out.push("small: " + name + " " + size);
  }
  return {wide: wide, width: innerWidth, out: out};
}"""


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["360", "390"])
@pytest.mark.parametrize("large", [False, True], ids=["normal", "larger-text"])
def test_the_page_fits_a_phone(browser: Browser, tea: Server, viewport: ViewportSize, large: bool) -> None:
    page = open_tablet(browser, tea, "S1", viewport)
    expect(page.locator(".round-tab")).to_have_count(3)
    if large:
        page.locator("#text-size").click()
    page.locator('.entrant[data-code="T03"]').click()
    expect(page.locator("#criteria .criterion")).to_have_count(5)
    plus = page.get_by_role("button", name="增加 5", exact=True).first
    plus.scroll_into_view_if_needed()
    expect(plus).to_be_in_viewport()
    fit = page.evaluate(FIT)
    assert fit["wide"] <= fit["width"], fit
    assert fit["out"] == [], fit["out"]
    page.locator("#outbox-toggle").click()  # the outbox panel fits too
    fit = page.evaluate(FIT)
    assert fit["wide"] <= fit["width"] and fit["out"] == [], fit
    page.context.close()


@SIZES
def test_larger_text_is_a_setting_kept_on_the_device(browser: Browser, tea: Server, viewport: ViewportSize) -> None:
    page = open_tablet(browser, tea, "S2", viewport)
    toggle = page.get_by_role("button", name="大字号")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.locator('.entrant[data-code="T04"]').click()
    size = "() => parseFloat(getComputedStyle(document.querySelector('#criteria h3')).fontSize)"
    before = page.evaluate(size)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(size) >= before * 1.2
    page.reload()
    expect(page.get_by_role("button", name="大字号")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class("text-large")
    page.get_by_role("button", name="大字号").click()
    expect(page.locator("html")).not_to_have_class("text-large")
    page.context.close()


def test_screenshots_of_the_judge_page_for_the_readme(browser: Browser, tea: Server, shots: Path) -> None:
    folder = ROOT / "docs" / "screenshots" if os.environ.get("CONTEST_README_SHOTS") == "1" else shots
    folder.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("judge-tablet.png", TABLET), ("judge-phone.png", PHONE)):
        page = open_tablet(browser, tea, "S3", viewport)
        page.locator('.entrant[data-code="T05"]').click()
        boxes = page.locator("#criteria .stepper-value")
        boxes.nth(0).fill("86.5")
        boxes.nth(1).fill("88")
        page.get_by_role("button", name="增加 0.5", exact=True).nth(2).click()
        expect(boxes.nth(2)).to_have_value("50.5")
        page.eval_on_selector("#criteria", "e => { e.scrollTop = 0; }")
        page.eval_on_selector("#sheet-form", "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY)")
        page.screenshot(path=str(folder / name))
        assert (folder / name).stat().st_size > 10_000
        page.context.close()


def test_signing_out_drops_the_offline_copy_of_the_page(browser: Browser, server: Server) -> None:
    page = open_tablet(browser, server, "J1")
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    wait_for_the_worker(page)
    page.locator("form.signout button").click()
    page.wait_for_url(lambda url: "/judge" not in url)
    go_offline(page, server)
    try:
        page.goto(f"{server.web}/judge")
        expect(page.locator("body")).not_to_contain_text("张明")  # the judge's page is not shown to the next person
        expect(page.locator("#queue-list")).to_have_count(0)
    finally:
        go_online(page, server)
        page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["laptop", "tablet"])
def test_long_organization_names_are_shown_whole(browser: Browser, tea: Server, viewport: ViewportSize) -> None:
    page = open_tablet(browser, tea, "S1", viewport)
    names = page.locator("#queue-list .entrant-name")
    expect(names).to_have_count(8)
    expect(names.nth(5)).to_have_text("陈晓燕 · 广元市旺苍县汉王山茶业有限公司")
    clipped = page.eval_on_selector_all(
        "#queue-list .entrant-name", "all => all.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"
    )
    assert clipped == []
    page.context.close()
