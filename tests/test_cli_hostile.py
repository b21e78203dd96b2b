"""`contest load` and `contest compute` given hostile files: a clear error naming the file, row and column, exit 2,
no traceback, and (load) nothing stored at all, on SQLite and PostgreSQL.

Before: a NUL in an entrant list was stored on SQLite, failed half-way on PostgreSQL (the contest created, the
entrants not), and `contest compute -o x.xlsx` ended in an internal error; a bad mark after the first 200 left
the contest, its entrants and 200 submissions behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

CONTEST = """
[contest]
slug = "hostile"
title = "百分制"
judges = ["J1", "J2"]

[[criteria]]
key = "score"
min = 0
max = 100

[[rounds]]
key = "main"
items = 100
"""
ENTRANTS = "编号,姓名,单位\nA1,王喆,县总工会\nB2,李堃,乡镇\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'venue.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def counts(url: str) -> dict[str, int]:
    """Rows per table (0 for a table not created yet)."""
    engine = create_engine(url)
    found: dict[str, int] = {}
    try:
        with engine.connect() as connection:
            for table in ("contests", "entrants", "judges", "submissions", "marks"):
                try:
                    found[table] = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                except Exception:
                    connection.rollback()
                    found[table] = 0
    finally:
        engine.dispose()
    return found


NOTHING = {"contests": 0, "entrants": 0, "judges": 0, "submissions": 0, "marks": 0}


def files(tmp_path: Path, entrants: str = ENTRANTS, marks: str | None = None) -> list[object]:
    (tmp_path / "c.toml").write_text(CONTEST, encoding="utf-8")
    (tmp_path / "e.csv").write_text(entrants, encoding="utf-8")
    args: list[object] = [tmp_path / "c.toml", "--entrants", tmp_path / "e.csv"]
    if marks is not None:
        (tmp_path / "m.csv").write_text(marks, encoding="utf-8")
        args += ["--marks", tmp_path / "m.csv"]
    return args


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("C3,赵\x00玥,乡镇", "e.csv row 4, column 姓名: contains a control character (such as NUL or a line break)"),
        ("C3,赵玥,乡\x00镇", "e.csv row 4, column 单位: contains a control character (such as NUL or a line break)"),
        ("C3,\u202e赵玥,乡镇", "e.csv row 4, column 姓名: contains a right-to-left or left-to-right control character"),
    ],
)
def test_load_refuses_a_hostile_entrant_list_and_stores_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, where: str
) -> None:
    code, out, err = run_cli(capsys, "load", *files(tmp_path, ENTRANTS + row + "\n"), "--db", db)
    assert (code, out) == (2, "")
    assert where in err and "Traceback" not in err
    assert counts(db) == NOTHING


def test_load_names_the_row_in_chinese(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # `contest load` speaks the environment's language
    code, _, err = run_cli(capsys, "load", *files(tmp_path, ENTRANTS + "C3,赵\x00玥,乡镇\n"), "--db", db)
    assert code == 2
    assert "e.csv 第 4 行 姓名 列：含有控制字符（如空字符或换行） U+0000（第 2 个字符），请删除" in err, err
    assert counts(db) == NOTHING


def test_load_refuses_a_huge_item_with_its_row(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marks = f"entrant,item,criterion,judge,value\nA1,1,score,J1,80\nA1,{2**63},score,J2,80\nB2,{2**31},score,J1,70\n"
    code, _, err = run_cli(capsys, "load", *files(tmp_path, marks=marks), "--db", db)
    assert code == 2
    assert f"m.csv row 3, column item: expected a whole number from 1 to 1000, got '{2**63}'" in err
    assert f"m.csv row 4, column item: expected a whole number from 1 to 1000, got '{2**31}'" in err
    assert counts(db) == NOTHING


@pytest.mark.parametrize("value", ["8_0", "٨٠", "１００"])
def test_load_refuses_marks_not_in_ascii_digits(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    marks = f"entrant,item,criterion,judge,value\nA1,1,score,J1,80\nA1,1,score,J2,{value}\n"
    code, _, err = run_cli(capsys, "load", *files(tmp_path, marks=marks), "--db", db)
    assert code == 2
    assert (
        f"m.csv row 3, column value: expected a number written with the digits 0-9 (such as 8 or 8.5), got {value!r}"
        in err
    )
    assert counts(db) == NOTHING


def test_a_load_refused_after_hundreds_of_marks_leaves_nothing_behind(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # no entrant list given: the file's rows pass the file checks, and the database refuses C3 (no such entrant)
    # when the 301st submission is written, after a whole batch of 200 was
    code, _, err = run_cli(capsys, "load", *files(tmp_path), "--db", db)
    assert code == 0, err
    before = counts(db)
    rows = [f"{e},{i},score,{j},{50 + i % 40}" for i in range(1, 76) for e in ("A1", "B2") for j in ("J1", "J2")]
    rows[300:300] = ["C3,1,score,J1,60"]
    (tmp_path / "m.csv").write_text("entrant,item,criterion,judge,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "load", tmp_path / "c.toml", "--marks", tmp_path / "m.csv", "--db", db)
    assert (code, out) == (2, "")
    assert "no entrant has the code 'C3'" in err
    assert counts(db) == before and before["submissions"] == 0


def test_load_stores_minus_zero_as_zero(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marks = "entrant,item,criterion,judge,value\nA1,1,score,J1,-0\nA1,1,score,J2,-0.0\n"
    code, _, err = run_cli(capsys, "load", *files(tmp_path, marks=marks), "--db", db)
    assert code == 0, err
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            values = sorted(connection.execute(text("SELECT value FROM marks")).scalars())
    finally:
        engine.dispose()
    assert values == ["0", "0.0"]


def test_compute_to_xlsx_refuses_a_nul_in_the_entrant_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marks = "entrant,item,criterion,judge,value\nA1,1,score,J1,80\nA1,1,score,J2,90\n"
    args = files(tmp_path, ENTRANTS + "C3,赵\x00玥,乡镇\n", marks)
    code, out, err = run_cli(capsys, "compute", args[0], *args[3:], "--entrants", args[2], "-o", tmp_path / "x.xlsx")
    assert (code, out) == (2, "")
    assert err.startswith("error: e.csv: 1 bad rows") and "e.csv row 4, column 姓名" in err
    assert "internal error" not in err and not (tmp_path / "x.xlsx").exists()


def test_compute_to_xlsx_refuses_codes_with_control_characters_in_the_marks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # no entrant list: the entrants are the marks' codes, which end up in the workbook
    marks = "entrant,item,criterion,judge,value\nA\x001,1,score,J1,80\nA\x001,1,score,J2,90\n"
    args = files(tmp_path, marks=marks)
    code, _, err = run_cli(capsys, "compute", args[0], *args[3:], "-o", tmp_path / "x.xlsx")
    assert code == 2 and "m.csv row 2, column entrant: contains a control character" in err
    assert "internal error" not in err and not (tmp_path / "x.xlsx").exists()


def test_compute_to_xlsx_with_clean_names_in_any_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marks = "entrant,item,criterion,judge,value\nA1,1,score,J1,80\nA1,1,score,J2,90\nB2,1,score,J1,70\n"
    entrants = "编号,姓名,单位\nA1,محمد علي,דוד\nB2,Zoë O'Brien,乡镇\n"
    args = files(tmp_path, entrants, marks)
    code, _, err = run_cli(capsys, "compute", args[0], *args[3:], "--entrants", args[2], "-o", tmp_path / "x.xlsx")
    assert code == 0, err
    sheet = load_workbook(tmp_path / "x.xlsx").worksheets[0]
    names = {cell.value for row in sheet.iter_rows() for cell in row}
    assert {"محمد علي", "Zoë O'Brien"} <= names
