"""Issue 9 end to end, in real Chromium against a real `contest demo`-prepared server: the organizer opens the
organizer link `contest demo --no-serve` prints, creates a contest from the tea template, imports the sample entrant
workbook (preview, confirm), adds the judges and prints their QR cards (a PDF with their Chinese names and login
links), the judges score through those links' tokens, the organizer locks and publishes every round, and downloads
the results workbook, the certificates and the score sheets through the console's buttons — each read back in
Chinese (openpyxl, pypdf). The README's walkthrough screenshots go to docs/screenshots/admin-*.png."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pypdf import PdfReader

from tests.server.conftest import ServerProcess, bearer

ROOT = Path(__file__).resolve().parent.parent
TEA = ROOT / "fixtures" / "tea"
SHOTS = ROOT / "docs" / "screenshots"
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
JUDGES = {"J1": "周志强", "J2": "吴丽萍", "J3": "郑国华", "J4": "孙慧敏", "J5": "钱伟", "S1": "冯雪", "S2": "褚建平"}
JUDGES |= {"S3": "卫红梅", "C1": "蒋德胜"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, str]]:
    """`contest demo --no-serve --db …` then `contest serve`: (base URL, the printed organizer console path)."""
    folder = tmp_path_factory.mktemp("results")
    url = f"sqlite:///{folder / 'demo.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "contest", "demo", "--no-serve", "--db", url],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = re.search(r"组织者控制台\s+\S+?(/admin/login\?token=\S+)$", done.stdout, re.MULTILINE)
    assert printed, done.stdout
    process = ServerProcess(url, folder / "server.log").start()
    try:
        yield process.url, printed.group(1)
    finally:
        process.kill()


def pdf_text(data: bytes) -> str:
    return "\n".join((p.extract_text() or "").replace("\x00", "") for p in PdfReader(io.BytesIO(data)).pages)


def download(page: Page, click: str) -> bytes:
    with page.expect_download() as info:
        page.locator(click).click()
    path = info.value.path()
    return Path(path).read_bytes()


def test_from_the_printed_link_to_results_certificates_and_sheets_in_chinese(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, link = demo
    slug = f"tea-{uuid.uuid4().hex[:6]}"
    page = browser.new_context(viewport=LAPTOP, locale="zh-CN", accept_downloads=True).new_page()

    # 1. sign in with the printed organizer link
    page.goto(base + link)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="概览")).to_be_visible()

    # 2. a contest from the tea template
    page.goto(f"{base}/admin/new")
    page.locator("input[name=template][value=tea]").check()
    page.locator("#new-slug").fill(slug)
    page.get_by_role("button", name="用模板创建").click()
    expect(page.get_by_text("赛事已创建")).to_be_visible()

    # 3. the sample entrant workbook: preview, then confirm
    page.goto(f"{base}/admin/contests/{slug}/entrants")
    upload = page.locator(f"form[action='/admin/contests/{slug}/entrants/preview']")
    upload.locator("input[type=file]").set_input_files(str(TEA / "entrants-sample.xlsx"))
    upload.locator("button[type=submit]").click()
    page.locator(f"form[action='/admin/contests/{slug}/entrants/confirm'] button[type=submit]").click()
    expect(page.get_by_text("杨淼").first).to_be_visible()

    # 4. the judges, then their QR cards: the PDF carries every name and every login link
    for code, name in JUDGES.items():
        page.goto(f"{base}/admin/contests/{slug}/judges")
        add = page.locator(f"form[action='/admin/contests/{slug}/judges']")
        add.locator("input[name=code]").fill(code)
        add.locator("input[name=name]").fill(name)
        if code == "C1":
            add.locator("input[name=chief]").check()
        add.locator("button[type=submit]").click()
    page.goto(f"{base}/admin/contests/{slug}/judges")
    cards = page.locator(f"form[action='/admin/contests/{slug}/judges/cards']")
    cards.locator("input[name=confirm]").check()
    text = pdf_text(download(page, f"form[action='/admin/contests/{slug}/judges/cards'] button[type=submit]"))
    for name in JUDGES.values():
        assert name in text
    compact = re.sub(r"\s+", "", text)
    starts = {compact.index(name): code for code, name in JUDGES.items()}
    who = {}  # each link belongs to the card whose judge's name comes just before it
    for found in re.finditer(r"/j/([A-Za-z0-9_-]{32})", compact):
        who[starts[max(at for at in starts if at < found.start())]] = found.group(1)
    assert sorted(who) == sorted(JUDGES), text

    # 5. the judges score with the cards' links (their tablets use the API): the fixture's marks, each by its judge
    with httpx.Client(base_url=base, timeout=30) as api:
        grouped: dict[tuple[str, str, str, str], dict[str, str]] = defaultdict(dict)
        with (TEA / "marks.csv").open(encoding="utf-8") as rows:
            for r in csv.DictReader(rows):
                grouped[(r["entrant"], r["round"], r["item"], r["judge"] or "C1")][r["criterion"]] = r["value"]
        for (entrant, round_key, item, judge), values in grouped.items():
            body = {"entrant": entrant, "round": round_key, "item": int(item), "values": values}
            body["client_id"] = uuid.uuid4().hex
            sent = api.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(who[judge]))
            assert sent.status_code == 201, sent.text

    # 6. lock and publish every round in the console
    page.goto(f"{base}/admin/contests/{slug}/rounds")
    for key in ("theory", "operation", "sensory"):
        card = page.locator(f"#round-{key}")
        card.locator("input[name=reason]").fill("评分结束")
        card.get_by_role("button", name="锁定").click()
        expect(page.locator(f"#round-{key} .state-locked")).to_be_visible()
        publish = page.locator(f"#round-{key}").get_by_role("button", name="发布", exact=True)
        if publish.count():  # a locked round whose board is already live is published by the lock itself
            publish.click()
        expect(page.locator(f"#round-{key} .published")).to_be_visible()
    page.screenshot(path=str(SHOTS / "admin-rounds.png"), full_page=True)

    # 7. the results workbook: Chinese headers, the entrants' names and totals
    page.goto(f"{base}/admin/contests/{slug}/exports")
    page.screenshot(path=str(SHOTS / "admin-results.png"), full_page=True)
    controls = page.locator(".admin-downloads select, .admin-downloads button, .admin-downloads a.button")
    assert controls.count() > 4
    for control in controls.all():  # a finger on a tablet hits every download control
        box = control.bounding_box()
        assert box is not None and box["height"] >= 44, (control.evaluate("e => e.outerHTML"), box)
    data = download(page, "[id='download-results.xlsx'] a[href$='lang=zh_CN']")
    standing = openpyxl.load_workbook(io.BytesIO(data))["总成绩（感官审评）"]
    table = [[c for c in row if c is not None] for row in standing.iter_rows(values_only=True)]
    header = next(r for r in table if "名次" in r)
    assert header[:4] == ["名次", "编号", "姓名", "单位"] and {
        "理论考试",
        "现场操作",
        "感官审评",
        "总分",
        "奖项",
    } <= set(header)
    first = table[table.index(header) + 1]
    assert first[:3] == [1, "T02", "李堃"] and first[header.index("总分")] == 91.77 and "一等奖" in first

    # 8. certificates of the award winners
    page.goto(f"{base}/admin/contests/{slug}/certificates")
    page.locator("#certificates input[name=issuer]").fill("旺苍县茶叶技能大赛组委会")
    page.screenshot(path=str(SHOTS / "admin-certificates.png"), full_page=True)
    certificates = pdf_text(download(page, "#certificates button[type=submit]"))
    assert "一等奖" in certificates and "李堃" in certificates and "杨淼" in certificates, certificates[:400]
    assert "旺苍县茶叶技能大赛组委会" in certificates
    page.get_by_role("button", name="发布获奖名单").click()  # the award list (公示) goes public
    expect(page.get_by_text("获奖名单已公示。")).to_be_visible()

    # 9. the score sheets of the final round, every entrant
    page.goto(f"{base}/admin/contests/{slug}/sheets?round=sensory")
    expect(page.locator(".admin-nav [aria-current=page]")).to_have_text("评分表")  # in the console's frame
    page.screenshot(path=str(SHOTS / "admin-sheets.png"), full_page=True)
    sheets = pdf_text(download(page, "#all-entrants"))
    for name in ("王芳", "李堃", "杨淼"):
        assert name in sheets
    assert "感官审评" in sheets
