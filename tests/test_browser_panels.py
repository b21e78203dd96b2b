"""A judge's tablet with assigned panels (评委分组) in a real browser: each judge's page lists only the entrants
assigned to them and, of each, only their items; a judge of the other panel sees the other entrants. Debian's
chromium against a real `contest serve` (the helpers of tests/test_browser_judge.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.test_browser_judge import Server, open_tablet, score, serving, submit

TOML = """\
[contest]
slug = "split-2026"
title = "分组评分 / Split panels"
decimals = 2

[[criteria]]
key = "execution"
label = "动作完成"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "style"
label = "风格"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
panel_size = 2
item = "execution + style"

[[rounds]]
key = "prelim"
items = 2

[[panels]]
key = "A"
label = "第一组"
judges = ["J1", "J2"]

[[panels]]
key = "B"
label = "第二组"
judges = ["J3", "J4"]

[[assignments]]                 # panel A: E01-E03, dive 1, and dive 2's execution
round = "prelim"
panel = "A"
entrants = { range = ["E01", "E03"] }
items = [1]

[[assignments]]
round = "prelim"
panel = "A"
entrants = { range = ["E01", "E03"] }
items = [2]
criteria = ["execution"]

[[assignments]]                 # panel B: E01-E03's dive 2 style (an aspect team), and E04-E06 whole
round = "prelim"
panel = "B"
entrants = { range = ["E01", "E03"] }
items = [2]
criteria = ["style"]

[[assignments]]
round = "prelim"
panel = "B"
entrants = { range = ["E04", "E06"] }
"""


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("split")
    fixture = folder / "fixture"
    fixture.mkdir()
    (fixture / "contest.toml").write_text(TOML, encoding="utf-8")
    people = "".join(f"E{n:02d},选手{n},单位{n}\n" for n in range(1, 7))
    (fixture / "entrants.csv").write_text("code,name,organization\n" + people, encoding="utf-8")
    judges: list[dict[str, object]] = [{"code": f"J{n}", "name": f"裁判{n}"} for n in range(1, 5)]
    judges.append({"code": "CJ", "name": "裁判长", "chief": True})
    with serving(folder, fixture, "split-2026", judges) as found:
        yield found


def codes(page: Page) -> list[str]:
    found: list[str] = page.locator("#queue-list .entrant").evaluate_all("(nodes) => nodes.map((n) => n.dataset.code)")
    return found


def test_a_judge_sees_only_the_entrants_and_items_assigned_to_them(browser: Browser, split: Server) -> None:
    page = open_tablet(browser, split, "J1")
    expect(page.locator("#queue-list .entrant")).to_have_count(3)
    page.wait_for_function("() => document.querySelectorAll('#queue-list .entrant').length === 3")
    assert codes(page) == ["E01", "E02", "E03"]
    page.locator('.entrant[data-code="E02"]').click()
    expect(page.locator("#sheet-entrant")).to_have_text("E02")
    expect(page.locator("#criteria .criterion")).to_have_count(2)  # dive 1: both criteria
    page.locator("#sheet-items .item-tab").nth(1).click()
    expect(page.locator("#sheet-round")).to_contain_text("第 2 项")
    expect(page.locator("#criteria .criterion")).to_have_count(1)  # dive 2: execution only
    expect(page.locator('#criteria .criterion[data-key="execution"]')).to_have_count(1)
    assert not [p for p in page.problems if "favicon" not in p]  # type: ignore[attr-defined]
    page.context.close()

    other = open_tablet(browser, split, "J3")
    expect(other.locator("#queue-list .entrant")).to_have_count(6)
    assert codes(other) == ["E01", "E02", "E03", "E04", "E05", "E06"]
    other.locator('.entrant[data-code="E01"]').click()
    expect(other.locator("#sheet-items")).to_be_hidden()  # only dive 2 of E01, and only its style
    expect(other.locator("#sheet-round")).to_contain_text("第 2 项")
    expect(other.locator('#criteria .criterion[data-key="style"]')).to_have_count(1)
    expect(other.locator("#criteria .criterion")).to_have_count(1)
    score(other, "7.5")  # the aspect team's one value is sent alone, and stored
    submit(other)
    expect(other.locator('.entrant[data-code="E01"] .entrant-status')).to_have_text("已提交")  # its one item done
    assert [(m["entrant"], m["item"], m["criterion"], m["new"]) for m in split.history()] == [
        ("E01", 2, "style", "7.5")
    ]
    other.locator('.entrant[data-code="E05"]').click()
    expect(other.locator("#sheet-items .item-tab")).to_have_count(2)  # both dives of E05
    other.context.close()


def test_the_chief_judge_sees_each_panels_entrants_and_picks_one_panel(browser: Browser, split: Server) -> None:
    page = open_tablet(browser, split, "CJ")
    page.goto(f"{split.web}/chief")
    expect(page.locator("#grid-body tr")).to_have_count(6)
    expect(page.locator('#grid-body tr[data-code="E05"] .entrant-panel')).to_have_text("第二组")
    expect(page.locator('#grid-body tr[data-code="E05"] td[data-judge="J1"] .cell-chip')).to_have_class(
        "cell-chip unassigned"
    )
    expect(page.locator("#panel-pick option")).to_have_count(3)  # every panel, A, B
    page.locator("#panel-pick").select_option("A")
    page.wait_for_function("() => document.querySelectorAll('#grid-body tr').length === 3")
    expect(page.locator("#grid-head th[scope=col]")).to_have_count(3)  # the entrant column, J1, J2
    expect(page.locator("#normalize-note")).to_be_hidden()
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()
