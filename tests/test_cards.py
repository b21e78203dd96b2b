"""Judges' QR login cards (PDF) and the console's judges page, read back with pypdf: Chinese names extracted, the
CJK font embedded and subset, one card per judge, the printed links sign a device in and the old ones do not;
the command line writes the same PDF."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import segno
from asgi_lifespan import LifespanManager
from conftest import run_cli
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject
from starlette.applications import Starlette
from test_admin_entrants import sign_in, with_console

from contest.exports.cards import Card, cards_pdf, qr_svg
from contest.services.principals import new_token
from contest.settings import Settings
from contest.web.app import create_app

NAMES = [
    "王喆",
    "李堃",
    "欧阳娜娜",
    "赵赟",
    "钱彧",
    "孙玥",
    "周昇",
    "吴龑",
    "郑䶮",
]  # 喆 堃 赟 彧 龑 䶮: outside GB2312
TITLE = "2026 旺苍县第十三届米仓山采茶节 手工制茶技能大赛"
TOML = """
[contest]
slug = "{slug}"
title = "手工制茶技能大赛"
[[criteria]]
key = "外形"
min = 0
max = 10
[[rounds]]
key = "final"
criteria = ["外形"]
"""
LINK = re.compile(r"http://testserver/j/[A-Za-z0-9_-]{20,}")
TOKEN_PART = re.compile(r"[A-Za-z0-9_-]+")


def text_of(data: bytes) -> str:
    """The PDF's text. pypdf reads fpdf2's two-byte glyph codes with a NUL before each character (pdftotext does
    not): they are dropped."""
    return "\n".join((page.extract_text() or "").replace("\x00", "") for page in PdfReader(io.BytesIO(data)).pages)


def links_of(data: bytes) -> list[str]:
    """The login links printed on the cards; a long link wraps, so the lines that continue it are joined."""
    found: list[str] = []
    for line in text_of(data).splitlines():
        line = line.strip()
        if line.startswith("http://"):
            found.append(line)
        elif found and TOKEN_PART.fullmatch(line):
            found[-1] += line
    return [link for link in found if LINK.fullmatch(link)]


def fonts_of(data: bytes) -> list[dict[str, Any]]:
    """Every font of every page: its name and whether its program is embedded."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page["/Resources"]
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if isinstance(descriptor, IndirectObject) else descriptor
            assert isinstance(descriptor, DictionaryObject)
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append({"name": str(font["/BaseFont"]), "embedded": embedded})
    return found


def test_cards_pdf_reads_back_in_chinese_with_a_subset_embedded_font() -> None:
    cards = [Card(f"J{i}", name, i == 0, f"http://testserver/j/tok{i:02d}{'x' * 40}") for i, name in enumerate(NAMES)]
    data = cards_pdf(TITLE, cards)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2  # eight cards to a page
    text = text_of(data)
    for name in NAMES:
        assert text.count(name) == 1, name  # one card per judge
    assert text.count("手工制茶技能大赛") == len(NAMES)
    assert text.count("裁判长") == 1 and text.count("请妥善保管") == len(NAMES)
    assert sorted(links_of(data)) == sorted(c.link for c in cards)
    fonts = fonts_of(data)
    assert fonts and all(f["embedded"] for f in fonts)
    assert all(re.fullmatch(r"/[A-Z]{6}\+NotoSansSC", f["name"]) for f in fonts), fonts  # a subset
    assert len(data) < 200_000  # subset: the full font is 8 MB


def test_the_qr_code_holds_the_login_link() -> None:
    link = "http://192.168.1.10:8000/j/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    svg = qr_svg(link).decode()
    assert "viewBox" in svg
    # the printed SVG is segno's code of exactly this link (decoded here from its own matrix)
    expected = segno.make(link, error="m")
    assert svg == _svg(expected)
    assert expected.designator.endswith("-M") and expected.mode == "byte"


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="poppler-utils, zbar-tools")
def test_the_printed_qr_codes_scan_to_the_login_links(tmp_path: Path) -> None:
    cards = [Card(f"J{i}", name, False, f"http://192.168.1.10:8000/j/{i}{'Ab-_' * 10}") for i, name in enumerate(NAMES)]
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(cards_pdf(TITLE, cards))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    scanned: list[str] = []
    for page in sorted(tmp_path.glob("page*.png")):
        done = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True, check=False)
        scanned.extend(done.stdout.split())
    assert sorted(scanned) == sorted(c.link for c in cards)


def _svg(code: segno.QRCode) -> str:
    out = io.BytesIO()
    code.save(out, kind="svg", scale=4, border=2, omitsize=True)
    return out.getvalue().decode()


def test_an_organizers_font_must_exist(tmp_path: Path) -> None:
    from contest.exports.fonts import FontNotFound, cjk_font

    with pytest.raises(FontNotFound, match="not found"):
        cjk_font("sans", tmp_path / "missing.ttf")
    picture = tmp_path / "logo.png"
    picture.write_bytes(b"\x89PNG")
    with pytest.raises(FontNotFound, match="TrueType"):
        cjk_font("sans", picture)
    assert cjk_font("serif").name == "NotoSerifSC-Regular.otf"


# -- the console's judges page -----------------------------------------------------------------------------------


@dataclass
class Console:
    app: Starlette
    client: httpx.AsyncClient
    api: httpx.AsyncClient
    asgi: Any

    async def contest(self, judges: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
        slug = "tea-cards"
        answer = await self.api.post(
            "/api/contests", content=TOML.format(slug=slug).encode(), headers={"content-type": "application/toml"}
        )
        assert answer.status_code == 201, answer.text
        answer = await self.api.post(f"/api/contests/{slug}/judges", json=judges)
        assert answer.status_code == 201, answer.text
        return slug, {j["code"]: j["token"] for j in answer.json()}

    async def csrf(self, slug: str) -> str:
        page = await self.client.get(f"/admin/contests/{slug}/judges")
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        return found.group(1)

    async def signs_in(self, link_or_token: str) -> bool:
        """Whether a fresh device opening the link is signed in."""
        token = link_or_token.rsplit("/", 1)[-1]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.asgi), base_url="http://testserver") as c:
            return (await c.get(f"/j/{token}")).status_code == 303


@pytest_asyncio.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}", secret_key="cards", public_url="http://testserver"
    )
    app = with_console(create_app(settings))
    async with LifespanManager(app) as manager:
        with app.state.db.begin() as session:
            token = new_token(session, "organizer")
        transport = httpx.ASGITransport(app=manager.app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
            httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers={"authorization": f"Bearer {token}"}
            ) as api,
        ):
            await sign_in(client, token)
            yield Console(app, client, api, manager.app)


PANEL = [
    {"code": "J1", "name": "王喆"},
    {"code": "J2", "name": "李堃"},
    {"code": "CJ", "name": "欧阳娜娜", "chief": True},
]


@pytest.mark.asyncio
async def test_printing_cards_reissues_every_login(console: Console) -> None:
    slug, old = await console.contest(PANEL)
    page = await console.client.get(f"/admin/contests/{slug}/judges")
    assert "打印后旧二维码失效" in page.text and "李堃" in page.text
    csrf = await console.csrf(slug)
    # without ticking the box: refused, and every old card still works
    refused = await console.client.post(f"/admin/contests/{slug}/judges/cards", data={"csrf": csrf})
    assert refused.status_code == 422 and "旧二维码将失效" in refused.text
    assert all([await console.signs_in(t) for t in old.values()])
    answer = await console.client.post(f"/admin/contests/{slug}/judges/cards", data={"csrf": csrf, "confirm": "yes"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert "attachment" in answer.headers["content-disposition"]
    text = text_of(answer.content)
    for judge in PANEL:
        assert text.count(judge["name"]) == 1
    assert text.count("裁判长") == 1 and "手工制茶技能大赛" in text
    links = links_of(answer.content)
    assert len(links) == 3
    assert all([await console.signs_in(link) for link in links])  # the printed cards sign in
    assert not any([await console.signs_in(t) for t in old.values()])  # the old ones stop working at once


@pytest.mark.asyncio
async def test_the_judges_page_adds_reissues_and_revokes(console: Console) -> None:
    slug, old = await console.contest(PANEL[:1])
    csrf = await console.csrf(slug)
    added = await console.client.post(
        f"/admin/contests/{slug}/judges", data={"csrf": csrf, "code": "J9", "name": "孙玥", "chief": "yes"}
    )
    assert added.status_code == 200 and "孙玥" in added.text and "data:image/svg+xml" in added.text
    (link,) = LINK.findall(added.text)
    assert await console.signs_in(link)
    listing = await console.client.get(f"/admin/contests/{slug}/judges")
    assert "孙玥" in listing.text and "裁判长" in listing.text and "有效" in listing.text
    # the same code again: a clear error naming the field, nothing stored
    twice = await console.client.post(f"/admin/contests/{slug}/judges", data={"csrf": csrf, "code": "J1", "name": "x"})
    assert twice.status_code == 409 and "编号: " in twice.text and "Traceback" not in twice.text
    empty = await console.client.post(f"/admin/contests/{slug}/judges", data={"csrf": csrf, "code": " "})
    assert empty.status_code == 422 and "编号" in empty.text
    forged = await console.client.post(f"/admin/contests/{slug}/judges", data={"code": "J7"})
    assert forged.status_code == 403
    assert "J7" not in (await console.client.get(f"/admin/contests/{slug}/judges")).text
    # re-issue: the old link dies at once, the new one works
    again = await console.client.post(f"/admin/contests/{slug}/judges/J1/reissue", data={"csrf": csrf})
    assert again.status_code == 200
    (fresh,) = LINK.findall(again.text)
    assert not await console.signs_in(old["J1"]) and await console.signs_in(fresh)
    # revoke: nothing signs in as J1 any more
    gone = await console.client.post(f"/admin/contests/{slug}/judges/J1/revoke", data={"csrf": csrf})
    assert gone.status_code == 303
    assert not await console.signs_in(fresh)
    listing = await console.client.get(gone.headers["location"])
    assert "无（已吊销）" in listing.text and "J1" in listing.text


def test_cli_writes_the_cards(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    tea = root / "fixtures" / "tea"
    code, _, err = run_cli(capsys, "load", tea / "contest.toml", "--entrants", tea / "entrants.csv", "--db", url)
    assert code == 0, err
    from contest.db.engine import make_engine, make_sessions
    from contest.services.contests import create_judges

    engine = make_engine(url)
    try:
        made = create_judges(make_sessions(engine), "tea-2026", [("P1", "王喆", False), ("P2", "李堃", True)])
    finally:
        engine.dispose()
    out_file = tmp_path / "cards.pdf"
    code, out, err = run_cli(capsys, "judges", "cards", "tea-2026", "-o", out_file, "--db", url)
    assert code == 0, err
    assert "card(s)" in out
    data = out_file.read_bytes()
    text = text_of(data)
    assert "王喆" in text and "李堃" in text and "裁判长" in text
    flat = text.replace("\n", "")
    assert not any(j.token in flat for j in made)  # fresh tokens, not the old ones
    code, _, err = run_cli(capsys, "judges", "cards", "no-such", "-o", tmp_path / "x.pdf", "--db", url)
    assert code != 0 and "no-such" in err and not (tmp_path / "x.pdf").exists()
