"""No English sentence reaches a zh-CN user (issue 12, point 9): the pages as Chromium shows them (text, names for
screen readers, titles, placeholders, and the texts their scripts keep for later), the error pages, and the API's
errors (401, 403, 404, 405, 409, 413, 422 with its details) and the standings' `issues`, asked for in zh-CN, on a
real `contest serve` with the demo's venue.

"English" here is a run of two or more Latin words in a row (`must be a multiple`, `Not allowed`); single words
that a Chinese reader meets as they are (codes, units, API, CSV, QR, the product's name, the language switch
"English") are allowed, as is what the contest's own files say (entrants, titles, criterion keys).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from contest.demo import Venue, prepare
from tests.server.conftest import ServerProcess, client_id

SLUG = "tea-2026"
ZH = {"accept-language": "zh-CN,zh;q=0.9"}
# words a Chinese page may show in Latin letters on their own: not sentences
ALLOWED = {
    "api", "csv", "xlsx", "json", "qr", "url", "http", "https", "wechat", "excel", "contest", "bearer",
    "authorization", "token", "client_id", "english", "ok", "id", "pdf", "utf", "gb", "wifi", "wi-fi", "nan",
    # the API's parameter and field names, which a message names as the client must type them
    "round", "group", "limit", "entrant", "values", "reason", "judge", "item", "body", "slug",
}  # fmt: skip
WORD = re.compile(r"^[(\[\"'“‘«]*([A-Za-z][A-Za-z'’-]*[A-Za-z]|[aAI])[)\]\"'”’».,;:!?…]*$")  # "a", "I": words


def english_runs(text: str) -> list[str]:
    """Every run of two or more English words in `text` (whitespace-separated words made of Latin letters only)."""
    runs: list[str] = []
    current: list[str] = []
    for token in [*text.split(), ""]:
        found = WORD.match(token)
        if found and found.group(1).lower() not in ALLOWED:
            current.append(token)
            continue
        if len(current) >= 2:
            runs.append(" ".join(current))
        current = []
    return runs


def test_the_check_finds_english_and_lets_chinese_through() -> None:
    assert english_runs("轮次 'sensory' 已锁定（字段 round）") == []
    assert english_runs("T01 · 王喆 · English · CSV 导出 · 10 m") == []
    assert english_runs("已评 1/3 项 · must be a multiple of 0.5") == ["must be a multiple of"]
    assert english_runs("Not allowed") == ["Not allowed"]


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, Venue]]:
    folder = tmp_path_factory.mktemp("no-english")
    url = f"sqlite:///{folder / 'demo.db'}"
    found = prepare(url)
    server = ServerProcess(url, folder / "serve.log").start()
    try:
        yield server.url, found
    finally:
        server.stop()


# -- pages ------------------------------------------------------------------------------------------------------

SHOWN = """() => {
  const texts = [document.title, document.body.innerText];
  for (const node of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], [aria-description]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description']) {
      const value = node.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  for (const id of ['messages', 'messages-common']) {  // what the scripts will show later (errors, states)
    const node = document.getElementById(id);
    if (node) texts.push(node.textContent);
  }
  return texts;
}"""


def shown(page: Page) -> list[str]:
    """What the page shows or may show, as text: messages' JSON is unpacked to its strings (both plural forms)."""
    out: list[str] = []
    for text in page.evaluate(SHOWN):
        try:
            value = json.loads(text)
        except ValueError:
            out.append(text)
            continue
        out.extend(_strings(value))
    return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "by":
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def assert_chinese(where: str, texts: list[str]) -> None:
    found = sorted({run for text in texts for run in english_runs(text)})
    assert not found, f"{where}: English on a zh-CN page: {found}"


def opened(browser: Browser, base: str, path: str, size: dict[str, int] | None = None) -> Page:
    context = browser.new_context(viewport=size or {"width": 1024, "height": 768}, locale="zh-CN")  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    return page


def test_the_judges_page(browser: Browser, venue: tuple[str, Venue]) -> None:
    base, demo = venue
    page = opened(browser, base, demo.login(SLUG, "S1"))
    try:
        assert page.url.endswith("/judge")
        assert_chinese("judge queue", shown(page))
        page.locator("#queue-list button, #queue-list [role=button], #queue-list li").first.click()
        page.locator("#sheet-form").wait_for(state="visible")
        assert_chinese("judge scoring form", shown(page))
        refused = page.goto(f"{base}/chief")  # a judge opening the chief judge's page: a 403 page, in Chinese
        assert refused is not None and refused.status == 403
        assert_chinese("403 page", shown(page))
        page.goto(f"{base}/judge?lang=en")  # the check sees English where there is some
        page.wait_for_load_state("networkidle")
        assert any(english_runs(text) for text in shown(page))
    finally:
        page.context.close()


@pytest.mark.parametrize("round_key", ["theory", "operation", "sensory"])
def test_the_chief_judges_page(browser: Browser, venue: tuple[str, Venue], round_key: str) -> None:
    base, demo = venue
    page = opened(browser, base, demo.chief(SLUG))
    try:
        page.goto(f"{base}/chief?round={round_key}")
        page.wait_for_load_state("networkidle")
        assert_chinese(f"chief {round_key}", shown(page))
        page.locator(".entrant-button").first.click()
        page.wait_for_load_state("networkidle")
        assert_chinese(f"chief {round_key} breakdown", shown(page))
    finally:
        page.context.close()


@pytest.mark.parametrize(
    "path",
    [f"/screen/{SLUG}", f"/live/{SLUG}", "/screen/no-such-contest", "/j/not-a-valid-token", "/judge", "/chief"],
)
def test_the_public_pages_and_error_pages(browser: Browser, venue: tuple[str, Venue], path: str) -> None:
    base, _ = venue
    page = opened(browser, base, path, {"width": 390, "height": 844})
    try:
        assert_chinese(path, shown(page))
    finally:
        page.context.close()


def test_the_control_page(browser: Browser, venue: tuple[str, Venue]) -> None:
    base, demo = venue
    page = opened(browser, base, f"/control/{SLUG}#token={demo.organizer_token}")
    try:
        assert_chinese("control", shown(page))
    finally:
        page.context.close()


# -- the API ----------------------------------------------------------------------------------------------------


def error_texts(answer: httpx.Response, status: int) -> list[str]:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    return [error["message"], *error.get("details", [])]


def test_api_errors_in_chinese(venue: tuple[str, Venue]) -> None:
    base, demo = venue
    organizer = {**ZH, "authorization": f"Bearer {demo.organizer_token}"}
    sensory = dict.fromkeys(("外形", "汤色", "香气", "滋味", "叶底"), "80")
    mark = {"entrant": "T01", "round": "sensory", "values": sensory}
    with httpx.Client(base_url=base, timeout=30) as api:
        token = demo.login(SLUG, "S1").rsplit("/", 1)[1]  # the judge card's token, as an API client sends it
        judge = {**ZH, "authorization": f"Bearer {token}"}
        cases: dict[str, list[str]] = {
            "401": error_texts(
                api.get(f"/api/contests/{SLUG}/history", headers={**ZH, "authorization": "Bearer x"}), 401
            ),
            "403 role": error_texts(api.get(f"/api/contests/{SLUG}/history", headers=judge), 403),
            "404": error_texts(api.get("/api/contests/no-such-contest/standings", headers=ZH), 404),
            "404 path": error_texts(api.get("/api/no-such-thing", headers=ZH), 404),
            "405": error_texts(api.delete(f"/api/contests/{SLUG}/standings", headers=ZH), 405),
            "413": error_texts(
                api.post(f"/api/contests/{SLUG}/marks", content=b"{" + b" " * (6 * 1024 * 1024) + b"}", headers=judge),
                413,
            ),
        }
        bad = {**mark, "values": {**sensory, "外形": "80.3", "汤色": "101"}, "client_id": client_id()}
        invalid = api.post(f"/api/contests/{SLUG}/marks", json=bad, headers=judge)
        cases["422"] = error_texts(invalid, 422)
        assert len(cases["422"]) == 3  # the message and one detail a value
        unknown = api.get(f"/api/contests/{SLUG}/standings?rnd=x", headers=ZH)
        cases["422 parameter"] = error_texts(unknown, 422)
        first = {**mark, "client_id": client_id()}
        assert api.post(f"/api/contests/{SLUG}/marks", json=first, headers=judge).status_code == 201
        again = {**first, "values": {**sensory, "外形": "90"}}
        cases["409"] = error_texts(api.post(f"/api/contests/{SLUG}/marks", json=again, headers=judge), 409)
        locked = api.patch(f"/api/contests/{SLUG}/rounds/sensory", json={"status": "locked"}, headers=organizer)
        assert locked.status_code == 200, locked.text
        late = {**mark, "entrant": "T02", "client_id": client_id()}
        cases["403 locked"] = error_texts(api.post(f"/api/contests/{SLUG}/marks", json=late, headers=judge), 403)
        hidden = api.patch(f"/api/contests/{SLUG}/rounds/sensory", json={"board": "hidden"}, headers=organizer)
        assert hidden.status_code == 200, hidden.text
        cases["403 hidden"] = error_texts(api.get(f"/api/contests/{SLUG}/standings?round=sensory", headers=ZH), 403)
        standings = api.get(f"/api/contests/{SLUG}/standings?round=sensory", headers=organizer).json()
        issues = [issue for row in standings["rows"] for issue in row["issues"]]
        assert issues, "T01 has sensory marks from one judge of three: its standing lists what it lacks"
        cases["standings issues"] = issues
    found = {where: sorted({run for text in texts for run in english_runs(text)}) for where, texts in cases.items()}
    assert not {where: runs for where, runs in found.items() if runs}, "English in zh-CN API errors"
    english = httpx.get(f"{base}/api/contests/{SLUG}/standings?rnd=x", timeout=30).json()["error"]["message"]
    assert english_runs(english), "an API client naming no language still reads English"


# -- a one-round contest's tab, counted texts ------------------------------------------------------------------

ONE_ROUND = """
[contest]
slug = "one-round"
title = "单轮比赛"

[[criteria]]
key = "score"
min = 0
max = 10
step = 0.5
"""


def test_a_one_round_contests_tab_is_labelled_for_people(browser: Browser, venue: tuple[str, Venue]) -> None:
    base, demo = venue
    organizer = {"authorization": f"Bearer {demo.organizer_token}"}
    with httpx.Client(base_url=base, timeout=30, headers=organizer) as api:
        created = api.post("/api/contests", content=ONE_ROUND.encode(), headers={"content-type": "application/toml"})
        assert created.status_code == 201, created.text
        judges = api.post("/api/contests/one-round/judges", json=[{"code": "J1", "name": "甲"}])
        assert judges.status_code == 201, judges.text
        login = judges.json()[0]["login_url"]
    path = login[login.index("/j/") :]
    for lang, label in (("zh_CN", "成绩"), ("en", "Score")):
        page = opened(browser, base, f"{path}?lang={lang}" if lang == "en" else path)
        try:
            if lang == "en":
                page.goto(f"{base}/judge?lang=en")
            tabs = page.locator(".round-tab .round-label").all_inner_texts()
            assert tabs == [label], (lang, tabs)
        finally:
            page.context.close()
    screen = opened(browser, base, "/screen/one-round")  # its label comes with each standings message
    try:
        expect(screen.locator("#round-label")).to_have_text("成绩")
        assert_chinese("one-round screen", shown(screen))
    finally:
        screen.context.close()


def test_counted_texts_agree_with_their_count(browser: Browser, venue: tuple[str, Venue]) -> None:
    base, _ = venue
    for lang, one, two in (("en", "1 entrant", "2 entrants"), ("zh_CN", "1 名选手", "2 名选手")):
        page = opened(browser, base, f"/live/{SLUG}?lang={lang}", {"width": 390, "height": 844})
        try:
            said = page.evaluate("[Contest.t('count', {n: 1}), Contest.t('count', {n: 2})]")
            assert said == [one, two], lang
            hidden = page.evaluate("Contest.t('covered_count', {n: 1})")
            assert hidden == ("1 place still to be revealed" if lang == "en" else "还有 1 个名次待揭晓")
        finally:
            page.context.close()


def test_the_step_rule_reads_the_same_on_the_page_and_from_the_server() -> None:
    from contest.language import gettext_for

    zh = gettext_for("zh_CN")
    page = zh("{label}: must be a multiple of {step} from {min}")  # the form's own check, before sending
    server = zh("must be a multiple of {step} from {min}, got {value}")  # the server's (the core's) refusal
    rule = "必须从 {min} 起按 {step} 的步长取值"
    assert page == "{label}：" + rule and server.startswith(rule), (page, server)


def test_server_texts_about_a_count_agree_with_it() -> None:
    from contest.language import gettext_for
    from contest.services.verify import Verification

    one = Verification(slug=SLUG, version=7, standings=1, differences=()).summary()
    assert one == "the 1 standing agrees (version 7)"  # not "all 1 standings agree"
    assert one.translated(gettext_for("zh_CN")) == "全部 1 个排名与重新计算的结果一致（版本 7）"
    assert one.translated(gettext_for("en")) == "the 1 standing agrees (version 7)"
    many = Verification(slug=SLUG, version=7, standings=3, differences=()).summary()
    assert many.translated(gettext_for("en")) == "all 3 standings agree (version 7)"
