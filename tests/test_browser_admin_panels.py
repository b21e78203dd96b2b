"""The console's panels page (评委分组) in real Chromium against a real `contest serve`: an organizer signs in, opens
the page of a contest whose file splits eight entrants between two panels (and whose ranges put two judges on
entrants of their own organization: warned of), draws the round by judges from the form with a seed of their own,
and sees each judge's load (8 entrants x 3 judges / 6 judges = 4 each), the seed in the change log, and the page in
English and on a 360 px phone with touch-sized controls. The screenshot goes to docs/screenshots/admin-panels.png."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from tests.server.conftest import ServerProcess, bearer
from tests.server.test_admin_panels import TOML
from tests.server.test_assignments_api import ENTRANTS, JUDGES
from tests.test_a11y import check
from tests.test_browser_admin import LAPTOP, SHOTS, server  # noqa: F401  (the module's server fixture)

SLUG = "panels-walk"


def test_an_organizer_draws_the_panels_and_sees_the_loads(browser: Browser, server: tuple[ServerProcess, str]) -> None:  # noqa: F811
    process, organizer = server
    base = process.url
    with httpx.Client(base_url=base, timeout=30, headers=bearer(organizer)) as api:
        created = api.post(
            "/api/contests",
            content=TOML.format(slug=SLUG).encode(),
            headers={"content-type": "application/toml"},
        )
        assert created.status_code == 201, created.text
        assert api.put(f"/api/contests/{SLUG}/entrants", json=ENTRANTS).status_code == 200
        assert api.post(f"/api/contests/{SLUG}/judges", json=JUDGES).status_code == 201

    page = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
    page.goto(f"{base}/admin/login?token={organizer}")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="概览")).to_be_visible()

    # the menu leads to the page; the contest file's panels, their judges and entrants, and the recused pairs
    page.goto(f"{base}/admin/contests/{SLUG}/settings")
    page.get_by_role("link", name="评委分组").click()
    expect(page.get_by_role("heading", name="评委分组 · 分组测试 / Panels")).to_be_visible()
    groups = page.locator("#panels-prelim .panels-group")
    expect(groups).to_have_count(2)
    expect(groups.first).to_contain_text("第一组")
    expect(groups.first).to_contain_text("J1 裁判1")
    groups.first.locator("summary").click()
    expect(groups.first.locator(".panels-entrants li").first).to_have_text("A001 选手1")
    expect(page.locator("#panels-prelim .panels-recused li")).to_have_count(4)

    # a draw by judges, from the form, with the organizer's own seed
    seed = page.locator("#draw-seed")
    assert (seed.input_value() or "").isdigit()  # a fresh random seed, prefilled
    seed.fill("2026")
    page.get_by_label("按评委：每名选手从本轮评委中抽取评委").check()
    page.get_by_role("button", name="立即抽签").click()
    expect(page.get_by_text("已抽签。种子与方式见变更记录。")).to_be_visible()
    loads = page.locator("#panels-prelim .panels-loads tbody tr")
    expect(loads).to_have_count(6)
    for row in range(6):
        expect(loads.nth(row).locator("td.num")).to_have_text("4")
    expect(page.locator("#panels-prelim")).to_contain_text("均衡")
    expect(page.locator("#panels-prelim .panels-recused")).to_have_count(0)
    expect(page.locator("#panels-log tbody tr").first).to_contain_text("2026")
    expect(page.locator("#panels-log tbody tr").first).to_contain_text("按评委")
    page.screenshot(path=str(SHOTS / "admin-panels.png"), full_page=True)

    # a bad seed is refused next to the field, and nothing changes
    seed.fill("十二")
    page.get_by_role("button", name="立即抽签").click()
    expect(page.locator("#draw-seed-error")).to_contain_text("种子")
    expect(page.locator("#panels-log tbody tr")).to_have_count(1)

    # English on request; on a phone every control of the forms is touch-sized
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone.add_cookies(page.context.cookies())
    small = phone.new_page()
    small.goto(f"{base}/admin/contests/{SLUG}/panels?lang=en")
    expect(small.get_by_role("heading", name="Judges' loads")).to_be_visible()
    small.wait_for_function("() => document.querySelectorAll('.panels-form select, .panels-form button').length >= 3")
    short = small.evaluate(
        "[...document.querySelectorAll('.panels-form input:not([type=hidden]):not([type=radio]), .panels-form select,"
        " .panels-form button, .panels-form .choice-line, .panels-entrants summary, #panels-files a.button')]"
        ".filter(e => e.getBoundingClientRect().height < 44).map(e => e.outerHTML.slice(0, 80))"
    )
    assert short == []
    assert small.evaluate("document.scrollingElement.scrollWidth") <= 360  # wide tables scroll inside their card

    # and no serious or critical accessibility violation (axe-core, as tests/test_a11y.py checks the judges' pages)
    check(page, "panels page, laptop, zh-CN")
    check(small, "panels page, phone, en")
