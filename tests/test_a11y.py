"""Accessibility of the judge's and the chief judge's pages (issue 12): axe-core, served from this repository
(tests/vendor/axe-core, no network), runs in Debian's chromium against a real `contest serve` on the demo's venue,
at a tablet (1024x768) and a phone (360x740), and finds no serious or critical violation: WCAG 2.1 AA contrast,
every control named for screen readers (its visible text part of that name), valid ARIA.

Pages are checked as a judge and a chief judge use them: the judge's queue with an entrant's scoring form open (a
judge of the open sensory round, and one of the finished operation round), and the chief judge's page on each round
(the judged operation and sensory rounds, the theory round of entered values) with an entrant's breakdown open.
Moderate and minor findings are printed (`pytest -s`), not failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from contest.demo import Venue, prepare
from tests.server.conftest import ServerProcess

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SIZES = {"tablet": {"width": 1024, "height": 768}, "phone": {"width": 360, "height": 740}}
FAILING = ("serious", "critical")


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, Venue]]:
    folder = tmp_path_factory.mktemp("a11y")
    url = f"sqlite:///{folder / 'demo.db'}"
    found = prepare(url)
    server = ServerProcess(url, folder / "serve.log").start()
    try:
        yield server.url, found
    finally:
        server.stop()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (injected through the DevTools protocol: the pages' CSP
    allows their own scripts only, and this one is not theirs)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    found: list[dict[str, Any]] = result["violations"]
    return found


def check(page: Page, where: str) -> None:
    found = violations(page)
    for v in found:
        if v["impact"] not in FAILING:
            print(f"{where}: {v['impact']} {v['id']} ({v['help']}): {[n['target'] for n in v['nodes']][:5]}")
    serious = [
        f"{v['impact']} {v['id']} ({v['help']}): "
        + "; ".join(f"{n['target']} {n.get('failureSummary', '')}".replace("\n", " ") for n in v["nodes"][:5])
        for v in found
        if v["impact"] in FAILING
    ]
    assert not serious, f"{where}:\n" + "\n".join(serious)


def signed_in(browser: Browser, base: str, login: str, size: str) -> Page:
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(base + login)
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("judge", ["S1", "J1"])
def test_the_judges_page_has_no_serious_violation(
    browser: Browser, venue: tuple[str, Venue], size: str, judge: str
) -> None:
    base, demo = venue
    page = signed_in(browser, base, demo.login("tea-2026", judge), size)
    try:
        assert page.url.endswith("/judge")
        check(page, f"judge {judge} queue at {size}")
        page.locator("#queue-list button, #queue-list [role=button], #queue-list li").first.click()
        page.locator("#sheet-form").wait_for(state="visible")
        page.wait_for_load_state("networkidle")
        check(page, f"judge {judge} scoring form at {size}")
    finally:
        page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("round_key", ["operation", "sensory", "theory"])
def test_the_chief_judges_page_has_no_serious_violation(
    browser: Browser, venue: tuple[str, Venue], size: str, round_key: str
) -> None:
    base, demo = venue
    page = signed_in(browser, base, demo.chief("tea-2026"), size)
    try:
        page.goto(f"{base}/chief?round={round_key}")
        page.wait_for_load_state("networkidle")
        check(page, f"chief {round_key} at {size}")
        page.locator(".entrant-button").first.click()
        page.wait_for_load_state("networkidle")
        check(page, f"chief {round_key} with a breakdown open at {size}")
    finally:
        page.context.close()
