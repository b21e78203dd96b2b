"""/verify/{serial} on a real app (the tea fixture in SQLite, certificates written by `contest certificates`): the
serials printed on the certificates are confirmed with the name, contest, award and date; an altered, invented or
foreign serial is refused clearly (404); a certificate whose award a later correction took away is shown as such."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from conftest import FIXTURES, run_cli
from test_certificates import SLUG, WINNERS, load_tea, serials_of

from contest.db.engine import make_engine, make_sessions
from contest.services import rounds, serials
from contest.services.principals import Principal
from contest.settings import Settings
from contest.web.app import create_app

pytestmark = pytest.mark.asyncio
Issued = tuple[httpx.AsyncClient, list[str], str]  # the client, the serials printed, the database URL


@pytest_asyncio.fixture
async def issued(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> AsyncIterator[Issued]:
    url = load_tea(tmp_path, capsys)
    out = tmp_path / "certs.pdf"
    code, _, err = run_cli(capsys, "certificates", SLUG, "--db", url, "-o", out, "--date", "2026-06-01")
    assert code == 0, err
    app = create_app(Settings(database_url=url, secret_key="verify-page"))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, serials_of(out), url


async def test_a_real_serial_is_confirmed(issued: Issued) -> None:
    client, found, _ = issued
    for serial, (name, award) in zip(found, WINNERS, strict=True):
        page = await client.get(f"/verify/{serial}")
        assert page.status_code == 200
        assert 'data-state="genuine"' in page.text and "此证书真实有效" in page.text
        for shown in (name, award, "2026 旺苍县第十三届米仓山采茶节 手工制茶技能大赛", "2026年6月1日", serial):
            assert shown in page.text
    english = await client.get(f"/verify/{found[0]}?lang=en")
    assert "This certificate is genuine" in english.text and "1 June 2026" in english.text
    # typed by hand: lower case, without the dashes
    assert (await client.get(f"/verify/{found[0].lower().replace('-', '')}")).status_code == 200


async def test_altered_invented_and_foreign_serials_are_refused(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, found, _ = issued
    serial = found[0]
    flipped = serial[:5] + ("B" if serial[5] == "A" else "A") + serial[6:]
    for bad in (flipped, serial[:-1] + ("A" if serial[-1] != "A" else "B"), serial[:-5], "AAAA-" * 6 + "AA"):
        page = await client.get(f"/verify/{bad}")
        assert page.status_code == 404, bad
        assert "此证书编号无效" in page.text and "李堃" not in page.text
    garbage = await client.get("/verify/hello%3Cscript%3E")
    assert garbage.status_code == 404 and "这不是本系统的证书编号" in garbage.text and "<script>" not in garbage.text
    assert (await client.get("/verify/" + "A" * 500)).status_code == 404
    # the same contest on another server (another database: another key) issues serials this one refuses
    other = tmp_path / "other"
    other.mkdir()
    url = load_tea(other, capsys)
    assert run_cli(capsys, "certificates", SLUG, "--db", url, "-o", other / "c.pdf")[0] == 0
    foreign = serials_of(other / "c.pdf")[0]
    page = await client.get(f"/verify/{foreign}")
    assert page.status_code == 404 and "篡改或系伪造" in page.text


async def test_a_serial_pointed_at_another_contest_is_refused(
    issued: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    client, found, url = issued
    dive = FIXTURES / "diving"
    args = ["--entrants", dive / "entrants.csv", "--marks", dive / "marks.csv", "--db", url]
    assert run_cli(capsys, "load", dive / "contest.toml", *args)[0] == 0
    parsed = serials.parse(found[0])
    assert parsed is not None
    claim, mac = parsed
    # the same signature over the other contest's id (2) and its first entrant: not what was signed
    for contest_id, entrant_id in ((2, claim.entrant_id), (2, 9), (claim.contest_id, claim.entrant_id + 1)):
        numbers = (contest_id, entrant_id, claim.award, claim.version, (claim.issued - serials.EPOCH).days)
        payload = b"".join(serials._varint(n) for n in numbers) + mac
        moved = base64.b32encode(payload).decode().rstrip("=")
        page = await client.get(f"/verify/{moved}")
        assert page.status_code == 404 and "此证书编号无效" in page.text


async def test_a_certificate_whose_award_a_correction_took_away(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, found, url = issued
    engine = make_engine(url)
    db = make_sessions(engine)
    rounds.set_round(db, Principal("organizer"), SLUG, "sensory", status="open", reason="复核更正")
    engine.dispose()
    # 李堃 (T02)'s sensory marks corrected down: no longer first
    lines = (FIXTURES / "tea" / "marks.csv").read_text(encoding="utf-8").splitlines()
    corrected = [lines[0]] + [
        ",".join([*line.split(",")[:5], "60"]) for line in lines[1:] if line.startswith("T02,sensory,")
    ]
    marks = tmp_path / "corrected.csv"
    marks.write_text("\n".join(corrected) + "\n", encoding="utf-8")
    tea = FIXTURES / "tea"
    assert run_cli(capsys, "load", tea / "contest.toml", "--marks", marks, "--db", url)[0] == 0
    page = await client.get(f"/verify/{found[0]}")
    assert page.status_code == 200
    assert 'data-state="changed"' in page.text and "所载奖项已不再成立" in page.text
    assert "李堃" in page.text and "一等奖" in page.text
    assert "此证书真实有效" not in page.text
    # the others' awards still hold... except where the correction moved them up
    second = await client.get(f"/verify/{found[1]}")
    assert second.status_code == 200 and 'data-state="changed"' in second.text  # 杨淼: 二等奖 → 一等奖
    assert "目前最终排名中的奖项：一等奖" in second.text
