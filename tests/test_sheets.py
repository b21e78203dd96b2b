"""Score sheets (评分表) on the tea fixture in a real SQLite file: the PDFs read back with pypdf (each table cell is
one text run, so rows are read cell by cell), the digest's life through lock, unlock, correction and lock again,
`contest sheets`, and the console page with a signed-in organizer.

The trimmed values expected on T01's sheet were worked out by hand from fixtures/tea/marks.csv (five judges, the
highest and the lowest dropped on each criterion and on the judges' own totals 杀青 + 揉捻 + 做形 + 干燥):

    T01 operation   J1    J2    J3    J4    J5     dropped
    杀青            26    27    25.5  28    26.5   J3 (low) J4 (high)
    揉捻            25.5  26    25    27    26     J3 J4
    做形            17    17.5  16.5  18    17     J3 J4
    干燥            17.5  18    17    18.5  17.5   J3 J4
    judges' totals  86    88.5  84    91.5  87     J3 J4 -> (86 + 88.5 + 87) / 3
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from contest.cli import main
from contest.db import queries
from contest.db.engine import make_engine, make_sessions, migrate
from contest.exports.sheets import sheets_pdf
from contest.live.boards import BoardRegistry
from contest.loading import load_files
from contest.services import rounds, sheets
from contest.services.errors import Invalid, NotFound
from contest.services.marks import MarkRequest, submit_marks
from contest.services.principals import Principal, new_token
from contest.services.standings import View, standings
from contest.settings import Settings
from contest.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
TEA = ROOT / "fixtures" / "tea"
ORGANIZER = Principal("organizer")
SLUG = "tea-2026"
CRITERIA = ("杀青", "揉捻", "做形", "干燥")
T01 = {
    "杀青": ["26", "27", "[25.5]", "[28]", "26.5"],
    "揉捻": ["25.5", "26", "[25]", "[27]", "26"],
    "做形（理条）": ["17", "17.5", "[16.5]", "[18]", "17"],
    "干燥（提毫、足干）": ["17.5", "18", "[17]", "[18.5]", "17.5"],
    "评委总分": ["86", "88.5", "[84]", "[91.5]", "87"],
}


@dataclass
class Tea:
    url: str
    db: sessionmaker[Session]


@pytest.fixture
def tea(tmp_path: Path) -> Tea:
    url = f"sqlite:///{tmp_path / 'tea.db'}"
    load_files(url, TEA / "contest.toml", TEA / "entrants.csv", TEA / "marks.csv")
    engine = make_engine(url)
    migrate(engine)
    yield Tea(url, make_sessions(engine))  # type: ignore[misc]
    engine.dispose()


def pages(pdf: bytes) -> list[list[list[str]]]:
    """Each page's rows top to bottom, each row's cells left to right (one text run per cell)."""
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        runs: list[tuple[float, float, str]] = []

        def visit(text: str, cm: object, tm: list[float], font: object, size: object) -> None:
            shown = text.replace("\x00", "").strip()
            if shown:
                runs.append((round(tm[5]), tm[4], shown))  # noqa: B023

        page.extract_text(visitor_text=visit)
        rows: dict[float, list[tuple[float, str]]] = {}
        for y, x, text in runs:
            rows.setdefault(y, []).append((x, text))
        out.append([[t for _, t in sorted(cells)] for _, cells in sorted(rows.items(), reverse=True)])
    return out


def flat(pdf: bytes) -> str:
    return "".join("".join("".join(row) for row in page) for page in pages(pdf)).replace(" ", "")


def lock(tea: Tea, status: str = "locked") -> None:
    rounds.set_round(tea.db, ORGANIZER, SLUG, "operation", status=status, reason="核分完毕")


def current_marks(tea: Tea, entrant: str | None = None, judge: str | None = None) -> dict[tuple[str, str, str], str]:
    """(entrant, criterion, judge) -> the newest value of the operation round, straight from the marks table."""
    with tea.db() as session:
        contest = queries.contest_by_slug(session, SLUG)
        assert contest is not None
        found: dict[tuple[str, str, str], str] = {}
        for m in queries.marks_since(session, contest.id, 0):
            if m.round == "operation" and entrant in (None, m.entrant) and judge in (None, m.judge):
                found[(m.entrant, m.criterion, m.judge)] = m.value
        return found


def test_an_entrants_sheet_shows_each_judges_marks_the_dropped_ones_and_the_standings_totals(tea: Tea) -> None:
    found = sheets.gather(tea.db, SLUG, "operation")
    pdf = sheets_pdf(sheets.select(found, "entrant", "T01"), "entrant")
    (page,) = pages(pdf)
    text = flat(pdf)
    assert "王芳" in text and "旺苍县米仓山茶叶专业合作社" in text
    header = next(row for row in page if row[0] == "评分项")
    assert header[1:6] == ["J1", "J2", "J3", "J4", "J5"]
    for label, expected in T01.items():
        row = next(r for r in page if r[0] == label)
        assert row[1:6] == expected, label
    assert next(r for r in page if r[0] == "评委总分")[6].startswith("87.16666")
    assert "方括号[]内的分数为去掉的最高分和最低分" in text
    assert "评委签字" in text and "裁判长签字" in text and "日期" in text
    # every entrant's total and rank as the server's standings show them
    shown = standings(BoardRegistry(tea.db), View(SLUG, "operation", organizer=True))
    everyone = sheets_pdf(found, "entrant")
    texts = ["".join("".join(r) for r in p).replace(" ", "") for p in pages(everyone)]
    by_code = {re.findall(r"选手:(T\d+)", t)[0]: t for t in texts}
    assert set(by_code) == {row["entrant"] for row in shown["rows"]}
    for row in shown["rows"]:
        sheet_text = by_code[row["entrant"]]
        assert f"总分{row['total']}名次{row['rank']}" in sheet_text, row


def test_fonts_are_embedded_and_subset(tea: Tea) -> None:
    pdf = sheets_pdf(sheets.gather(tea.db, SLUG, "operation"), "judge")
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert re.fullmatch(r"/[A-Z]{6}\+NotoSansSC", font["/BaseFont"]), font["/BaseFont"]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)
    assert len(pdf) < 200_000  # a subset: the whole font is 8 MB


def test_a_judges_sheet_lists_exactly_the_judges_marks(tea: Tea) -> None:
    found = sheets.gather(tea.db, SLUG, "operation")
    (page,) = pages(sheets_pdf(sheets.select(found, "judge", "J3"), "judge"))
    assert any("J3" in cell for row in page for cell in row)
    head = next(i for i, row in enumerate(page) if row[0] == "编号")
    assert page[head][2:] == ["杀青", "揉捻", "做形（理条）", "干燥（提毫、…", "评委合计"]  # labels, cut to fit
    rows = [r for r in page[head + 1 :] if re.fullmatch(r"T\d+", r[0])]
    stored = current_marks(tea, judge="J3")
    assert {r[0] for r in rows} == {e for e, _, _ in stored}
    for code, _name, *values, total in rows:
        expected = [Decimal(stored[(code, c, "J3")]) for c in CRITERIA]
        assert [Decimal(v) for v in values] == expected
        assert Decimal(total) == sum(expected)  # the judge formula: 杀青 + 揉捻 + 做形 + 干燥
    assert f"已评选手：{len(rows)}名" in flat(sheets_pdf(sheets.select(found, "judge", "J3"), "judge"))


def canonical_by_hand(entrant: str, values: dict[tuple[str, str, str], str]) -> str:
    lines = sorted(f"{e}\t1\t{c}\t{j}\t{Decimal(v).normalize():f}" for (e, c, j), v in values.items() if e == entrant)
    return "\n".join(["contest score sheet 1", f"contest\t{SLUG}", "round\toperation", f"entrant\t{entrant}", *lines])


def test_the_digest_appears_after_the_lock_and_follows_a_correction(tea: Tea) -> None:
    before = sheets.gather(tea.db, SLUG, "operation")
    text = flat(sheets_pdf(sheets.select(before, "entrant", "T01"), "entrant"))
    assert "未锁定，仅供核对" in text and "数据摘要" not in text
    assert f"版本{before.version}" in text
    assert all(e.digest is None for e in before.entrants) and all(j.digest is None for j in before.judges)

    lock(tea)
    locked = sheets.gather(tea.db, SLUG, "operation")
    first = sheets.select(locked, "entrant", "T01").entrants[0].digest
    assert first is not None and re.fullmatch(r"[0-9a-f]{16}", first)
    text = flat(sheets_pdf(sheets.select(locked, "entrant", "T01"), "entrant"))
    assert f"数据摘要{first}·版本{locked.version}" in text and "未锁定" not in text
    by_hand = hashlib.sha256(canonical_by_hand("T01", current_marks(tea, "T01")).encode()).hexdigest()[:16]
    assert first == by_hand  # the documented canonical text
    check = sheets.check_digest(tea.db, SLUG, f"数据摘要 {first.upper()}")
    assert check.matches == (("operation", "entrant", "T01"),)
    judges_first = {j.code: j.digest for j in locked.judges}

    # a mark corrected after an unlock: T01's and J2's sheets get new digests, the old one no longer checks
    lock(tea, "open")
    request = MarkRequest("T01", "operation", 1, {"杀青": Decimal("26")}, "fix-t01-j2", "录入错误", judge="J2")
    submit_marks(tea.db, ORGANIZER, SLUG, request)
    reopened = sheets.gather(tea.db, SLUG, "operation")
    assert not reopened.locked and all(e.digest is None for e in reopened.entrants)
    lock(tea)
    again = sheets.gather(tea.db, SLUG, "operation")
    second = sheets.select(again, "entrant", "T01").entrants[0].digest
    assert second is not None and second != first
    assert not sheets.check_digest(tea.db, SLUG, first).ok
    assert sheets.check_digest(tea.db, SLUG, second).matches == (("operation", "entrant", "T01"),)
    judges_second = {j.code: j.digest for j in again.judges}
    assert judges_second["J2"] != judges_first["J2"]
    assert {k: v for k, v in judges_second.items() if k != "J2"} == {k: v for k, v in judges_first.items() if k != "J2"}
    text = flat(sheets_pdf(sheets.select(again, "entrant", "T01"), "entrant"))
    assert f"数据摘要{second}·版本{again.version}" in text and again.version > locked.version


def test_bad_requests_name_the_field(tea: Tea) -> None:
    found = sheets.gather(tea.db, SLUG, "operation")
    with pytest.raises(NotFound) as missing:
        sheets.select(found, "judge", "J9")
    assert missing.value.field == "judge"
    with pytest.raises(NotFound) as nobody:
        sheets.select(found, "entrant", "T99")
    assert nobody.value.field == "entrant"
    with pytest.raises(Invalid) as wrong:
        sheets.gather(tea.db, SLUG, "nope")
    assert wrong.value.field == "round"
    for garbage in ("", "xyz", "0123456789abcdeg", "0" * 17, "=HYPERLINK(1)"):
        with pytest.raises(Invalid) as bad:
            sheets.check_digest(tea.db, SLUG, garbage)
        assert bad.value.field == "digest"


def test_blank_sheets_list_the_entrants_and_the_criteria_with_ranges(tea: Tea) -> None:
    found = sheets.gather(tea.db, SLUG, "sensory")
    pdf = sheets_pdf(found, "judge", blank=True)
    assert len(pages(pdf)) == len(found.panel) == 3
    text = flat(pdf)
    assert "空白评分表" in text and "外形0–100(步长0.5)" in text and "T08杨淼" in text


def test_the_cli_writes_the_sheets_and_checks_a_digest(
    tea: Tea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "j1.pdf"
    assert main(["sheets", SLUG, "--db", tea.url, "-o", str(out), "--round", "operation", "--judge", "J1"]) == 0
    assert "评委评分表" in flat(out.read_bytes()) and "评委:J1" in flat(out.read_bytes())
    assert "1" in capsys.readouterr().err
    refused = (
        ["-o", str(tmp_path / "x.txt")],
        ["-o", str(tmp_path / "y.pdf"), "--entrant", "T99"],
        ["-o", str(tmp_path / "z.pdf"), "--judge", "J1", "--entrant", "T01"],
        ["--check", "nonsense"],
    )
    for bad in refused:
        assert main(["sheets", SLUG, "--db", tea.url, "--round", "operation", *bad]) == 2, bad
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "y.pdf").exists()
    capsys.readouterr()
    assert main(["sheets", SLUG, "--db", tea.url, "--check", "0123456789abcdef"]) == 1
    lock(tea)
    digest = sheets.select(sheets.gather(tea.db, SLUG, "operation"), "judge", "J1").judges[0].digest
    assert main(["sheets", SLUG, "--db", tea.url, "--check", str(digest)]) == 0
    assert "J1" in capsys.readouterr().out


@pytest_asyncio.fixture
async def console(tea: Tea) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=tea.url, secret_key="sheets-test"))
    async with LifespanManager(app) as manager:
        with app.state.db.begin() as session:
            token = new_token(session, "organizer")
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get("/admin/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None, page.text
            answer = await client.post("/admin/login", data={"csrf": csrf.group(1), "token": token})
            assert answer.status_code == 303, answer.text
            yield client


@pytest.mark.asyncio
async def test_the_console_page_downloads_sheets_and_checks_a_digest(console: httpx.AsyncClient, tea: Tea) -> None:
    page = await console.get(f"/admin/contests/{SLUG}/sheets?round=operation")
    assert page.status_code == 200, page.text
    assert "评分表" in page.text and "王芳" in page.text and "未锁定，仅供核对" in page.text
    pdf = await console.get(f"/admin/contests/{SLUG}/sheets.pdf?round=operation&by=entrant&code=T01")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f"{SLUG}-operation-entrant-T01-v" in pdf.headers["content-disposition"]
    assert [r[1:6] for r in pages(pdf.content)[0] if r[0] == "杀青"] == [T01["杀青"]]
    every = await console.get(f"/admin/contests/{SLUG}/sheets.pdf?round=operation&by=judge")
    assert len(pages(every.content)) == 5
    for bad in ("by=nonsense", "code=NOPE&by=judge", "round=nope", "evil=1"):
        answer = await console.get(f"/admin/contests/{SLUG}/sheets.pdf?{bad}")
        assert answer.status_code in (400, 404, 422) and "Traceback" not in answer.text, bad

    lock(tea)
    page = await console.get(f"/admin/contests/{SLUG}/sheets?round=operation")
    digest = sheets.select(sheets.gather(tea.db, SLUG, "operation"), "entrant", "T02").entrants[0].digest
    assert digest is not None and digest in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    ok = await console.post(f"/admin/contests/{SLUG}/sheets/check", data={"csrf": csrf.group(1), "digest": digest})
    assert ok.status_code == 200 and "与当前存储的评分一致" in ok.text and "T02" in ok.text
    stale = await console.post(
        f"/admin/contests/{SLUG}/sheets/check", data={"csrf": csrf.group(1), "digest": "0123456789abcdef"}
    )
    assert stale.status_code == 200 and "当前没有任何已锁定轮次的评分表得出此摘要" in stale.text
    garbage = await console.post(
        f"/admin/contests/{SLUG}/sheets/check", data={"csrf": csrf.group(1), "digest": "<script>x</script>"}
    )
    assert garbage.status_code == 422 and "十六进制" in garbage.text and "<script>x" not in garbage.text
    forged = await console.post(f"/admin/contests/{SLUG}/sheets/check", data={"csrf": "wrong", "digest": digest})
    assert forged.status_code == 403


def test_a_blind_contests_sheets_show_codes_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'writing.db'}"
    folder = ROOT / "fixtures" / "writing"
    load_files(url, folder / "contest.toml", folder / "entrants.csv", folder / "marks.csv")
    engine = make_engine(url)
    try:
        found = sheets.gather(make_sessions(engine), "writing-2026")
    finally:
        engine.dispose()
    for pdf in (sheets_pdf(found, "judge"), sheets_pdf(found, "entrant"), sheets_pdf(found, "judge", blank=True)):
        text = flat(pdf)
        assert "W01" in text and "张丽" not in text and "县统计局" not in text
