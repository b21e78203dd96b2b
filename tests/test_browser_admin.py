"""The organizer console in real Chromium against a real `contest serve`: an organizer opens the printed organizer
link, confirms the sign-in, creates a contest from a template, imports the sample entrant workbook and adds the
judges through the console (each login link shown once), the judges score through the API, the organizer locks
the round, reads the progress on the dashboard and the marks in the audit, in Chinese, and in English on a 360 px
phone. Screenshots of the dashboard, the create page and a file's problems go to docs/screenshots/admin-*.png."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.server.conftest import ServerProcess, bearer, make_token

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
LAPTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[ServerProcess, str]]:
    folder = tmp_path_factory.mktemp("admin")
    url = f"sqlite:///{folder / 'venue.db'}"
    organizer = make_token(url, "organizer")
    process = ServerProcess(url, folder / "server.log").start()
    try:
        yield process, organizer
    finally:
        process.kill()


def test_an_organizer_goes_from_a_template_to_a_locked_round(
    browser: Browser, server: tuple[ServerProcess, str]
) -> None:
    process, organizer = server
    base = process.url
    slug = f"tea-{uuid.uuid4().hex[:6]}"
    page = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()

    # the printed link fills the token in, but only the button signs in
    page.goto(f"{base}/admin/login?token={organizer}")
    expect(page.get_by_role("heading", name="登录组织者控制台")).to_be_visible()
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="概览")).to_be_visible()

    # a contest from the tea template, under a new slug
    page.get_by_role("link", name="新建赛事").click()
    expect(page.get_by_text("手工制茶技能大赛").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "admin-new.png"), full_page=True)
    page.locator("input[name=template][value=tea]").check()
    page.locator("#new-slug").fill(slug)
    page.get_by_role("button", name="用模板创建").click()
    expect(page.get_by_text("赛事已创建")).to_be_visible()

    # a bad file: the problem shows under its line
    page.goto(f"{base}/admin/new")
    page.locator("#new-text").fill('[contest]\nslug = "x"\ntitle = "t"\ndecimals = 99\n')
    page.get_by_role("button", name="检查并创建").click()
    expect(page.locator('.toml-problem[data-line="4"]')).to_contain_text("decimals")
    page.locator(".toml-problems").screenshot(path=str(SHOTS / "admin-problems.png"))

    # the sample entrant workbook through the console's import (preview, then confirm)
    page.goto(f"{base}/admin/contests/{slug}/entrants")
    upload = page.locator(f"form[action='/admin/contests/{slug}/entrants/preview']")
    upload.locator("input[type=file]").set_input_files(str(ROOT / "fixtures" / "tea" / "entrants-sample.xlsx"))
    upload.locator("button[type=submit]").click()
    page.locator(f"form[action='/admin/contests/{slug}/entrants/confirm'] button[type=submit]").click()
    expect(page.get_by_text("王芳").first).to_be_visible()

    # the sensory panel's judges through the console: each login link is shown once
    tokens: dict[str, str] = {}
    for code in ("S1", "S2", "S3"):
        page.goto(f"{base}/admin/contests/{slug}/judges")
        add = page.locator(f"form[action='/admin/contests/{slug}/judges']")
        add.locator("input[name=code]").fill(code)
        add.locator("input[name=name]").fill(f"评委{code}")
        add.locator("button[type=submit]").click()
        link = page.locator(".admin-link code").first.text_content() or ""
        tokens[code] = link.rsplit("/j/", 1)[1]

    # the judges score T01 and T02 (through the API, as their tablets do)
    with httpx.Client(base_url=base, timeout=30) as api:
        for code in ("S1", "S2", "S3"):
            for entrant in ("T01", "T02"):
                values = {"外形": "90", "汤色": "88", "香气": "91", "滋味": "89", "叶底": "87"}
                body = {"entrant": entrant, "round": "sensory", "item": 1, "values": values}
                body["client_id"] = uuid.uuid4().hex
                sent = api.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(tokens[code]))
                assert sent.status_code == 201, sent.text

    # lock the round from the console, with a reason
    page.goto(f"{base}/admin/contests/{slug}/rounds")
    card = page.locator("#round-sensory")
    card.locator("input[name=reason]").fill("评分结束")
    card.get_by_role("button", name="锁定").click()
    expect(page.locator("#round-sensory .state-locked")).to_be_visible()

    # the dashboard shows the progress: 2 of 8 entrants x 5 factors x 3 judges = 30 of 120 marks
    page.goto(f"{base}/admin")
    row = page.locator(f"#contest-{slug} tr[data-round=sensory]")
    expect(row.locator(".progress-text")).to_have_text("30 / 120")
    expect(row).to_contain_text("已锁定")
    page.screenshot(path=str(SHOTS / "admin-dashboard.png"), full_page=True)

    # the audit lists the marks, and filters by judge
    page.goto(f"{base}/admin/contests/{slug}/audit")
    expect(page.locator("#audit-count")).to_contain_text("30")
    page.locator("select[name=judge]").select_option("S2")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#audit-count")).to_contain_text("10")
    assert re.search(r"judge=S2", page.url)

    # English on request, and the console fits a 360 px phone
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone.add_cookies(page.context.cookies())
    small = phone.new_page()
    small.goto(f"{base}/admin?lang=en")
    expect(small.get_by_role("heading", name="Overview")).to_be_visible()
    wide = small.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 360)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"
    )
    assert small.evaluate("document.scrollingElement.scrollWidth") <= 360, wide
    small.goto(f"{base}/admin/contests/{slug}/rounds")
    assert small.evaluate("document.scrollingElement.scrollWidth") <= 360
