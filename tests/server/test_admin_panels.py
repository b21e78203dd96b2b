"""The console's panels page (评委分组, /admin/contests/{slug}/panels) against the real app: it shows each round's
panels with their judges' names, entrants and loads and warns of recused pairs the contest file's ranges produce;
a draw from its form stores exactly what the API's draw stores for the same seed; a bad seed or a missing reason is
refused next to its field with nothing changed; an upload of the downloaded file round-trips; judges and anonymous
callers are kept out."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
import pytest_asyncio
from openpyxl import load_workbook
from starlette.applications import Starlette

from tests.server.conftest import app_token, bearer, client_id, new_slug, setup_contest
from tests.server.test_admin_core import sign_in
from tests.server.test_assignments_api import ENTRANTS, JUDGES, PANELS_TOML

pytestmark = pytest.mark.asyncio

# J1 (panel A, A001-A004) is of 四川 like A001 and A004; J4 (panel B, A005-A008) of 广东 like A005 and A008
TOML = PANELS_TOML.replace('J1 = "广东", J4 = "四川"', 'J1 = "四川", J4 = "广东"')


class Console:
    def __init__(self, client: httpx.AsyncClient, organizer: str, slug: str, judges: dict[str, str]) -> None:
        self.client, self.organizer, self.slug, self.judges = client, organizer, slug, judges
        self.csrf = ""

    @property
    def page_url(self) -> str:
        return f"/admin/contests/{self.slug}/panels"

    async def page(self, **params: str) -> str:
        answer = await self.client.get(self.page_url, params=params)
        assert answer.status_code == 200, answer.text[:2000]
        return answer.text

    async def draw(self, **form: str) -> httpx.Response:
        return await self.client.post(f"{self.page_url}/draw", data={"csrf": self.csrf, **form})

    async def assignments(self, slug: str | None = None) -> dict[str, Any]:
        answer = await self.client.get(f"/api/contests/{slug or self.slug}/assignments", headers=bearer(self.organizer))
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


async def new_contest(client: httpx.AsyncClient, organizer: str) -> tuple[str, dict[str, str]]:
    slug = new_slug("panels")
    judges = await setup_contest(client, organizer, slug, toml=TOML.format(slug=slug), entrants=ENTRANTS, judges=JUDGES)
    return slug, judges


@pytest_asyncio.fixture
async def console(app: Starlette, app_client: httpx.AsyncClient) -> Console:
    organizer = app_token(app, "organizer")
    slug, judges = await new_contest(app_client, organizer)
    found = Console(app_client, organizer, slug, judges)
    found.csrf = await sign_in(app_client, organizer)
    return found


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def loads(html: str) -> dict[str, int]:
    table = html.split('class="admin-table panels-loads"')[1].split("</table>")[0]
    return {j: int(n) for j, n in re.findall(r'data-judge="([^"]+)">.*?<td class="num">(\d+)</td>', table)}


async def test_the_page_shows_panels_names_loads_and_recused_pairs(console: Console) -> None:
    html = await console.page()
    assert "评委分组" in html and "第一组" in html and "第二组" in html  # Chinese first
    prelim = section(html, "panels-prelim")
    assert "J1 裁判1" in prelim and "J6 裁判6" in prelim  # judges with their names
    assert "A001</code> 选手1" in prelim and "A008</code> 选手8" in prelim  # entrants with theirs (not blind)
    assert loads(prelim) == {f"J{n}": 4 for n in range(1, 7)}
    # the file's ranges put J1 on A001 and A004 (四川), J4 on A005 and A008 (广东): warned of, as the API lists them
    listed = (await console.assignments())["recused"]
    recused = prelim.split("panels-recused")[1].split("</div>")[0]
    assert len(listed) == 4 and recused.count("<li>") == 4
    assert "评委 J1 与选手 A001 同一单位（四川）" in recused and "A008" in recused
    english = await console.page(lang="en")
    assert "Who judges whom" in english and "loads</h3>" in english and "Recused pairs" in english
    for why in listed:
        assert why in english  # the API's very reasons


async def test_a_draw_from_the_form_stores_what_the_api_draw_stores(console: Console) -> None:
    twin, _ = await new_contest(console.client, console.organizer)  # the same entrants, judges and file
    page = await console.page()
    seed = re.search(r'id="draw-seed"[^>]*value="(\d+)"', page)
    assert seed is not None  # a fresh random seed, prefilled
    drawn = await console.draw(round="prelim", seed="2026", method="judges", reason="")
    assert drawn.status_code == 303, drawn.text[:2000]
    by_api = await console.client.post(
        f"/api/contests/{twin}/assignments/draw",
        json={"round": "prelim", "seed": 2026, "method": "judges"},
        headers=bearer(console.organizer),
    )
    assert by_api.status_code == 201, by_api.text
    mine, theirs = await console.assignments(), await console.assignments(twin)
    assert mine["rows"] == theirs["rows"] and len(mine["rows"]) == 8 * 3
    assert mine["recused"] == []  # recusal held
    assert mine["changes"][-1]["seed"] == "2026" and mine["changes"][-1]["method"] == "judges"

    html = await console.page(done="drawn")
    assert "2026" in section(html, "panels-log")
    assert loads(section(html, "panels-prelim")) == {f"J{n}": 4 for n in range(1, 7)}  # balanced: 8 x 3 / 6

    panels = await console.draw(round="prelim", seed="7", method="panels")  # whole panels of the contest file
    assert panels.status_code == 303
    rows = (await console.assignments())["rows"]
    assert {r["panel"] for r in rows} == {"A", "B"} and (await console.assignments())["recused"] == []


@pytest.mark.parametrize(
    ("form", "where"),
    [
        ({"round": "prelim", "seed": "abc"}, "draw-seed-error"),
        ({"round": "prelim", "seed": "-1"}, "draw-seed-error"),
        ({"round": "prelim", "seed": str(2**63)}, "draw-seed-error"),
        ({"round": "prelim", "seed": ""}, "draw-seed-error"),
        ({"round": "prelim", "seed": "²"}, "draw-seed-error"),
        ({"round": "prelim", "seed": "1e9"}, "draw-seed-error"),
        ({"round": "nope", "seed": "1"}, "draw-round-error"),
        ({"round": "prelim", "seed": "1", "method": "dice"}, "draw-method-error"),
    ],
)
async def test_a_bad_draw_form_is_refused_next_to_its_field(console: Console, form: dict[str, str], where: str) -> None:
    before = await console.assignments()
    refused = await console.draw(**form)
    assert refused.status_code == 422
    assert f'id="{where}"' in refused.text and 'role="alert"' in refused.text
    assert await console.assignments() == before


async def test_after_marks_a_draw_and_an_upload_need_a_reason(console: Console) -> None:
    assert (await console.draw(round="prelim", seed="5", method="judges")).status_code == 303  # no recused pair
    judge = next(r["judge"] for r in (await console.assignments())["rows"] if r["entrant"] == "A002")
    body = {"entrant": "A002", "round": "prelim", "item": 1, "values": {"execution": "8"}, "client_id": client_id()}
    marked = await console.client.post(
        f"/api/contests/{console.slug}/marks", json=body, headers=bearer(console.judges[judge])
    )
    assert marked.status_code == 201, marked.text
    before = await console.assignments()
    refused = await console.draw(round="prelim", seed="11", method="panels")
    assert refused.status_code == 422
    error = section(refused.text, "panels-draw").split('id="draw-reason-error"')[1].split("</p>")[0]
    assert "原因" in error and "1" in error
    assert 'value="11"' in refused.text  # what was typed stays
    csv_text = (await console.client.get(f"/api/contests/{console.slug}/assignments?format=csv")).text
    upload = await console.client.post(
        f"{console.page_url}/upload",
        data={"csrf": console.csrf, "reason": ""},
        files={"file": ("a.csv", csv_text.encode("utf-8"), "text/csv")},
    )
    assert upload.status_code == 422
    assert 'id="upload-reason-error"' in upload.text, re.findall(r'role="alert"[^<]*<', upload.text)
    assert await console.assignments() == before
    # the judge marked A002's item 1: a draw taking them off it is refused (409, naming the mark), nothing changed
    outcomes = set()
    for seed in range(40):
        kept = await console.draw(round="prelim", seed=str(seed), method="panels", reason="平衡工作量")
        outcomes.add(kept.status_code)
        if kept.status_code == 303:
            break
        assert kept.status_code == 409 and judge in kept.text and 'role="alert"' in kept.text
        assert await console.assignments() == before
    assert 303 in outcomes
    log = (await console.assignments())["changes"][-1]
    assert log["reason"] == "平衡工作量" and log["marks"] == 1 and log["kept"][0]["judge"] == judge
    shown = section(await console.page(), "panels-log")
    assert "平衡工作量" in shown and f"A002 · 1 · execution · {judge}: 8" in shown


async def test_an_upload_of_the_download_round_trips_and_a_bad_one_changes_nothing(console: Console) -> None:
    assert (await console.draw(round="prelim", seed="3", method="panels")).status_code == 303  # no recused pair
    before = await console.assignments()
    download = await console.client.get(f"/api/contests/{console.slug}/assignments?format=csv")  # the page's link
    assert download.status_code == 200 and download.content.startswith("\ufeff".encode())
    assert f'href="/api/contests/{console.slug}/assignments?format=csv"' in await console.page()
    header = next(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert header == ["entrant", "round", "item", "criterion", "panel", "judge"]
    uploaded = await console.client.post(
        f"{console.page_url}/upload",
        data={"csrf": console.csrf},
        files={"file": ("assignments.csv", download.content, "text/csv")},
    )
    assert uploaded.status_code == 303, uploaded.text[:2000]
    after = await console.assignments()
    assert after["rows"] == before["rows"] and after["changes"][-1]["source"] == "upload"

    workbook = await console.client.get(f"/api/contests/{console.slug}/assignments?format=xlsx")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None and sheet.max_row == 1 + len(before["rows"])
    again = await console.client.post(
        f"{console.page_url}/upload",
        data={"csrf": console.csrf},
        files={"file": ("assignments.xlsx", workbook.content, "application/octet-stream")},
    )
    assert again.status_code == 303

    for name, content in (
        ("bad.csv", b"entrant,round,judge\nA001,prelim,J9\n"),  # no such judge
        ("bad.csv", b"entrant,round,panel\nA001,prelim,Z\n"),  # no such panel
        ("bad.txt", b"whatever"),
        ("bad.xlsx", b"not a workbook"),
    ):
        refused = await console.client.post(
            f"{console.page_url}/upload", data={"csrf": console.csrf}, files={"file": (name, content, "text/csv")}
        )
        assert refused.status_code in (400, 409, 422), refused.text[:500]
        assert 'id="upload-file-error"' in refused.text
        assert (await console.assignments())["rows"] == before["rows"]


async def test_judges_anonymous_callers_and_forged_forms_are_kept_out(console: Console) -> None:
    anonymous = httpx.AsyncClient(transport=console.client._transport, base_url="http://testserver")
    async with anonymous:
        page = await anonymous.get(console.page_url)
        assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
        judge = await anonymous.get(console.page_url, headers=bearer(console.judges["J1"]))
        assert judge.status_code == 303  # the console signs in by session only
        assert (
            await anonymous.post(f"{console.page_url}/draw", data={"round": "prelim", "seed": "1"})
        ).status_code == 401
        login = await anonymous.get(f"/admin/login?token={console.judges['J1']}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert csrf is not None
        refused = await anonymous.post("/admin/login", data={"token": console.judges["J1"], "csrf": csrf.group(1)})
        assert refused.status_code in (401, 422)
        assert (await anonymous.get(console.page_url)).status_code == 303
    before = await console.assignments()
    forged = await console.client.post(f"{console.page_url}/draw", data={"round": "prelim", "seed": "1"})
    assert forged.status_code == 403  # the organizer's session, but no form token
    assert await console.assignments() == before


async def test_a_blind_contest_shows_codes_only(console: Console) -> None:
    slug = new_slug("blind")
    toml = TOML.format(slug=slug).replace("decimals = 2\n", "decimals = 2\nblind = true\n", 1)
    await setup_contest(console.client, console.organizer, slug, toml=toml, entrants=ENTRANTS, judges=JUDGES)
    html = (await console.client.get(f"/admin/contests/{slug}/panels")).text
    prelim = section(html, "panels-prelim")
    assert "<code>A001</code>" in prelim and "选手1" not in html  # the names stay sealed, as on the score sheets
    assert "J1 裁判1" in prelim and "仅显示编号" in html


async def test_a_forged_upload_is_refused_and_changes_nothing(console: Console) -> None:
    before = await console.assignments()
    forged = await console.client.post(
        f"{console.page_url}/upload", files={"file": ("a.csv", b"entrant,round,judge\nA001,prelim,J2\n", "text/csv")}
    )
    assert forged.status_code == 403
    assert await console.assignments() == before


async def test_a_contest_without_panels_says_so_and_offers_no_draw(console: Console) -> None:
    slug = new_slug("plain")
    await setup_contest(console.client, console.organizer, slug)  # one round, judged by its whole panel
    html = (await console.client.get(f"/admin/contests/{slug}/panels")).text
    assert "未分组：全体评委评所有选手" in html and "没有轮次设置 panel_size" in html
    assert 'id="draw-seed"' not in html
    refused = await console.client.post(
        f"/admin/contests/{slug}/panels/draw", data={"csrf": console.csrf, "round": "prelim", "seed": "1"}
    )
    assert refused.status_code == 422 and 'id="draw-round-error"' in refused.text and "panel_size" in refused.text
