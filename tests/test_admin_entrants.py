"""The console's entrant import on a real app (temp SQLite file, lifespan run): upload -> preview with every row and
its problems -> confirm. XLSX and CSV, Chinese headers, GB18030 from old Excel; garbage files refused with a clear
message; nothing saved before the confirm, and nothing at all when anything is wrong."""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser, expect
from starlette.applications import Starlette

from contest.db import queries
from contest.services.principals import new_token
from contest.settings import Settings
from contest.web.app import create_app
from tests.server.conftest import ServerProcess, bearer, make_token

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "tea" / "entrants-sample.xlsx"
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
label = "决赛"
criteria = ["外形"]
"""
CHINESE_CSV = "选手编号,姓名,工作单位,组别\nT01,王喆,旺苍县木门镇茶厂,职工组\nT02,李堃,米仓山茶业集团,学生组\n"


@dataclass
class Console:
    app: Starlette
    client: httpx.AsyncClient
    token: str  # the organizer's

    async def contest(self) -> str:
        slug = f"c-{uuid.uuid4().hex[:8]}"
        answer = await self.client.post(
            "/api/contests",
            content=TOML.format(slug=slug).encode(),
            headers={"content-type": "application/toml", "authorization": f"Bearer {self.token}"},
        )
        assert answer.status_code == 201, answer.text
        return slug

    async def entrants(self, slug: str) -> list[dict[str, str]]:
        """The contest's entrants as stored (read straight from the database)."""
        with self.app.state.db() as session:
            contest = queries.contest_by_slug(session, slug)
            assert contest is not None
            return [
                {"code": e.code, "name": e.name, "organization": e.organization, "group": e.group}
                for e in queries.entrants_of(session, contest.id)
            ]

    async def upload(self, slug: str, name: str, data: bytes, mode: str = "add", lang: str = "") -> httpx.Response:
        page = await self.client.get(f"/admin/contests/{slug}/entrants")
        assert page.status_code == 200, page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        return await self.client.post(
            f"/admin/contests/{slug}/entrants/preview" + (f"?lang={lang}" if lang else ""),
            data={"csrf": csrf.group(1), "mode": mode},
            files={"file": (name, data)},
        )

    async def confirm(self, slug: str, preview: httpx.Response) -> httpx.Response:
        stash = re.search(r'name="stash" value="([^"]+)"', preview.text)
        csrf = re.search(r'name="csrf" value="([^"]+)"', preview.text)
        assert stash is not None and csrf is not None, preview.text
        return await self.client.post(
            f"/admin/contests/{slug}/entrants/confirm", data={"csrf": csrf.group(1), "stash": stash.group(1)}
        )


def with_console(app: Starlette) -> Starlette:
    """The app with the console's routes (app.py mounts them; added here if it does not yet)."""
    from contest.web.pages import admin

    if not any(getattr(r, "path", "") == "/admin/contests/{slug}/entrants" for r in app.router.routes):
        app.router.routes[0:0] = admin.routes()
    return app


async def sign_in(client: httpx.AsyncClient, token: str) -> None:
    """An organizer signs in to the console with their token (the login form, with its form token)."""
    page = await client.get("/admin/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    answer = await client.post("/admin/login", data={"csrf": csrf.group(1), "token": token})
    assert answer.status_code == 303, answer.text


@pytest_asyncio.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    app = with_console(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", secret_key="admin-entrants")))
    async with LifespanManager(app) as manager:
        with app.state.db.begin() as session:
            token = new_token(session, "organizer")
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await sign_in(client, token)
            yield Console(app, client, token)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def codes(console: Console, slug: str) -> list[str]:
    return [e["code"] for e in await console.entrants(slug)]


@pytest.mark.asyncio
async def test_gb18030_csv_with_chinese_headers_round_trips(console: Console) -> None:
    slug = await console.contest()
    preview = await console.upload(slug, "名单.csv", CHINESE_CSV.encode("gb18030"))
    assert preview.status_code == 200, preview.text
    assert "王喆" in preview.text and "旺苍县木门镇茶厂" in preview.text and "职工组" in preview.text
    assert await codes(console, slug) == []  # the preview saved nothing
    done = await console.confirm(slug, preview)
    assert done.status_code == 303 and done.headers["location"].endswith("imported=2")
    people = {e["code"]: e for e in await console.entrants(slug)}
    assert people["T01"]["name"] == "王喆" and people["T02"]["organization"] == "米仓山茶业集团"
    assert people["T02"]["group"] == "学生组"
    listing = await console.client.get(f"/admin/contests/{slug}/entrants")
    assert "李堃" in listing.text and "2" in listing.text
    # the same stash cannot be confirmed twice
    again = await console.confirm(slug, preview)
    assert again.status_code == 422 and "上传" in again.text


@pytest.mark.asyncio
async def test_xlsx_with_chinese_headers_round_trips(console: Console) -> None:
    slug = await console.contest()
    data = xlsx(
        [
            ["工位号", "* 姓 名（必填）", "单位名称", "参赛组别", "身份证后四位"],
            ["A01", "欧阳娜娜", "县供销社", "职工组", 1234],
        ]
    )
    preview = await console.upload(slug, "entrants.xlsx", data)
    assert preview.status_code == 200, preview.text
    assert "欧阳娜娜" in preview.text and "身份证后四位" in preview.text
    assert (await console.confirm(slug, preview)).status_code == 303
    (person,) = await console.entrants(slug)
    assert (person["code"], person["name"], person["organization"]) == ("A01", "欧阳娜娜", "县供销社")
    assert person["group"] == "职工组"


@pytest.mark.asyncio
async def test_the_sample_workbook_imports(console: Console) -> None:
    slug = await console.contest()
    preview = await console.upload(slug, SAMPLE.name, SAMPLE.read_bytes())
    assert preview.status_code == 200, preview.text
    assert (await console.confirm(slug, preview)).status_code == 303
    book = load_workbook(io.BytesIO(SAMPLE.read_bytes()), read_only=True)
    expected = [str(row[0]) for row in book.worksheets[0].iter_rows(min_row=2, values_only=True) if row[0]]
    book.close()
    assert await codes(console, slug) == expected


@pytest.mark.asyncio
async def test_bad_rows_are_named_and_nothing_is_saved(console: Console) -> None:
    slug = await console.contest()
    first = await console.upload(slug, "a.csv", "编号,姓名\nT01,王芳\n".encode())
    assert (await console.confirm(slug, first)).status_code == 303
    long_name = "长" * 201
    bad = f"编号,姓名,单位\nT02,李四,厂\nT02,重复,厂\nT01,已有,厂\n,无编号,厂\nT05,{long_name},厂\nT06,赵\x00六,厂\n"
    preview = await console.upload(slug, "bad.csv", bad.encode())
    assert preview.status_code == 422
    text = preview.text
    for row in ("3", "4", "5", "6", "7"):
        assert f"bad.csv 第 {row} 行" in text, row
    assert 'name="stash"' not in text  # no confirm button
    assert await codes(console, slug) == ["T01"]
    english = await console.upload(slug, "bad.csv", bad.encode(), lang="en")
    said = html.unescape(english.text)
    assert "bad.csv row 3, column 编号: code 'T02' is already used in row 2" in said
    assert "bad.csv row 4, column 编号: code 'T01' is already in this contest" in said
    assert "bad.csv row 5, column 编号: the entrant code is empty" in said
    assert "row 6, column 姓名: longer than 200 characters" in said
    assert "row 7, column 姓名: contains a control character" in said


@pytest.mark.asyncio
async def test_formula_like_cells_are_kept_as_text_with_a_warning(console: Console) -> None:
    slug = await console.contest()
    data = xlsx(
        [["编号", "姓名", "单位"], ["T01", '=HYPERLINK("http://x.example","点我")', "+cmd"], ["T02", "@SUM", "-2+3"]]
    )
    preview = await console.upload(slug, "f.xlsx", data)
    assert preview.status_code == 200, preview.text
    assert preview.text.count("⚠") == 4 and "=HYPERLINK(&#34;http://x.example&#34;" in preview.text
    assert (await console.confirm(slug, preview)).status_code == 303
    people = {e["code"]: e for e in await console.entrants(slug)}
    assert people["T01"]["name"].startswith("=HYPERLINK(") and people["T02"]["organization"] == "-2+3"


@pytest.mark.asyncio
async def test_the_confirm_checks_again_and_saves_all_or_nothing(console: Console) -> None:
    slug = await console.contest()
    preview = await console.upload(slug, "a.csv", "编号,姓名\nT01,王芳\nT02,李堃\n".encode())
    assert preview.status_code == 200
    # meanwhile T02 is added another way: the confirm finds it, says so, and saves neither row
    meanwhile = await console.client.put(
        f"/api/contests/{slug}/entrants",
        json=[{"code": "T02", "name": "先到"}],
        headers={"authorization": f"Bearer {console.token}"},
    )
    assert meanwhile.status_code == 200, meanwhile.text
    done = await console.confirm(slug, preview)
    assert done.status_code == 422 and "a.csv 第 3 行" in done.text and "T02" in done.text
    assert await codes(console, slug) == ["T02"]


@pytest.mark.asyncio
async def test_replace_removes_the_others_add_refuses_existing_codes(console: Console) -> None:
    slug = await console.contest()
    assert (
        await console.confirm(slug, await console.upload(slug, "a.csv", b"code,name\nA,1\nB,2\n"))
    ).status_code == 303
    refused = await console.upload(slug, "b.csv", b"code,name\nB,x\nC,3\n")
    assert refused.status_code == 422
    replaced = await console.upload(slug, "b.csv", b"code,name\nB,x\nC,3\n", mode="replace")
    assert replaced.status_code == 200 and "A" in replaced.text
    assert await codes(console, slug) == ["A", "B"]
    assert (await console.confirm(slug, replaced)).status_code == 303
    assert await codes(console, slug) == ["B", "C"]


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return out.getvalue()


GARBAGE = [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel 97-2003"),
    ("scan.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    ("list.xlsx", _zip(["word/document.xml", "[Content_Types].xml"]), "zip"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "UTF-8 or GB18030"),
    ("names.csv", b"\xff\xfe\x00\xd8" + b"\x00\x00" * 40, "UTF-8 or GB18030"),
    ("notes.docx", b"hello", ".docx"),
    ("empty.csv", b"", "empty"),
    ("cols.csv", "姓名,单位\n王芳,厂\n".encode(), "编号"),
    ("broken.xlsx", b"this is not a workbook", ".xlsx"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "data", "said"), GARBAGE, ids=[g[0] for g in GARBAGE])
async def test_garbage_files_are_refused_clearly(console: Console, name: str, data: bytes, said: str) -> None:
    slug = await console.contest()
    before = await codes(console, slug)
    answer = await console.upload(slug, name, data)
    assert answer.status_code == 422, answer.text
    assert "Traceback" not in answer.text and 'name="stash"' not in answer.text
    english = await console.upload(slug, name, data, lang="en")
    assert english.status_code == 422 and name in english.text and said in english.text, english.text
    assert await codes(console, slug) == before


@pytest.mark.asyncio
async def test_forms_need_the_form_token_and_an_organizer(console: Console) -> None:
    slug = await console.contest()
    stranger = httpx.AsyncClient(transport=console.client._transport, base_url="http://testserver")
    async with stranger:
        page = await stranger.get(f"/admin/contests/{slug}/entrants")
        assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
        refused = await stranger.post(
            f"/admin/contests/{slug}/entrants/preview", files={"file": ("a.csv", b"code,name\nA,1\n")}
        )
        assert refused.status_code == 401 and "Traceback" not in refused.text
    # signed in, but a form without the page's form token (another site's form): refused
    forged = await console.client.post(
        f"/admin/contests/{slug}/entrants/preview", data={"mode": "add"}, files={"file": ("a.csv", b"code,name\nA,1\n")}
    )
    assert forged.status_code == 403
    assert await codes(console, slug) == []


# -- in real Chromium, against a real `contest serve` -----------------------------------------------------------


def test_an_organizer_imports_the_sample_and_prints_cards_in_chromium(
    browser: Browser, chromium_path: str, tmp_path: Path
) -> None:
    """The README's walk: sign in, import the sample workbook (preview, then confirm), add judges, print the cards.
    Screenshots go to docs/screenshots/ when CONTEST_README_SHOTS=1."""
    shots = ROOT / "docs" / "screenshots" if os.environ.get("CONTEST_README_SHOTS") == "1" else tmp_path
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    organizer = make_token(url, "organizer")
    process = ServerProcess(url, tmp_path / "server.log").start()
    try:
        base = process.url
        tea = (ROOT / "fixtures" / "tea" / "contest.toml").read_text(encoding="utf-8")
        with httpx.Client(base_url=base, headers=bearer(organizer), timeout=30) as api:
            made = api.post("/api/contests", content=tea.encode(), headers={"content-type": "application/toml"})
            assert made.status_code == 201, made.text
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        page.goto(f"{base}/admin/login?token={organizer}")
        page.get_by_role("button", name="登录").click()
        page.goto(f"{base}/admin/contests/tea-2026/entrants")
        page.locator("input[type=file]").set_input_files(str(SAMPLE))
        page.get_by_role("button", name="检查文件").click()
        expect(page.get_by_role("heading", name=re.compile("核对导入"))).to_be_visible()
        expect(page.locator("table.admin-preview tbody tr")).to_have_count(8)
        expect(page.locator("table.admin-preview")).to_contain_text("王喆")
        page.screenshot(path=str(shots / "admin-entrants-preview.png"), full_page=True)
        page.get_by_role("button", name="导入 8 名选手").click()
        expect(page.get_by_text("已导入 8 名选手。")).to_be_visible()

        page.goto(f"{base}/admin/contests/tea-2026/judges")
        for code, name in (("J1", "王建华"), ("J2", "李淑芬"), ("C1", "欧阳明")):
            page.locator("input[name=code]").fill(code)
            page.locator("input[name=name]").fill(name)
            if code == "C1":
                page.locator("input[name=chief]").check()
            page.get_by_role("button", name="添加", exact=True).click()
            expect(page.locator(".admin-login-card img")).to_be_visible()
            page.get_by_role("link", name="返回裁判列表").click()
        expect(page.locator("table.admin-judges tbody tr")).to_have_count(3)
        page.screenshot(path=str(shots / "admin-judges.png"), full_page=True)
        page.locator("input[name=confirm]").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="打印登录卡（PDF）").click()
        pdf = tmp_path / "cards.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf), str(shots / "judge-cards")])
        page.context.close()
    finally:
        process.kill()
