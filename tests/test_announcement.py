"""The award list (公示) and the console's certificates page on a real app (the tea fixture in SQLite, an organizer
signed in): nothing before the final round is locked and the list published; garbage in a form is refused naming
the field and publishes nothing; the public page and its PDF list the winners with the dates; certificates are
downloaded from the console."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from pypdf import PdfReader
from test_certificates import SLUG, WINNERS, load_tea

from contest.db.engine import make_engine, make_sessions
from contest.services import rounds
from contest.services.principals import Principal, new_token
from contest.settings import Settings
from contest.web.app import create_app

pytestmark = pytest.mark.asyncio
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAGE = f"/admin/contests/{SLUG}/certificates"
PUBLIC = f"/contests/{SLUG}/announcement"
ORGS = {"李堃": "四川米仓山茶业集团有限公司", "赵德明": "旺苍县黄洋镇富硒茶厂"}


@dataclass
class Console:
    client: httpx.AsyncClient
    url: str

    async def csrf(self) -> str:
        page = await self.client.get(PAGE)
        assert page.status_code == 200, page.text
        found = CSRF.search(page.text)
        assert found
        return found.group(1)

    async def post(self, path: str, **fields: str) -> httpx.Response:
        return await self.client.post(path, data={"csrf": await self.csrf(), **fields})

    def lock(self) -> None:
        engine = make_engine(self.url)
        rounds.set_round(make_sessions(engine), Principal("organizer"), SLUG, "sensory", status="locked")
        engine.dispose()


@pytest_asyncio.fixture
async def console(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> AsyncIterator[Console]:
    url = load_tea(tmp_path, capsys, lock=False)
    app = create_app(Settings(database_url=url, secret_key="announcement"))
    async with LifespanManager(app) as manager:
        with app.state.db.begin() as session:
            token = new_token(session, "organizer")
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            login = await client.get("/admin/login")
            found = CSRF.search(login.text)
            assert found
            signed = await client.post("/admin/login", data={"csrf": found.group(1), "token": token})
            assert signed.status_code == 303
            yield Console(client, url)


def pdf_text(data: bytes) -> str:
    return "".join(re.sub(r"[\s\x00]", "", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages)


async def test_nothing_before_the_final_round_is_locked(console: Console) -> None:
    assert (await console.client.get(PUBLIC)).status_code == 404
    page = await console.client.get(PAGE)
    assert 'id="not-locked"' in page.text
    refused = await console.post(f"/admin/contests/{SLUG}/announcement", days="5", issuer="旺苍县总工会")
    assert refused.status_code == 422 and "请先锁定决赛轮次 &#39;sensory&#39;，再发布获奖名单" in refused.text
    certificates = await console.post(PAGE)
    assert certificates.status_code == 422 and "请先锁定决赛轮次 &#39;sensory&#39;，再颁发证书" in certificates.text
    missing = await console.client.get(PUBLIC)
    assert missing.status_code == 404 and "尚未公示" in missing.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"days": "abc"}, "days", "应为 1 到 60 之间的整数个工作日"),
        ({"days": "0"}, "days", "应为 1 到 60 之间的整数个工作日"),
        ({"days": "61"}, "days", "应为 1 到 60 之间的整数个工作日"),
        ({"days": "5", "date": "2026-02-30"}, "date", "应为形如 2026-05-20 的日期"),
        ({"days": "5", "issuer": "会" * 201}, "issuer", "最多 200 个字符"),
    ],
)
async def test_garbage_is_refused_naming_the_field(
    console: Console, fields: dict[str, str], field: str, message: str
) -> None:
    console.lock()
    refused = await console.post(f"/admin/contests/{SLUG}/announcement", **fields)
    assert refused.status_code == 422
    assert f'<span class="where">{field}</span>' in refused.text and message in refused.text
    assert (await console.client.get(PUBLIC)).status_code == 404  # nothing published
    if field != "days":
        bad = await console.post(PAGE, **{k: v for k, v in fields.items() if k != "days"})
        assert bad.status_code == 422 and message in bad.text


async def test_the_published_list_page_and_pdf(console: Console) -> None:
    console.lock()
    done = await console.post(
        f"/admin/contests/{SLUG}/announcement", days="7", issuer="旺苍县总工会", date="2026-06-01"
    )
    assert done.status_code == 303
    page = await console.client.get(PUBLIC)
    assert page.status_code == 200
    text = page.text
    # 7 working days from Monday 1 June: the 2nd to the 5th, then the 8th to the 10th
    assert "公示期为2026年6月1日至2026年6月10日（7个工作日）" in text and "旺苍县总工会" in text
    positions = [text.index(name) for name, _ in WINNERS]
    assert positions == sorted(positions)
    for name, organization in ORGS.items():
        assert re.search(f"<td>{name}</td><td>{organization}</td>", text)
    assert '<td>李堃</td><td>四川米仓山茶业集团有限公司</td><td>一等奖</td><td class="num">91.77</td>' in text
    assert "张秀英" not in text and "刘建国" not in text
    english = await console.client.get(PUBLIC + "?lang=en")
    assert "from 1 June 2026 to 10 June 2026 (7 working days)" in english.text
    pdf = await console.client.get(PUBLIC + ".pdf?lang=zh_CN")  # the English visit above set the cookie
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    found = pdf_text(pdf.content)
    assert "获奖名单公示" in found and "旺苍县总工会" in found and "2026年6月10日" in found
    for name, award in WINNERS:
        assert name in found and award in found
    assert "张秀英" not in found
    # the console shows it published, and withdrawing takes the public page down
    assert "已于 2026-06-01 公示" in (await console.client.get(PAGE + "?lang=zh_CN")).text
    assert (await console.post(f"/admin/contests/{SLUG}/announcement/withdraw")).status_code == 303
    assert (await console.client.get(PUBLIC)).status_code == 404


async def test_certificates_from_the_console(console: Console) -> None:
    console.lock()
    answer = await console.post(PAGE, issuer="旺苍县总工会", date="2026-06-01")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert "tea-2026-certificates-v" in answer.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == len(WINNERS)
    text = pdf_text(answer.content)
    assert all(name in text for name, _ in WINNERS) and "查验：http://testserver/verify" in text
    everyone = await console.post(PAGE, everyone="1")
    assert len(PdfReader(io.BytesIO(everyone.content)).pages) == len(WINNERS) + 2


async def test_only_a_signed_in_organizer(console: Console) -> None:
    console.lock()
    transport = console.client._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
        assert (await stranger.get(PAGE)).status_code == 303
        assert (await stranger.post(PAGE, data={"csrf": "x"})).status_code in (401, 403)
        assert (await stranger.post(f"/admin/contests/{SLUG}/announcement", data={"days": "5"})).status_code in (
            401,
            403,
        )
        assert (await stranger.get(PUBLIC)).status_code == 404
    # a forged form (no form token) from the signed-in browser is refused too
    assert (await console.client.post(PAGE, data={"issuer": "x"})).status_code == 403
