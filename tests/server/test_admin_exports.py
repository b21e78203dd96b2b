"""The console's downloads (/admin/contests/{slug}/exports) and judge consistency page: signed-in organizers only,
files named after the version they show, the consistency table and charts with every text escaped, garbage answered
with a clear error."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from openpyxl import load_workbook

from tests.server.conftest import Venue, new_slug, setup_contest

pytestmark = pytest.mark.asyncio
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HOSTILE = '<b>"一"</b>'
JUDGES = [
    {"code": "J1", "name": HOSTILE},
    {"code": "J2", "name": "裁判二"},
    {"code": "J3", "name": "裁判三"},
    {"code": "CJ", "name": "裁判长", "chief": True},
]
# J3 ranks the four entrants in reverse of J1 and J2 (and of the panel's medians)
SCORES = {"J1": [5, 6, 7, 8], "J2": [5.5, 6.5, 7.5, 8.5], "J3": [9, 8, 7, 6]}


async def sign_in(client: httpx.AsyncClient, token: str) -> None:
    """Sign the client in through the console's login page (a link alone never signs in: the form posts it)."""
    page = await client.get(f"/admin/login?token={token}")
    found = CSRF.search(page.text)
    assert found, page.text[:300]
    response = await client.post("/admin/login", data={"token": token, "csrf": found.group(1), "next": "/admin"})
    assert response.status_code == 303, response.text


async def version_of(venue: Venue, slug: str) -> int:
    headers = {"authorization": f"Bearer {venue.organizer}"}
    response = await venue.client.get(f"/api/contests/{slug}/standings", headers=headers)
    version: int = response.json()["version"]
    return version


async def scored(venue: Venue) -> tuple[str, dict[str, str]]:
    slug = new_slug("export")
    tokens = await setup_contest(venue.client, venue.organizer, slug, judges=JUDGES)
    for judge, values in SCORES.items():
        for entrant, value in zip(["E1", "E2", "E3", "E4"], values, strict=True):
            body = {"entrant": entrant, "round": "prelim", "item": 1, "values": {"execution": str(value)}}
            body["client_id"] = f"{slug}-{judge}-{entrant}"
            response = await venue.client.post(
                f"/api/contests/{slug}/marks", json=body, headers={"authorization": f"Bearer {tokens[judge]}"}
            )
            assert response.status_code == 201, response.text
    return slug, tokens


async def test_consistency_page_table_and_charts(venue: Venue) -> None:
    slug, _ = await scored(venue)
    await sign_in(venue.client, venue.organizer)
    page = await venue.client.get(f"/admin/contests/{slug}/consistency")
    assert page.status_code == 200
    html = page.text
    assert "评委一致性" in html and f"截至版本 {await version_of(venue, slug)}。" in html
    assert html.count("<svg") == 3  # one round with marks: deviation, trims, correlation
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", html, re.S)
    cells = {name.strip(): re.findall(r'<td class="num">(.*?)</td>', rest) for name, rest in rows}
    assert cells["J3 裁判三"][-1] == "-1.00"  # the reversed ranking
    assert cells["J2 裁判二"][-1] == "+1.00"
    # a judge's name is text everywhere: in the table and inside the SVG
    assert HOSTILE not in html and "<b>" not in html
    assert "&lt;b&gt;&#34;一&#34;&lt;/b&gt;" in html or "&lt;b&gt;&quot;一&quot;&lt;/b&gt;" in html
    # the spread rule's threshold: garbage is refused with a clear message, the page still shows
    refused = await venue.client.get(f"/admin/contests/{slug}/consistency?spread=abc")
    assert refused.status_code == 422
    assert "abc" in refused.text and "<svg" in refused.text
    narrow = await venue.client.get(f"/admin/contests/{slug}/consistency?spread=0.5")
    assert narrow.status_code == 200 and "0.5" in narrow.text


async def test_downloads_name_their_version(venue: Venue) -> None:
    slug, _ = await scored(venue)
    await sign_in(venue.client, venue.organizer)
    page = await venue.client.get(f"/admin/contests/{slug}/exports")
    assert page.status_code == 200
    version = await version_of(venue, slug)
    assert f"/admin/contests/{slug}/exports/results.xlsx" in page.text
    assert f"{slug}-v{version}.xlsx" in page.text
    book_response = await venue.client.get(f"/admin/contests/{slug}/exports/results.xlsx?lang=zh_CN")
    assert book_response.status_code == 200
    assert book_response.headers["content-disposition"] == f'attachment; filename="{slug}-v{version}.xlsx"'
    book = load_workbook(io.BytesIO(book_response.content))
    assert book.sheetnames[0] == "说明"
    assert book["说明"]["B4"].value == f"截至版本 {version}"
    consistency = [r for r in book["评委一致性"].iter_rows(values_only=True)][1:]
    assert [r[1] for r in consistency] == [f"J1 {HOSTILE}", "J2 裁判二", "J3 裁判三"]
    assert consistency[2][-1] == pytest.approx(-1.0)
    csv_response = await venue.client.get(f"/admin/contests/{slug}/exports/results.csv?round=prelim&lang=en")
    assert csv_response.status_code == 200
    assert csv_response.headers["content-disposition"] == f'attachment; filename="{slug}-prelim-v{version}.csv"'
    assert csv_response.content.startswith(b"\xef\xbb\xbfRank,Code,Name,Organization,")
    bad = await venue.client.get(f"/admin/contests/{slug}/exports/results.csv?round=%3Cx%3E")
    assert bad.status_code == 422
    assert "&lt;x&gt;" in bad.text and "<x>" not in bad.text
    missing = await venue.client.get("/admin/contests/no-such/exports/results.xlsx")
    assert missing.status_code == 404


async def test_only_signed_in_organizers(venue: Venue) -> None:
    slug, _ = await scored(venue)
    for path in ("exports", "exports/results.xlsx", "exports/results.csv", "consistency"):
        response = await venue.client.get(f"/admin/contests/{slug}/{path}")
        assert response.status_code == 303 and response.headers["location"].startswith("/admin/login"), path
