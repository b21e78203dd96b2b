"""Credentials in real Chromium against a real `contest serve`: the chief judge gives a judge a new QR code from
their page, the tablet signed in with the old card is signed out at once, the new code signs in, another judge's
link asks before switching, and signing out ends the session; every page fits a 360 px phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.server.conftest import ENTRANTS, JUDGES, ServerProcess, bearer, contest_toml, make_token, new_slug

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


class Venue:
    def __init__(self, server: ServerProcess, slug: str, organizer: str, judges: dict[str, str]) -> None:
        self.server, self.slug, self.organizer, self.judges = server, slug, organizer, judges

    def link(self, code: str) -> str:
        return f"{self.server.url}/j/{self.judges[code]}"


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Venue]:
    folder = tmp_path_factory.mktemp("credentials")
    url = f"sqlite:///{folder / 'venue.db'}"
    organizer = make_token(url, "organizer")
    server = ServerProcess(url, folder / "server.log").start()
    try:
        slug = new_slug("browser")
        with httpx.Client(base_url=server.url, headers=bearer(organizer), timeout=30) as api:
            toml = {"content-type": "application/toml"}
            assert api.post("/api/contests", content=contest_toml(slug).encode(), headers=toml).status_code == 201
            assert api.put(f"/api/contests/{slug}/entrants", json=ENTRANTS).status_code == 200
            answer = api.post(f"/api/contests/{slug}/judges", json=JUDGES)
            assert answer.status_code == 201
        yield Venue(server, slug, organizer, {j["code"]: j["token"] for j in answer.json()})
    finally:
        server.kill()


def fits(page: Page) -> None:
    """Nothing runs off a 360 px screen sideways."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"] if page.viewport_size else True, width


def test_the_chief_gives_a_new_qr_code_and_the_old_tablet_is_signed_out(
    browser: Browser, venue: Venue, tmp_path: Path
) -> None:
    tablet = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    laptop = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
    tablet.goto(venue.link("J1"))
    expect(tablet.locator(".who")).to_contain_text("J1")
    expect(tablet.get_by_role("button", name="退出登录")).to_be_visible()
    fits(tablet)

    laptop.goto(venue.link("CJ"))
    expect(laptop).to_have_url(f"{venue.server.url}/chief")
    laptop.locator("#logins summary").click()
    row = laptop.locator('.logins-row[data-judge="J1"]')
    expect(row).to_contain_text("已登录设备：1")
    expect(laptop.locator('.logins-row[data-judge="CJ"]')).to_contain_text("裁判长的登录只能由组织者更改")
    row.get_by_role("button", name="重新发放二维码").click()
    laptop.locator("#confirm-ok").click()
    expect(laptop.locator("#logins-new-qr")).to_be_visible()
    link = laptop.locator("#logins-new-link").inner_text()
    assert link.startswith(f"{venue.server.url}/j/") and venue.judges["J1"] not in link
    expect(row).to_contain_text("未登录")
    laptop.screenshot(path=str(tmp_path / "chief-logins.png"), full_page=True)
    # the block fits the chief judge's phone too
    laptop.set_viewport_size(PHONE)
    expect(laptop.locator("#logins-new-qr")).to_be_visible()
    fits(laptop)
    laptop.screenshot(path=str(tmp_path / "chief-logins-phone.png"), full_page=True)

    # the tablet signed in with the old card is signed out at once; the old link no longer signs in
    tablet.reload()
    expect(tablet.locator("h1")).to_have_text("登录已失效")
    tablet.goto(venue.link("J1"))
    expect(tablet.locator("h1")).to_contain_text("二维码无效")
    # the new code signs in
    tablet.goto(link)
    expect(tablet.locator(".who")).to_contain_text("J1")

    # another judge's link asks first; the judge keeps J1
    tablet.goto(venue.link("J2"))
    expect(tablet.locator("h1")).to_have_text("切换裁判？")
    fits(tablet)
    tablet.screenshot(path=str(tmp_path / "switch.png"))
    tablet.get_by_role("link", name="保留裁判 J1").click()
    expect(tablet.locator(".who")).to_contain_text("J1")
    # and signs out
    tablet.get_by_role("button", name="退出登录").click()
    expect(tablet.locator("h1")).to_have_text("已退出登录")
    fits(tablet)
    tablet.goto(f"{venue.server.url}/judge")
    expect(tablet.locator("h1")).to_contain_text("二维码")
