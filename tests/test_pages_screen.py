"""The venue screen, the phone page and the organizer's control page on a real app (temp SQLite file, lifespan run,
httpx over ASGI): they render in Chinese and English, carry no board data of their own (the scripts read the
standings socket), escape hostile titles and names, serve the QR code of the phone page as SVG made here, and load
nothing from another host. The boards themselves are exercised in a real browser by tests/test_browser_screen.py.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
import segno
from test_pages_judge import BLIND_TOML, OPEN_PEOPLE, OPEN_TOML, SECRET_PEOPLE, Pages, page_data
from test_pages_judge import pages as pages  # the fixture: a running app on a temp SQLite file

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("/screen/{slug}", "/live/{slug}", "/control/{slug}")
SCRIPTS = ("feed.js", "board.js", "screen.js", "live.js", "control.js")


def messages_of(html: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="messages">(.*?)</script>', html, re.S)
    assert found
    messages: dict[str, str] = json.loads(found.group(1))
    return messages


@pytest.mark.asyncio
async def test_pages_render_in_chinese_and_english(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="男子3米跳板")
    browser = pages.client()
    for path in PAGES:
        chinese = await browser.get(path.format(slug=slug) + "?lang=zh_CN")
        assert chinese.status_code == 200, (path, chinese.text)
        assert '<html lang="zh-CN"' in chinese.text and "男子3米跳板" in chinese.text
        assert chinese.headers["cache-control"] == "no-store"
        csp = chinese.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "connect-src 'self' ws://testserver wss://testserver" in csp
        english = await browser.get(path.format(slug=slug) + "?lang=en")
        assert '<html lang="en"' in english.text
        assert messages_of(english.text)["live_standings" if "control" not in path else "board_live"] in (
            "Live standings",
            "Live",
        )
    screen = (await browser.get(f"/screen/{slug}?lang=zh_CN")).text
    assert "扫码用手机看实时排名" in screen
    assert messages_of(screen)["offline_since"] == "连接中断 · 自 {time}"
    assert messages_of(screen)["state_frozen"] == "已封榜"
    live = (await browser.get(f"/live/{slug}")).text
    assert "搜索编号或姓名" in live and "预赛" in live and "决赛" in live
    control = (await browser.get(f"/control/{slug}")).text
    assert "组织者令牌" in control and "按名次开始揭晓" in control and "全部揭晓" in control
    english = (await browser.get(f"/control/{slug}?lang=en")).text
    assert "Start reveal by place" in english and "按名次" not in english


@pytest.mark.asyncio
async def test_screen_reads_its_options_and_picks_the_round_in_progress(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    other = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="另一项")
    browser = pages.client()
    data = page_data((await browser.get(f"/screen/{slug}")).text)
    assert data["views"] == [{"contest": slug, "round": "prelim", "group": None}]  # the first open round
    assert data["rows"] == 10 and data["limit"] is None
    assert data["live_url"] == f"http://testserver/live/{slug}"
    locked = await pages.organizer.patch(f"/api/contests/{slug}/rounds/prelim", json={"status": "locked"})
    assert locked.status_code == 200
    data = page_data((await browser.get(f"/screen/{slug}")).text)
    assert data["views"][0]["round"] == "final"

    answer = await browser.get(
        f"/screen/{slug}?rounds=prelim,final&contests={other}&theme=light&rows=12&limit=50&from=singlemessage"
    )
    assert answer.status_code == 200  # WeChat's own parameters are ignored
    assert 'class="screen-page theme-light"' in answer.text
    data = page_data(answer.text)
    assert [(v["contest"], v["round"]) for v in data["views"]] == [(slug, "prelim"), (slug, "final"), (other, "prelim")]
    assert (data["rows"], data["limit"]) == (12, 50)
    assert data["titles"] == {slug: "t", other: "另一项"}
    odd = page_data((await browser.get(f"/screen/{slug}?theme=<x>&rows=999&limit=abc")).text)
    assert (odd["rows"], odd["limit"]) == (10, None)

    for path in (
        f"/screen/{slug}?round=nope",
        f"/screen/{slug}?rounds=prelim,nope",
        "/screen/no-such",
        "/live/no-such",
    ):
        missing = await browser.get(path)
        assert missing.status_code == 404, path
        assert "Traceback" not in missing.text
    assert "没有轮次 &#39;nope&#39;" in (await browser.get(f"/screen/{slug}?round=nope")).text
    assert (await browser.get(f"/screen/{slug}?contests=no-such")).status_code == 404


@pytest.mark.asyncio
async def test_control_rounds_json_tells_each_rounds_state(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    browser = pages.client()
    found = (await browser.get(f"/control/{slug}/rounds")).json()
    assert [(r["key"], r["label"], r["status"], r["board"]) for r in found["rounds"]] == [
        ("prelim", "预赛", "open", "live"),
        ("final", "决赛", "open", "live"),
    ]
    await pages.organizer.patch(f"/api/contests/{slug}/rounds/prelim", json={"status": "locked"})
    await pages.organizer.patch(f"/api/contests/{slug}/rounds/prelim", json={"board": "reveal", "reveal_by": "award"})
    await pages.organizer.patch(f"/api/contests/{slug}/rounds/final", json={"board": "frozen"})
    found = (await browser.get(f"/control/{slug}/rounds")).json()
    prelim, final = found["rounds"]
    assert (prelim["status"], prelim["board"], prelim["reveal"]) == ("locked", "reveal", {"by": "award", "step": 0})
    assert (final["board"], final["reveal"]) == ("frozen", None)
    assert (await browser.get("/control/no-such/rounds")).status_code == 404
    # the control page carries no token, and its links carry none either
    html = (await browser.get(f"/control/{slug}")).text
    token = pages.organizer.headers["authorization"].split()[1]
    assert token not in html


@pytest.mark.asyncio
async def test_qr_code_of_the_phone_page_is_served_as_svg(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    browser = pages.client()
    answer = await browser.get(f"/screen/{slug}/qr.svg")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(answer.content)
    assert root.tag.endswith("svg")
    assert b"<script" not in answer.content and b"http" not in answer.content.replace(b"http://www.w3.org", b"")
    screen = (await browser.get(f"/screen/{slug}")).text
    assert f'src="/screen/{slug}/qr.svg"' in screen
    assert f"http://testserver/live/{slug}" in screen  # the address is written under the code too
    assert (await browser.get("/screen/no-such/qr.svg")).status_code == 404

    # the code says the phone page's address: the same symbol segno makes of it
    expected = io.BytesIO()
    segno.make(f"http://testserver/live/{slug}", error="m").save(
        expected, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False
    )
    assert answer.content == expected.getvalue()


@pytest.mark.asyncio
async def test_hostile_titles_are_escaped(pages: Pages) -> None:
    title = '<script>alert(1)</script> & "quotes"'
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title=title.replace('"', '\\"'))
    browser = pages.client()
    for path in PAGES:
        html = (await browser.get(path.format(slug=slug))).text
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;" in html, path
        assert page_data(html)["title"] == title
        assert "\\u003cscript\\u003e" in html


@pytest.mark.asyncio
async def test_pages_carry_no_names_and_blind_boards_give_codes_only(pages: Pages) -> None:
    slug = await pages.contest(BLIND_TOML, SECRET_PEOPLE)
    await pages.judges(slug, "J1")
    await pages.mark(slug, "B01", "main", {"taste": "8", "aroma": "4"}, "J1")
    browser = pages.client()
    bodies = [(await browser.get(path.format(slug=slug))).content for path in PAGES]
    bodies.append((await browser.get(f"/control/{slug}/rounds")).content)
    for person in SECRET_PEOPLE:
        for secret in (person["name"], person["organization"]):
            for body in bodies:
                assert secret.encode() not in body


@pytest.mark.asyncio
async def test_every_asset_is_local(pages: Pages) -> None:
    slug = await pages.contest(OPEN_TOML, OPEN_PEOPLE, title="t")
    browser = pages.client()
    for path in PAGES:
        html = (await browser.get(path.format(slug=slug))).text
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), path
        assert "http://" not in html.replace(f"http://testserver/live/{slug}", ""), path
        for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
            assert (await browser.get(src)).status_code == 200, src
    for name in (*SCRIPTS, "screen.css"):
        code = (ROOT / "static" / name).read_text(encoding="utf-8")
        assert "http://" not in code and "https://" not in code and "//cdn" not in code, name
        assert "@import" not in code and "url(" not in code, name


def test_scripts_put_data_in_as_text_only() -> None:
    for name in SCRIPTS:
        code = (ROOT / "static" / name).read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in code, f"{name} uses {sink}"
