"""The judge's tablet in a real browser: Debian's chromium (pytest-playwright, no browser download) against a real
`contest serve` process on a SQLite file loaded with `contest load` (the diving fixture, no marks).

A judge opens the QR link on a tablet-sized screen, scores entrant 1, the network is cut, scores entrant 2 (the page
shows 1 waiting), the network returns, and both submissions are stored exactly once. A lost acknowledgement is sent
again with the same client_id and still stored once; a refused submission (round locked meanwhile) shows the
server's message and is not retried until the judge asks. Screenshots of the judge's and the chief judge's pages at
1024x768 and 1920x1080 go to $CONTEST_SCREENSHOTS (default: the test's temp folder).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

ROOT = Path(__file__).resolve().parent.parent
DIVING = ROOT / "fixtures" / "diving"
SLUG = "dive-2026"
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}


@dataclass
class Server:
    base: str
    organizer: str
    tokens: dict[str, str]  # judge code -> token

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"authorization": f"Bearer {self.organizer}"}, timeout=10)

    def history(self) -> list[dict[str, Any]]:
        with self.api() as client:
            answer = client.get(f"/api/contests/{SLUG}/history")
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    db = f"sqlite:///{folder / 'contest.db'}"
    contest("load", str(DIVING / "contest.toml"), "--entrants", str(DIVING / "entrants.csv"), "--db", db)
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
        judges = [{"code": f"J{i}", "name": name} for i, name in enumerate(("张明", "王芳", "李强", "赵敏", "刘洋"), 1)]
        judges.append({"code": "CJ", "name": "陈裁判长", "chief": True})
        with httpx.Client(base_url=base, headers={"authorization": f"Bearer {organizer}"}) as client:
            answer = client.post(f"/api/contests/{SLUG}/judges", json=judges)
            assert answer.status_code == 201, answer.text
            tokens = {j["code"]: j["token"] for j in answer.json()}
        yield Server(base, organizer, tokens)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("CONTEST_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_tablet(browser: Browser, server: Server, judge: str, viewport: dict[str, int] = TABLET) -> Page:
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN", has_touch=True)
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
    page.goto(f"{server.base}/j/{server.tokens[judge]}")
    return page


def score(page: Page, value: str) -> None:
    """Use the touch controls: the first tap gives a starting value (the judge's last mark for the criterion, else
    the middle of the range); then ±1 and ±0.5 until the value is there."""
    card = page.locator("#criteria .criterion").first
    box = card.locator(".stepper-value")
    if box.input_value() == "":
        card.get_by_role("button", name="增加 0.5", exact=True).click()
    target = Decimal(value)
    for _ in range(40):
        gap = target - Decimal(box.input_value())
        if gap == 0:
            break
        step = "1" if abs(gap) >= 1 else "0.5"
        card.get_by_role("button", name=f"{'增加' if gap > 0 else '减少'} {step}", exact=True).click()
    expect(box).to_have_value(value)


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
    expect(page).to_have_url(f"{server.base}/judge")
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
    page.context.set_offline(True)
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
    page.context.set_offline(False)
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
    page.context.set_offline(True)
    page.locator('.entrant[data-code="D04"]').click()
    score(page, "9")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("1")
    with server.api() as api:  # meanwhile the round is locked
        assert api.patch(f"/api/contests/{SLUG}/rounds/final", json={"status": "locked"}).status_code == 200
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.context.set_offline(False)
    entry = page.locator("#outbox-list .outbox-entry.failed")
    expect(entry).to_have_count(1, timeout=15000)
    expect(entry).to_contain_text("轮次 'final' 已锁定")  # the server's own words, in the page's language
    expect(page.locator("#outbox-count")).to_have_text("0")
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
        page.goto(f"{server.base}/chief")
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
