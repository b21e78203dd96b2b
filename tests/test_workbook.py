"""The results workbook and CSV (contest/exports/workbook.py), read back with openpyxl and checked against a fresh
computation: the standings equal `contest compute` on the same marks, the version is named, headers are Chinese for
zh_CN, the header row is frozen, totals carry the contest's decimals, text never becomes a formula."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from contest.db.engine import make_engine, make_sessions
from contest.exports.workbook import display_width, write_csv, write_csv_file, write_workbook
from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition
from contest.services import snapshot as snapshots
from contest.services.snapshot import MarkVersion, Snapshot

SLUGS = {"tea": "tea-2026", "livestream": "livestream-2026", "diving": "dive-2026"}


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> str:
    from contest.cli import main

    url = f"sqlite:///{tmp_path_factory.mktemp('wb') / 'venue.db'}"
    for name in SLUGS:
        folder = FIXTURES / name
        args = ["load", folder / "contest.toml", "--entrants", folder / "entrants.csv", "--marks", folder / "marks.csv"]
        assert main([str(a) for a in [*args, "--db", url]]) == 0
    return url


def read(url: str, slug: str) -> Snapshot:
    engine = make_engine(url, readonly=True)
    try:
        return snapshots.read(make_sessions(engine), slug)
    finally:
        engine.dispose()


def computed(capsys: pytest.CaptureFixture[str], name: str, *extra: str) -> list[dict[str, str]]:
    folder = FIXTURES / name
    code, out, err = run_cli(
        capsys, "compute", folder / "contest.toml", "--marks", folder / "marks.csv",
        "--entrants", folder / "entrants.csv", *extra,
    )  # fmt: skip
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def sheet_rows(ws: object) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(SLUGS))
def test_the_final_standing_is_contest_compute(
    venue: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = read(venue, SLUGS[name])
    path = tmp_path / found.file_name("xlsx")
    write_workbook(found, path, "en")
    book = load_workbook(path)
    final = book.worksheets[1]
    assert final.title.startswith("Final standing")
    rows = sheet_rows(final)
    header = rows[0]
    expected = computed(capsys, name)
    got = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [g["Code"] for g in got] == [e["entrant"] for e in expected]
    places = 10**-found.definition.decimals
    for g, e in zip(got, expected, strict=True):
        assert (str(g["Rank"] or ""), g["Name"], g["Award"] or "") == (e["rank"], e["name"], e["award"])
        if e["total"]:
            assert Decimal(str(g["Total"])).quantize(Decimal(str(places))) == Decimal(e["total"])
        else:
            assert g["Total"] is None


def test_chinese_headers_frozen_formats_and_the_version(venue: str, tmp_path: Path) -> None:
    found = read(venue, "tea-2026")
    assert found.file_name("xlsx") == "tea-2026-v82.xlsx"
    path = tmp_path / found.file_name("xlsx")
    names = write_workbook(found, path, "zh_CN")
    book = load_workbook(path)
    assert book.sheetnames == names == [
        "说明", "总成绩（感官审评）", "理论考试", "现场操作", "评委打分明细", "评委一致性", "修改记录",
    ]  # fmt: skip
    info = {r[0]: r[1] for r in sheet_rows(book["说明"])}
    assert info["成绩册"] == "2026 旺苍县第十三届米仓山采茶节 手工制茶技能大赛"
    assert (info["赛事"], info["版本"], info["排名"]) == ("tea-2026", 82, "截至版本 82")
    final = book["总成绩（感官审评）"]
    header = sheet_rows(final)[0]
    assert header == ["名次", "编号", "姓名", "单位", "理论考试", "现场操作", "感官审评", "总分", "奖项", "备注"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1]), ws.title
    total = final.cell(row=2, column=8)
    assert (total.value, total.number_format) == (91.77, "0.00")
    assert {final.cell(row=2, column=c).number_format for c in (5, 6, 7)} == {"0.00"}
    # columns sized to content, a Chinese character counting double: the longest organization fits
    organizations = [r[3] for r in sheet_rows(final)[1:]]
    widest = max(display_width(o) for o in organizations)
    assert final.column_dimensions["D"].width >= widest > max(len(o) for o in organizations)
    assert final.column_dimensions["A"].width < 10
    judges = sheet_rows(book["评委打分明细"])
    assert judges[0][:5] == ["轮次", "编号", "姓名", "项次", "评分项"]
    assert len(judges) - 1 == len({(m.round, m.entrant, m.item, m.criterion) for m in found.marks})
    consistency = sheet_rows(book["评委一致性"])
    assert consistency[0][:3] == ["轮次", "裁判", "打分数"]
    assert len(consistency) == 1 + 8  # five operation judges, three sensory
    history = sheet_rows(book["修改记录"])
    assert history[0][:2] == ["版本", "时间（UTC）"]
    assert len(history) - 1 == len(found.history)
    assert isinstance(history[1][1], datetime)


def test_groups_get_their_own_sheets(venue: str, tmp_path: Path) -> None:
    found = read(venue, "livestream-2026")
    path = tmp_path / "x.xlsx"
    names = write_workbook(found, path, "zh_CN")
    board = found.board(found.definition.rounds[-1].key)
    assert len(board.groups) == 2
    group_sheets = [n for n in names if " · " in n]
    assert len(group_sheets) == 2 * len(found.definition.rounds)
    book = load_workbook(path)
    for group in board.groups:
        ws = next(book[n] for n in group_sheets if n.endswith(group))
        codes = [r[1] for r in sheet_rows(ws)[1:]]
        assert codes == [r.entrant for r in board.rows(group=group)]


def hostile_snapshot() -> Snapshot:
    definition = parse_definition(
        '[contest]\nslug = "evil"\ntitle = "=HYPERLINK(\\"http://x\\")"\ndecimals = 1\n'
        '[[criteria]]\nkey = "a"\nlabel = "A"\nmin = 0\nmax = 10\n'
        '[scoring]\nitem = "a"\n[[rounds]]\nkey = "main"\nitems = 1\ncriteria = ["a"]\n'
    )
    entrants = [Entrant("E1", "=1+2", "@SUM(A1)"), Entrant("-2", "+张三", "单位\x07")]
    at = datetime(2026, 5, 1, 8, 30)
    history = [
        MarkVersion(1, at, "E1", "main", 1, "a", "J1", Decimal("7"), None, "judge", "J1", "=cmd|' /C calc'!A0", "", ""),
        MarkVersion(2, at, "-2", "main", 1, "a", "J1", Decimal("6"), None, "judge", "J1", "pad", "", ""),
        MarkVersion(3, at, "-2", "main", 1, "a", "J1", Decimal("6.5"), Decimal("6"), "judge", "J1", "pad", "", "=2*3"),
    ]
    return Snapshot("evil", "=1", definition, entrants, ("J1",), {"J1": "=J"}, history, {}, 3)


def test_text_is_never_a_formula(tmp_path: Path) -> None:
    found = hostile_snapshot()
    path = tmp_path / "evil.xlsx"
    write_workbook(found, path, "en")
    book = load_workbook(path)
    final = book.worksheets[1]
    cells = {c.value: c for row in final.iter_rows() for c in row if isinstance(c.value, str)}
    for text in ("=1+2", "@SUM(A1)", "+张三", "-2"):
        assert cells[text].data_type == "s", text
    assert "单位\ufffd" in cells  # a control character cannot enter a cell
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    history = sheet_rows(book["Audit history"])
    assert history[3][8] == 6 and history[3][12] == "=2*3"  # the correction: previous value and reason
    out = io.StringIO()
    write_csv(found, out, "en")
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][:4] == ["1", "E1", "'=1+2", "'@SUM(A1)"]
    assert rows[2][1:3] == ["'-2", "'+张三"]


def test_csv_has_a_bom_chinese_headers_and_a_chosen_round(venue: str, tmp_path: Path) -> None:
    found = read(venue, "tea-2026")
    path = tmp_path / found.file_name("csv", "operation")
    assert path.name == "tea-2026-operation-v82.csv"
    assert write_csv_file(found, path, "zh_CN", "operation") == 8
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["名次", "编号", "姓名", "单位", "现场操作", "总分", "奖项", "备注"]
    assert rows[1][:2] == ["1", "T02"] and rows[1][5] == "91.45"


marks_strategy = st.lists(
    st.tuples(st.sampled_from(["E1", "E2", "E3", "E4"]), st.sampled_from(["J1", "J2", "J3"]), st.integers(0, 20)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=30, deadline=None)
@given(marks_strategy, st.sampled_from(["mean", "median", "trimmed_mean"]))
def test_the_workbook_totals_are_the_cores(given_marks: list[tuple[str, str, int]], method: str) -> None:
    definition = parse_definition(
        '[contest]\nslug = "p"\ntitle = "P"\ndecimals = 2\njudges = ["J1", "J2", "J3"]\n'
        '[[criteria]]\nkey = "a"\nlabel = "A"\nmin = 0\nmax = 10\nstep = 0.5\n'
        f'[scoring]\npanel = "{method}"\n{"drop = 1" if method.startswith("trimmed") else ""}\nitem = "a * 3"\n'
        '[[rounds]]\nkey = "main"\nitems = 2\ncriteria = ["a"]\n[[awards]]\nname = "金"\ntop = 1\n'
    )
    at = datetime(2026, 5, 1)
    history = [
        MarkVersion(n + 1, at, e, "main", 1 + n % 2, "a", j, Decimal(v) / 2, None, "judge", j, "", "", "")
        for n, (e, j, v) in enumerate(given_marks)
    ]
    entrants = [Entrant(c, f"选手{c}") for c in ("E1", "E2", "E3", "E4")]
    found = Snapshot("p", "P", definition, entrants, ("J1", "J2", "J3"), {}, history, {}, len(history))
    buffer = io.BytesIO()
    write_workbook(found, buffer, "en")
    buffer.seek(0)
    rows = sheet_rows(load_workbook(buffer).worksheets[1])
    marks = [Mark(h.entrant, h.round, h.item, h.criterion, h.judge, h.value) for h in history]
    core = Board(definition, "main", entrants, MarkSheet(marks)).rows()
    header = rows[0]
    got = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [g["Code"] for g in got] == [r.entrant for r in core]
    for g, r in zip(got, core, strict=True):
        assert g["Rank"] == r.rank
        assert (None if g["Total"] is None else Decimal(str(g["Total"])).quantize(Decimal("0.01"))) == r.total
        assert (g["Award"] or None) == r.award


def test_a_blind_contest_exports_codes_only_until_decrypted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIXTURES / "tea"
    toml = tmp_path / "blind.toml"
    toml.write_text((folder / "contest.toml").read_text(encoding="utf-8").replace("blind = false", "blind = true"))
    url = f"sqlite:///{tmp_path / 'blind.db'}"
    code, _, err = run_cli(
        capsys, "load", toml, "--entrants", folder / "entrants.csv", "--marks", folder / "marks.csv", "--db", url
    )
    assert code == 0, err
    found = read(url, "tea-2026")
    assert not found.names_released
    path = tmp_path / "blind.xlsx"
    write_workbook(found, path, "zh_CN")
    book = load_workbook(path)
    assert ["姓名", "仅显示编号，解密后才显示姓名"] in sheet_rows(book["说明"])
    final = sheet_rows(book.worksheets[1])
    assert [r[1] for r in final[1:4]] == ["T02", "T08", "T01"]
    assert all(r[2] is None and r[3] is None for r in final[1:])  # no name, no organization
    text = "".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    assert "王芳" not in text and "李堃" not in text
