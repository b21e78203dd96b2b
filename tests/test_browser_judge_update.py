"""The judge page as an offline app across a deploy and a language switch (issue 12), in Debian's chromium against
a real `contest serve` process behind the tests' venue Wi-Fi relay (tests/test_browser_judge.py).

- A new deploy (here: a second server on the same database with another CONTEST_ASSET_VERSION, the relay switched
  to it) installs a new service worker, which takes over; a mark waiting in the outbox survives and is stored once.
- The offline copy of the page is in the language the judge last chose online, even when ?lang=en came before the
  worker was ready.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.test_browser_judge import (
    DIVING,
    OUTBOX_RECORDS,
    ROOT,
    SLUG,
    Server,
    free_port,
    go_offline,
    go_online,
    open_tablet,
    score,
    serving,
    submit,
    wait_for_the_worker,
)

KEPT_IN_ENGLISH = """() => caches.keys()
  .then(names => Promise.all(names.filter(n => n.startsWith('contest-judge-')).map(n => caches.open(n))))
  .then(kept => Promise.all(kept.map(c => c.match('/judge'))))
  .then(found => Promise.all(found.filter(Boolean).map(r => r.text())))
  .then(texts => texts.length > 0 && texts.every(t => t.includes('lang="en"')))"""
CACHES = "() => caches.keys().then(names => names.filter(n => n.startsWith('contest-judge-')))"


@pytest.fixture
def site(tmp_path: Path, chromium_path: str) -> Iterator[tuple[Server, Path]]:
    judges: list[dict[str, Any]] = [{"code": "J1", "name": "张明"}]
    with serving(tmp_path, DIVING, SLUG, judges) as found:
        yield found, tmp_path


def deploy(server: Server, folder: Path, label: str) -> subprocess.Popen[bytes]:
    """A new release of the page: another server process on the same database, with its own asset version; the
    venue's relay now leads to it."""
    port = free_port()
    env = {**os.environ, "CONTEST_ASSET_VERSION": label}
    db = f"sqlite:///{folder / 'contest.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "contest", "serve", "--db", db, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "the new server did not come up"
        time.sleep(0.1)
    assert server.link is not None
    server.link.target = port
    return process


def worker_version(page: Page) -> str:
    source = str(page.evaluate("fetch('/judge-sw.js', {cache: 'no-store'}).then(r => r.text())"))
    found = re.search(r'const VERSION = "([0-9a-f]+)"', source)
    assert found, source[:300]
    return found.group(1)


def caches_become(page: Page, old: list[str]) -> list[str]:
    """The page's worker caches, once the old version's are gone."""
    deadline = time.monotonic() + 20
    while True:
        names: list[str] = page.evaluate(CACHES)
        if len(names) == 1 and names != old:
            return names
        assert time.monotonic() < deadline, names
        time.sleep(0.2)


def test_an_update_of_the_page_takes_over_and_keeps_the_waiting_mark(
    browser: Browser, site: tuple[Server, Path]
) -> None:
    server, folder = site
    page = open_tablet(browser, server, "J1")
    expect(page.locator("#queue-list .entrant")).to_have_count(6)
    wait_for_the_worker(page)
    old = page.evaluate(CACHES)
    assert len(old) == 1

    go_offline(page, server)
    page.locator('.entrant[data-code="D01"]').click()
    score(page, "7.5")
    submit(page)
    expect(page.locator("#outbox-count")).to_have_text("1")

    process = deploy(server, folder, "release-2")
    try:
        page.reload()  # still offline: the old worker's copy, the mark still waiting
        expect(page.locator("#outbox-count")).to_have_text("1")
        assert page.evaluate(OUTBOX_RECORDS) == 1
        assert not [m for m in server.history() if m["judge"] == "J1"]

        go_online(page, server)
        page.reload()
        wait_for_the_worker(page)
        new = caches_become(page, old)
        assert new == ["contest-judge-" + worker_version(page)], (new, old)
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/judge-sw.js")
        page.wait_for_function(f"() => navigator.serviceWorker.controller && caches.has({new[0]!r})", timeout=15000)
        expect(page.locator("#outbox-count")).to_have_text("0", timeout=20000)
        assert page.evaluate(OUTBOX_RECORDS) == 0
        time.sleep(1)
        mine = [(m["entrant"], m["item"], m["new"]) for m in server.history() if m["judge"] == "J1"]
        assert mine == [("D01", 1, "7.5")], "stored exactly once"
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("when", ["at-first-load", "after-the-worker-is-ready"])
def test_the_offline_copy_is_in_the_language_chosen_last(
    browser: Browser, site: tuple[Server, Path], when: str
) -> None:
    server, _ = site
    page = open_tablet(browser, server, "J1")
    try:
        if when == "after-the-worker-is-ready":
            expect(page.locator("#queue-list .entrant")).to_have_count(6)
            wait_for_the_worker(page)
        page.goto(f"{server.web}/judge?lang=en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        wait_for_the_worker(page)
        # the worker's copy of the page follows (it may have been fetched in Chinese while the worker installed)
        deadline = time.monotonic() + 15
        while not page.evaluate(KEPT_IN_ENGLISH):
            assert time.monotonic() < deadline, "the worker kept the page in the old language"
            time.sleep(0.2)
        go_offline(page, server)
        page.goto(f"{server.web}/judge")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    finally:
        go_online(page, server)
        page.context.close()
