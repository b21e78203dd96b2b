"""The chief judge's page in a real browser (Debian's chromium) against a real `contest serve` process on a SQLite
file prepared by `contest demo --no-serve` (the tea contest: a theory exam of entered values first, then two judged
rounds, the last one left for the judges), plus a small exam contest whose theory values are partly entered.

What a chief judge notices: the page opens on the round in progress, a round of entered values shows who still lacks
a value, the breakdown shows the total and rank first (in view at 1920x1080) and names rounds and criteria by their
labels, the lock dialog says how many marks are missing, the round's history shows each lock and unlock with who and
why, the keyboard reaches and works the lock button, and a 360 px phone has no horizontal page scroll. Screenshots of
the page at 1920x1080 and 1024x768 go to $CONTEST_SCREENSHOTS (default: the test's temp folder; docs/screenshots/ for
the README).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

ROOT = Path(__file__).resolve().parent.parent
TEA = "tea-2026"
EXAM = "exam-2026"
LAPTOP: ViewportSize = {"width": 1920, "height": 1080}
TABLET: ViewportSize = {"width": 1024, "height": 768}
PHONE: ViewportSize = {"width": 360, "height": 740}

EXAM_TOML = """
[contest]
slug = "exam-2026"
title = "理论与实操"
decimals = 2

[[criteria]]
key = "score"
label = "理论成绩"
judged = false
min = 0
max = 100
step = 0.5

[[criteria]]
key = "skill"
label = "实操"
min = 0
max = 10
step = 0.5

[[rounds]]
key = "theory"
label = "理论考试"
criteria = ["score"]

[rounds.scoring]
item = "score"

[[rounds]]
key = "practical"
label = "实操考核"
criteria = ["skill"]
standing = "theory*0.5 + practical*10*0.5"

[rounds.scoring]
panel = "mean"
item = "skill"
"""
EXAM_PEOPLE = [{"code": f"E0{n}", "name": name} for n, name in enumerate(("赵一", "钱二", "孙三", "李四", "周五"), 1)]


@dataclass
class Venue:
    base: str
    organizer: str
    chiefs: dict[str, str]  # contest slug -> the chief judge's token

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"authorization": f"Bearer {self.organizer}"}, timeout=10)

    def mark(self, slug: str, entrant: str, round_key: str, values: dict[str, str], judge: str = "") -> None:
        body: dict[str, Any] = {
            "entrant": entrant,
            "round": round_key,
            "values": values,
            "client_id": str(uuid.uuid4()),
        }
        if judge:
            body["judge"] = judge
        with self.api() as api:
            answer = api.post(f"/api/contests/{slug}/marks", json=body)
            assert answer.status_code == 201, answer.text


def contest(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "contest", *args], capture_output=True, text=True, timeout=180, cwd=ROOT, check=False
    )
    assert done.returncode == 0, f"contest {' '.join(args)}: {done.stderr}"
    return done.stdout


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Venue]:
    folder = tmp_path_factory.mktemp("chief")
    db = f"sqlite:///{folder / 'demo.db'}"
    printed = contest("demo", "--no-serve", "--db", db)
    found = re.search(r"organizer token.*\s(\S+)$", printed, re.MULTILINE)
    assert found, printed
    organizer = found.group(1)
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
        chiefs = {}
        with httpx.Client(base_url=base, headers={"authorization": f"Bearer {organizer}"}, timeout=10) as api:
            assert api.post("/api/contests", content=EXAM_TOML.encode()).status_code == 201
            assert api.put(f"/api/contests/{EXAM}/entrants", json=EXAM_PEOPLE).status_code == 200
            for slug, judges in ((TEA, []), (EXAM, [{"code": "J1"}, {"code": "J2"}])):
                answer = api.post(f"/api/contests/{slug}/judges", json=[*judges, {"code": "CJ", "chief": True}])
                assert answer.status_code == 201, answer.text
                chiefs[slug] = next(j["token"] for j in answer.json() if j["code"] == "CJ")
        yield Venue(base, organizer, chiefs)
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


def open_chief(
    browser: Browser, venue: Venue, slug: str, viewport: ViewportSize = LAPTOP, query: str = "", lang: str = "zh-CN"
) -> Page:
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale=lang)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.problems = problems  # type: ignore[attr-defined]
    page.goto(f"{venue.base}/j/{venue.chiefs[slug]}")
    page.goto(f"{venue.base}/chief{query}")
    expect(page.locator("#summary")).not_to_be_empty()
    return page


def test_opens_on_the_round_in_progress_not_the_theory_exam(browser: Browser, venue: Venue) -> None:
    page = open_chief(browser, venue, TEA)
    # theory (entered values, all in) and operation (every mark in) come first; the judges are on sensory
    expect(page.locator('#rounds .round-tab[aria-current="true"]')).to_have_attribute("data-round", "sensory")
    expect(page.locator("#summary")).to_contain_text("0/24")  # 3 judges x 8 entrants, nothing in yet
    # the theory exam, opened by hand, is a round of entered values: no judge x entrant grid, no 0/64
    page.locator('#rounds .round-tab[data-round="theory"]').click()
    expect(page.locator("#summary")).to_have_text("所有选手的数值均已录齐。")
    expect(page.locator("#grid-head th")).to_have_count(2)  # the entrant and the entered value
    expect(page.locator("#grid-body")).to_contain_text("88.5")
    assert "0/64" not in page.locator("body").inner_text()
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_a_round_of_entered_values_shows_who_still_lacks_one(browser: Browser, venue: Venue) -> None:
    for code, value in (("E01", "81"), ("E02", "92.5"), ("E03", "77")):
        venue.mark(EXAM, code, "theory", {"score": value})
    page = open_chief(browser, venue, EXAM)
    # the practical round expects the panel's marks: the page opens there
    expect(page.locator('#rounds .round-tab[aria-current="true"]')).to_have_attribute("data-round", "practical")
    page.locator('#rounds .round-tab[data-round="theory"]').click()
    expect(page.locator("#summary")).to_have_text("5 名选手中 3 名已录齐 · 还缺 2 名")
    expect(page.locator("#flag-summary")).to_have_text("尚缺录入值：E04, E05")
    expect(page.locator('#grid-body tr[data-code="E04"] .lacking')).to_have_text("未录")
    expect(page.locator('#grid-body tr[data-code="E01"]')).to_contain_text("81")
    expect(page.locator('#grid-body tr[data-code="E01"] .lacking')).to_have_count(0)
    assert "已提交" not in page.locator("#summary").inner_text()
    # locking it says who still lacks a value; going back changes nothing
    page.locator("#lock").click()
    expect(page.locator("#confirm-sub")).to_contain_text("还有 2/5 名选手缺少录入值。")
    page.locator("#confirm-cancel").click()
    expect(page.locator("#round-status")).to_have_text("进行中")
    page.context.close()


def test_breakdown_total_and_rank_first_with_labels(browser: Browser, venue: Venue) -> None:
    page = open_chief(browser, venue, TEA, LAPTOP, "?round=operation")
    page.locator('#grid-body tr[data-code="T01"] .entrant-button').click()
    total = page.locator("#outcome-total")
    expect(total).to_have_text(re.compile(r"^\d+\.\d\d$"))
    expect(page.locator("#outcome-rank")).to_have_text(re.compile(r"^第 \d 名$"))
    for shown in (total, page.locator("#outcome-rank")):
        box = shown.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"], box
    steps = page.locator("#explain .step-line")
    expect(steps.first).to_contain_text("现场操作 · 杀青")
    text = page.locator("#explain").inner_text()
    assert "现场操作 · J1 的合计" in text and "现场操作 · 评委组合成分" in text
    assert "去掉最高分和最低分后的平均分" in text and "做形（理条）" in text
    for key in ("theory", "operation", "trimmed_mean", "panel"):
        assert key not in text, key
    page.context.close()

    english = open_chief(browser, venue, TEA, LAPTOP, "?round=operation&lang=en", lang="en")
    english.locator('#grid-body tr[data-code="T01"] .entrant-button').click()
    expect(english.locator("#outcome-rank")).to_have_text(re.compile(r"^Rank \d$"))
    text = english.locator("#explain").inner_text()
    assert "trimmed mean (highest and lowest dropped)" in text and "现场操作 · panel result" in text
    for key in ("trimmed_mean", "operation · panel", "theory"):
        assert key not in text, key
    english.context.close()


def test_phone_360_has_no_horizontal_page_scroll(browser: Browser, venue: Venue) -> None:
    page = open_chief(browser, venue, TEA, PHONE, "?round=operation")
    expect(page.locator("#grid-body tr")).to_have_count(8)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = page.evaluate(
        """() => ({grid: document.querySelector('#grid').offsetWidth,
                  box: document.querySelector('#grid').parentElement.clientWidth})"""
    )
    assert widths["grid"] > widths["box"], widths  # the wide grid scrolls inside its own box
    page.locator('#grid-body tr[data-code="T02"] .entrant-button').click()
    expect(page.locator("#outcome-total")).to_have_text(re.compile(r"\d"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.context.close()


def test_screenshots_laptop_and_tablet(browser: Browser, venue: Venue, shots: Path) -> None:
    with venue.api() as api:  # a history to show: the operation round locked, then reopened for a deduction
        rounds = f"/api/contests/{TEA}/rounds/operation"
        assert api.patch(rounds, json={"status": "locked", "reason": "五位评委全部评完"}).status_code == 200
        assert api.patch(rounds, json={"status": "open", "reason": "T05 安全扣分待复核"}).status_code == 200
    for viewport, name in ((LAPTOP, "chief-laptop.png"), (TABLET, "chief-tablet.png")):
        page = open_chief(browser, venue, TEA, viewport, "?round=operation")
        page.locator('#grid-body tr[data-code="T01"] .entrant-button').click()
        expect(page.locator("#outcome-total")).to_have_text(re.compile(r"\d"))
        expect(page.locator("#explain .step-line").first).to_be_visible()
        expect(page.locator("#events .event")).to_have_count(2)
        page.screenshot(path=str(shots / name))
        assert page.problems == []  # type: ignore[attr-defined]
        page.context.close()
    for name in ("chief-laptop.png", "chief-tablet.png"):
        assert (shots / name).stat().st_size > 10_000


def tab_to(page: Page, element_id: str, most: int = 80) -> None:
    tab_until(page, f"document.activeElement && document.activeElement.id === {element_id!r}", most)


def tab_until(page: Page, predicate: str, most: int = 80) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_lock_by_keyboard_says_what_is_missing_and_the_history_keeps_the_reasons(
    browser: Browser, venue: Venue
) -> None:
    # the sensory panel (S1, S2, S3) has given 16 of its 24 sheets: S3 has marked nobody yet
    sheet = {"外形": "90", "汤色": "90", "香气": "89", "滋味": "90", "叶底": "88"}
    for n in range(1, 9):
        for judge in ("S1", "S2"):
            venue.mark(TEA, f"T0{n}", "sensory", sheet, judge)
    page = open_chief(browser, venue, TEA)
    expect(page.locator("#summary")).to_contain_text("16")
    expect(page.locator("#events")).to_contain_text("本轮尚无锁定")

    # the keyboard opens an entrant's breakdown: Tab to the entrant, Enter
    tab_until(page, "document.activeElement.classList.contains('entrant-button')")
    page.keyboard.press("Enter")
    expect(page.locator("#detail-entrant")).to_have_text("T01")
    expect(page.locator("#outcome-rank")).to_have_text("成绩不完整")  # S3 has not marked T01 yet
    expect(page.locator("#outcome")).to_contain_text("S3")
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")

    tab_to(page, "lock")
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-sub")).to_contain_text("还有 8/24 个分数未提交")
    page.keyboard.type("S3 评委身体不适，本轮以两位评委为准")
    tab_to(page, "confirm-ok")
    page.keyboard.press("Enter")
    expect(page.locator("#round-status")).to_have_text("已锁定")
    first = page.locator("#events .event").first
    expect(first).to_contain_text("锁定本轮")
    expect(first).to_contain_text("裁判长 CJ")
    expect(first).to_contain_text("S3 评委身体不适，本轮以两位评委为准")

    page.locator("#lock").click()
    expect(page.locator("#reason-wrap")).to_be_visible()
    page.locator("#reason").fill("S3 已恢复，补评")
    page.locator("#confirm-ok").click()
    expect(page.locator("#round-status")).to_have_text("进行中")
    expect(page.locator("#events .event")).to_have_count(2)
    expect(page.locator("#events .event").first).to_contain_text("解锁本轮")
    expect(page.locator("#events .event").first).to_contain_text("S3 已恢复，补评")
    page.context.close()

    with venue.api() as api:
        events = api.get(f"/api/contests/{TEA}/history").json()["rounds"]
    mine = [e for e in events if e["round"] == "sensory"]
    assert [(e["changes"], e["by"], e["by_judge"], e["reason"]) for e in mine] == [
        ([{"what": "status", "from": "open", "to": "locked"}], "judge", "CJ", "S3 评委身体不适，本轮以两位评委为准"),
        ([{"what": "status", "from": "locked", "to": "open"}], "judge", "CJ", "S3 已恢复，补评"),
    ]


def test_spread_defaults_and_long_names_read_right(browser: Browser, venue: Venue) -> None:
    page = open_chief(browser, venue, TEA, LAPTOP, "?round=operation")
    # an organization name of 13 characters is shown whole at 1920 px, not cut at about 12
    who = page.locator('#grid-body tr[data-code="T02"] .entrant-col small')
    expect(who).to_have_text("李堃 · 四川米仓山茶业集团有限公司")
    assert who.evaluate("node => node.scrollWidth <= node.clientWidth")
    # a deduction left to its default says so, and the legend explains it
    expect(page.locator('#grid-body tr[data-code="T01"] .entered-col')).to_contain_text("0（默认）")
    expect(page.locator("#legend-default")).to_be_visible()
    # a narrow spread flags marks; an invalid one says so by the field and takes the old flags off the screen
    spread = page.locator("#spread")
    spread.fill("0.5")
    expect(page.locator("#grid-body .cell-chip.flagged").first).to_be_visible()
    spread.fill("abc")
    expect(page.locator("#spread-error")).to_have_text("偏差阈值：请输入大于 0 的分数。")
    expect(spread).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#grid-body .cell-chip.flagged")).to_have_count(0)
    expect(page.locator("#flag-summary")).to_have_text("偏差阈值无效，暂不标记偏离的分数。")
    spread.fill("0.5")
    expect(page.locator("#grid-body .cell-chip.flagged").first).to_be_visible()
    expect(page.locator("#spread-error")).to_be_empty()
    page.context.close()
