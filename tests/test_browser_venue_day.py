"""A day at the venue, end to end (issue 12's "done when"), in a real browser (Debian's chromium) against a real
`contest serve` process, once in Chinese and once in English.

A judge on a 1024x768 tablet scores every entrant of a round through the judge page, through two drops of the venue
Wi-Fi (a mark or two taken offline each time) and a reload while marks are waiting; the chief judge, on another
device, sees the round complete, locks it with a reason, unlocks it with a reason, locks it again and reads every
reason in the round's history. The server holds each mark exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.test_browser_judge import (
    OUTBOX_RECORDS,
    TABLET,
    Server,
    go_offline,
    go_online,
    serving,
    submit,
    wait_for_the_worker,
)

SLUG = "day-2026"
CONTEST_TOML = """
[contest]
slug = "day-2026"
title = "茶艺 / Tea art"
decimals = 1
judges = ["J1"]

[[criteria]]
key = "art"
label = "茶艺表演 / Tea art"
min = 0
max = 10
step = 0.5

[[rounds]]
key = "final"
label = "决赛 / Final"
"""
ENTRANTS = ["A01", "A02", "A03", "A04", "A05", "A06"]
VALUES = dict(zip(ENTRANTS, ("8.5", "7", "9", "6.5", "8", "9.5"), strict=True))

# what each language's pages say (the .po files' words)
WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "progress": "已提交 {done}/6 · 未提交 {missing}",
        "every_mark": "所有分数均已提交。",
        "open": "进行中",
        "locked": "已锁定",
        "locked_event": "锁定本轮",
        "unlocked_event": "解锁本轮",
        "by": "裁判长 CJ",
    },
    "en": {
        "progress": "{done} of 6 submitted · {missing} missing",
        "every_mark": "Every mark is in.",
        "open": "Open",
        "locked": "Locked",
        "locked_event": "Locked the round",
        "unlocked_event": "Unlocked the round",
        "by": "Chief judge CJ",
    },
}
REASONS = {  # lock, unlock, lock again
    "zh-CN": ("六位选手全部评完", "A03 分数待复核", "复核无误，再次锁定"),
    "en": ("all six entrants scored", "A03 to be checked again", "checked, locked again"),
}


@pytest.fixture
def day(tmp_path: Path, chromium_path: str) -> Iterator[Server]:
    fixture = tmp_path / "fixture"
    fixture.mkdir()
    (fixture / "contest.toml").write_text(CONTEST_TOML, encoding="utf-8")
    people = "\n".join(f"{code},选手{n},茶艺队{n}" for n, code in enumerate(ENTRANTS, 1))
    (fixture / "entrants.csv").write_text(f"code,name,organization\n{people}\n", encoding="utf-8")
    judges: list[dict[str, Any]] = [{"code": "J1", "name": "张明"}, {"code": "CJ", "name": "陈裁判长", "chief": True}]
    with serving(tmp_path, fixture, SLUG, judges) as found:
        yield found


def open_device(browser: Browser, server: Server, judge: str, lang: str, path: str, *, wired: bool = False) -> Page:
    """The judge's link (QR code) opened on a tablet, then `path` in `lang`: the pages speak Chinese unless asked
    for English with ?lang=en (kept in a cookie from then on). A wired device reaches the server directly, not
    through the venue Wi-Fi that the test cuts."""
    context = browser.new_context(viewport=TABLET, device_scale_factor=1, locale=lang, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")  # the network cut
            else None
        ),
    )
    page.problems = problems  # type: ignore[attr-defined]
    base = server.base if wired else server.web
    page.goto(f"{base}/j/{server.tokens[judge]}")
    if path == "/judge":
        # the worker's install fetches /judge once, maybe before ?lang=en set the cookie: a switch made before
        # the worker controls the page may leave the offline copy in Chinese, so the judge switches after it
        wait_for_the_worker(page)
    page.goto(f"{base}{path}" + ("?lang=en" if lang == "en" else ""))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    return page


def mark(page: Page, code: str) -> None:
    """The judge opens the entrant, keys in the mark and submits it."""
    page.locator(f'.entrant[data-code="{code}"]').click()
    expect(page.locator("#sheet-entrant")).to_have_text(code)
    box = page.locator("#criteria .stepper-value")
    expect(box).to_have_count(1)
    box.fill(VALUES[code])
    submit(page)


def waiting(page: Page, count: int) -> None:
    expect(page.locator("#outbox-count")).to_have_text(str(count), timeout=20000)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_whole_round_through_two_drops_and_a_reload_then_the_chief_locks_it(
    browser: Browser, day: Server, lang: str
) -> None:
    words = WORDS[lang]
    judge = open_device(browser, day, "J1", lang, "/judge")
    expect(judge.locator("#queue-list .entrant")).to_have_count(len(ENTRANTS))
    wait_for_the_worker(judge)

    mark(judge, "A01")  # online
    waiting(judge, 0)

    # the chief judge follows the round on another device (wired, at the same 1024x768): 1 of 6 in
    chief = open_device(browser, day, "CJ", lang, "/chief", wired=True)
    summary = chief.locator("#summary")
    expect(summary).to_contain_text(words["progress"].format(done=1, missing=5))
    expect(chief.locator("#grid-body tr")).to_have_count(len(ENTRANTS))
    expect(chief.locator("#round-status")).to_have_text(words["open"])

    go_offline(judge, day)  # first drop: two marks wait on the tablet
    mark(judge, "A02")
    mark(judge, "A03")
    waiting(judge, 2)
    assert judge.evaluate(OUTBOX_RECORDS) == 2
    # the judge reloads with the marks waiting (still offline): the page and the marks are still there
    judge.reload()
    expect(judge.locator("#queue-list .entrant")).to_have_count(len(ENTRANTS))
    expect(judge.locator("html")).to_have_attribute("lang", lang)
    expect(judge.locator("#net")).to_have_attribute("data-state", "offline")
    waiting(judge, 2)
    assert {m["entrant"] for m in day.history()} == {"A01"}
    go_online(judge, day)
    waiting(judge, 0)

    mark(judge, "A04")  # online again
    waiting(judge, 0)

    go_offline(judge, day)  # second drop: one mark waits
    mark(judge, "A05")
    waiting(judge, 1)
    go_online(judge, day)
    waiting(judge, 0)
    mark(judge, "A06")
    waiting(judge, 0)
    assert judge.problems == []  # type: ignore[attr-defined]

    # each mark stored exactly once: one version per entrant, with its own client_id
    history = day.history()
    assert sorted((m["entrant"], m["new"], m["old"]) for m in history) == [(c, v, None) for c, v in VALUES.items()]
    assert len({m["client_id"] for m in history}) == len(ENTRANTS)

    # the chief's page catches up by itself (it asks every 10 s): every mark is in
    expect(summary).to_contain_text(words["progress"].format(done=6, missing=0), timeout=20000)

    first, second, third = REASONS[lang]
    chief.locator("#lock").click()  # lock, with a reason
    expect(chief.locator("#confirm-sub")).to_contain_text(words["every_mark"])
    chief.locator("#reason").fill(first)
    chief.locator("#confirm-ok").click()
    expect(chief.locator("#round-status")).to_have_text(words["locked"])
    chief.locator("#lock").click()  # unlock, with a reason
    chief.locator("#reason").fill(second)
    chief.locator("#confirm-ok").click()
    expect(chief.locator("#round-status")).to_have_text(words["open"])
    chief.locator("#lock").click()  # lock again
    chief.locator("#reason").fill(third)
    chief.locator("#confirm-ok").click()
    expect(chief.locator("#round-status")).to_have_text(words["locked"])

    # every reason can be read in the round's history, newest first, with who did it
    events = chief.locator("#events .event")
    expect(events).to_have_count(3)
    for n, (what, reason) in enumerate(
        ((words["locked_event"], third), (words["unlocked_event"], second), (words["locked_event"], first))
    ):
        expect(events.nth(n)).to_contain_text(what)
        expect(events.nth(n)).to_contain_text(reason)
        expect(events.nth(n)).to_contain_text(words["by"])
    assert chief.problems == []  # type: ignore[attr-defined]

    # the locks changed no mark
    assert len(day.history()) == len(ENTRANTS)
    chief.context.close()
    judge.context.close()
