"""`contest compute` as a user runs it: exit codes, messages without tracebacks, output formats."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from openpyxl import load_workbook

CONTEST = """
[contest]
slug = "cli"
title = "命令行"
judges = ["J1", "J2", "J3"]

[[criteria]]
key = "score"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "扣分"
judged = false
deduction = true
min = 0
max = 5
step = 0.5

[[awards]]
name = "一等奖"
top = 1
"""
ENTRANTS = "编号,姓名,单位,备注\nA1,王喆,=cmd|' /C calc'!A0,左撇子\nB2,李堃,县总工会,\nC3,赵玥,乡镇,\n"
MARKS = """entrant,round,item,criterion,judge,value
A1,main,1,score,J1,8
A1,main,1,score,J2,8.5
A1,main,1,score,J3,9
A1,main,1,扣分,,0.5
B2,main,1,score,J1,9
B2,main,1,score,J2,9
B2,main,1,score,J3,9.5
C3,main,1,score,J1,7
C3,main,1,score,J2,7
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"contest": tmp_path / "c.toml", "entrants": tmp_path / "e.csv", "marks": tmp_path / "m.csv"}
    paths["contest"].write_text(CONTEST, encoding="utf-8")
    paths["entrants"].write_text(ENTRANTS, encoding="utf-8")
    paths["marks"].write_text(MARKS, encoding="utf-8")
    return paths


run = run_cli


def test_compute_prints_csv(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "compute", files["contest"], "--marks", files["marks"], "--entrants", files["entrants"]
    )
    assert (code, err) == (0, "")
    assert out == (
        "rank,entrant,name,organization,main,total,award\n"
        "1,B2,李堃,县总工会,9.17,9.17,一等奖\n"
        "2,A1,王喆,'=cmd|' /C calc'!A0,8.00,8.00,\n"
        ",C3,赵玥,乡镇,,,\n"
    )


def test_explain(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "compute",
        files["contest"],
        "--marks",
        files["marks"],
        "--entrants",
        files["entrants"],
        "--explain",
        "A1",
    )
    assert code == 0
    assert out.splitlines() == [
        "A1 王喆 (=cmd|' /C calc'!A0)",
        "  main · score: J1 8, J2 8.5, J3 9; mean = 8.5 → 8.5",
        "  main: score = 8.5 → 8.5",
        "  main: deduction 扣分 − 0.5 → 8",
        "  total 8.00: rank 2",
    ]
    code, out, _ = run(capsys, "compute", files["contest"], "--marks", files["marks"], "--explain", "C3")
    assert "  not ranked: incomplete\n    - main: score not marked by J3" in out


def test_outputs_xlsx_json_and_excel_csv(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["compute", files["contest"], "--marks", files["marks"], "--entrants", files["entrants"], "-o"]
    assert run(capsys, *base, tmp_path / "r.xlsx")[0] == 0
    sheet = load_workbook(tmp_path / "r.xlsx").active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["rank", "entrant", "name", "organization", "main", "total", "award", "note"]
    assert rows[1][:7] == [1, "B2", "李堃", "县总工会", pytest.approx(9.17), pytest.approx(9.17), "一等奖"]
    assert rows[2][3] == "=cmd|' /C calc'!A0"  # as written, in a string cell: never a formula
    assert sheet.cell(row=3, column=4).data_type == "s"
    raw = __import__("zipfile").ZipFile(tmp_path / "r.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw  # no formula anywhere in the sheet
    assert rows[3][7] == "main: score not marked by J3"
    assert sheet.cell(row=2, column=6).number_format == "0.00"

    assert run(capsys, *base, tmp_path / "r.json")[0] == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["rows"][0] == {
        "rank": 1,
        "entrant": "B2",
        "name": "李堃",
        "organization": "县总工会",
        "group": "",
        "rounds": {"main": "9.17"},
        "total": "9.17",
        "award": "一等奖",
        "advances": False,
        "complete": True,
        "issues": [],
    }

    assert run(capsys, *base, tmp_path / "r.csv")[0] == 0
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbfrank,entrant")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("marks", "A1,main,1,score,J1,8\n", "A1,main,1,score,J1,8.25\n"),
            "m.csv row 2, column value: score: must be a multiple of 0.5 from 0, got 8.25",
        ),
        (
            ("marks", "A1,main,1,score,J1,8\n", "A1,main,1,score,J1,11\n"),
            "m.csv row 2, column value: score: must be from 0 to 10, got 11",
        ),
        (
            ("marks", "A1,main,1,score,J1,8\n", "A1,main,1,score,J1,NaN\n"),
            "m.csv row 2, column value: expected a finite number, got 'NaN'",
        ),
        (
            ("marks", "A1,main,1,score,J1,8\n", "A1,main,1,style,J1,8\n"),
            "m.csv row 2, column criterion: round 'main' has no criterion 'style'; it has score, 扣分",
        ),
        (
            ("marks", "A1,main,1,score,J1,8\n", "A1,main,1,score,J9,8\n"),
            "m.csv row 2, column judge: judge 'J9' is not on the panel of round 'main'",
        ),
        (
            ("marks", "A1,main,1,score,J1,8\n", "Z9,main,1,score,J1,8\n"),
            "m.csv row 2, column entrant: no entrant has the code 'Z9'",
        ),
        (
            ("marks", "A1,main,1,score,J1,8\n", "A1,main,2,score,J1,8\n"),
            "m.csv row 2, column item: round 'main' has items 1 to 1, got 2",
        ),
        (
            ("marks", "A1,main,1,扣分,,0.5\n", "A1,main,1,扣分,J1,0.5\n"),
            "m.csv row 5, column judge: '扣分' is not judged: leave the judge empty",
        ),
        (
            ("marks", "A1,main,1,score,J2,8.5\n", "A1,main,1,score,J1,8.5\n"),
            "m.csv row 3: repeats the mark of row 2 (same entrant, round, item, criterion and judge); keep one",
        ),
        (
            ("marks", "entrant,round,item,criterion,judge,value", "who,round,item,criterion,judge,value"),
            "m.csv row 1: missing column entrant (编号/选手编号)",
        ),
        (("entrants", "B2,李堃", "A1,李堃"), "e.csv row 3, column 编号: code 'A1' is already used in row 2"),
        (("contest", "max = 10\n", "max = 10\nmax = 11\n"), "not valid TOML"),
        (
            ("contest", "top = 1", "top = 0"),
            "awards[1].top (line 23): expected a whole number from 1 to 1000000, got 0",
        ),
        (("entrants", "李堃,县总工会", "李堃," + "长" * 301), "e.csv row 3, column 单位: longer than 300 characters"),
    ],
)
def test_bad_input_exits_2_with_one_clear_message(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], change: tuple[str, str, str], message: str
) -> None:
    which, old, new = change
    text = files[which].read_text(encoding="utf-8")
    assert old in text
    files[which].write_text(text.replace(old, new, 1), encoding="utf-8")
    code, out, err = run(
        capsys, "compute", files["contest"], "--marks", files["marks"], "--entrants", files["entrants"]
    )
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_missing_files_and_unknown_things(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "compute", tmp_path / "nope.toml", "--marks", files["marks"])
    assert code == 2 and "nope.toml: cannot read the file (No such file or directory)" in err
    code, _, err = run(capsys, "compute", files["contest"], "--marks", files["marks"], "--round", "semi")
    assert code == 2 and "no round 'semi'; rounds: main" in err
    code, _, err = run(capsys, "compute", files["contest"], "--marks", files["marks"], "-o", tmp_path / "r.pdf")
    assert code == 2 and "-o: expected a file ending in .csv, .xlsx or .json, got 'r.pdf'" in err
    code, _, err = run(capsys, "compute", files["contest"], "--marks", files["marks"], "--explain", "Q")
    assert code == 2 and "entrant 'Q' has no marks in round 'main'" in err
    code, _, err = run(capsys, "compute", files["contest"])
    assert code == 2 and "Missing option '--marks'" in err
    (tmp_path / "bin.xlsx").write_bytes(b"\x00\x01not a workbook")
    code, _, err = run(
        capsys, "compute", files["contest"], "--marks", files["marks"], "--entrants", tmp_path / "bin.xlsx"
    )
    assert code == 2 and "bin.xlsx: not a readable .xlsx workbook" in err


def test_problems_in_chinese(files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files["marks"].write_text(
        MARKS + "A1,main,x,score,J1,8\nB2,main,1,score,J9,9.2\nA1,main,1,score,J1,8\n,main,1,score,J2,abc\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys,
        "compute",
        files["contest"],
        "--marks",
        files["marks"],
        "--entrants",
        files["entrants"],
        "--lang",
        "zh-CN",
    )
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "错误：m.csv：6 个分数有误",
        "  - m.csv 第 11 行 item 列：应为 1 到 1000 之间的整数（收到 'x'）",
        "  - m.csv 第 12 行 judge 列：裁判 'J9' 不在轮次 'main' 的评委组中",
        "  - m.csv 第 12 行 value 列：score：必须从 0 起按 0.5 的步长取值（收到 9.2）",
        "  - m.csv 第 13 行：与第 2 行的分数重复（选手、轮次、项、评分项和裁判都相同）；请只保留一行",
        "  - m.csv 第 14 行 value 列：应为数字（收到 'abc'）",
        "  - m.csv 第 14 行 entrant 列：选手编号为空",
    ]
    code, _, err = run(capsys, "compute", tmp_path / "nope.toml", "--marks", files["marks"], "--lang", "zh-CN")
    assert code == 2 and err.startswith("错误：") and "nope.toml：无法读取文件" in err
    # the same file in English: what the environment (LANG=C.UTF-8 here) or --lang en asks for
    code, _, err = run(capsys, "compute", files["contest"], "--marks", files["marks"], "--lang", "en")
    assert err.splitlines()[:2] == [
        "error: m.csv: 6 bad marks",
        "  - m.csv row 11, column item: expected a whole number from 1 to 1000, got 'x'",
    ]


def test_entrants_from_xlsx_and_gbk_csv(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "姓名", "单位", "组别"])
    sheet.append(["A1", "王喆", "茶厂", "手工组"])
    sheet.append(["B2", "李堃", "合作社", "手工组"])
    sheet.append(["C3", "赵玥", "乡镇", "机制组"])
    book.save(tmp_path / "e.xlsx")
    code, out, _ = run(
        capsys, "compute", files["contest"], "--marks", files["marks"], "--entrants", tmp_path / "e.xlsx"
    )
    assert code == 0
    assert out.splitlines()[0] == "rank,entrant,name,organization,main,total,award,group"  # SPEC's order first
    assert out.splitlines()[1] == "1,B2,李堃,合作社,9.17,9.17,一等奖,手工组"

    (tmp_path / "gbk.csv").write_bytes("编号,姓名,单位\nA1,王喆,茶厂\nB2,李堃,合作社\nC3,赵玥,乡镇\n".encode("gb18030"))
    code, out, _ = run(
        capsys, "compute", files["contest"], "--marks", files["marks"], "--entrants", tmp_path / "gbk.csv"
    )
    assert code == 0 and "1,B2,李堃,合作社,9.17,9.17,一等奖" in out


def test_console_script_and_module_entry_point(files: dict[str, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "contest", "compute", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "entrant,round,item,criterion,judge,value" in done.stdout
    assert "trimmed_mean" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "contest", "compute", str(files["contest"]), "--marks", "/nonexistent"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
