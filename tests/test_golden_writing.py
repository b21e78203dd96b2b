"""Golden test: the information-writing contest (fixtures/writing), every expected number worked out by hand.

Nothing here is recomputed by the code under test: the tables below were derived independently (exact fractions,
rounded half-up to 2 places) from the fixture's marks, following the README's rules.

Total = checklist (标题醒目 5 + 主题明确 5 + 导语精炼 5 + 数据来源 10 + 身份署名 5, each all or nothing)
      + 写作质量 (mean of J1, J2, J3) - 超字数扣分.

    code  checklist  写作质量 J1 / J2 / J3   mean          deduction  exact total    shown
    W01   30         58.5 / 58   / 59.5     176/3   58.67  0          88.666…        88.67
    W02   25         60   / 59.5 / 61       180.5/3 60.17  0          85.166…        85.17
    W03   30         59   / 58.5 / 59       176.5/3 58.83  0          88.833…        88.83
    W04   20         66   / 67   / 66.5     199.5/3 66.50  0          86.5           86.50
    W05   20         61   / 62.5 / 60       183.5/3 61.17  2          79.166…        79.17
    W06   30         59.5 / 60.5 / 60.5     180.5/3 60.17  5          85.166…        85.17
    W07   30         56.5 / 57   / 56       169.5/3 56.50  0 (entered) 86.5          86.50
    W08   15         55   / 54   / 56       165/3   55.00  0          70             70.00
    W09   30         63   / 64   / —        J3 missing: incomplete, not ranked

Ranking: W03, W01; W04 and W07 tie on 86.50 and 写作质量 breaks it (66.50 > 56.50); W02 and W06 are equal on the
total and on 写作质量 (60.17), so they share rank 5 and the next rank is 7.

Awards: nobody reaches 90, so 一等奖 stays empty (空缺) and 二等奖 starts at rank 1 (W03, W01). 三等奖 takes the
next 3 (W04, W07, W02); W06 is tied with W02 at the edge and gets it too (4 winners).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contest.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "writing"

EXPECTED = """\
rank,entrant,name,organization,main,total,award
1,W03,王志强,县住房和城乡建设局,88.83,88.83,二等奖
2,W01,张丽,县统计局,88.67,88.67,二等奖
3,W04,刘洋,城关镇党政办公室,86.50,86.50,三等奖
4,W07,陈静,县卫生健康局,86.50,86.50,三等奖
5,W02,李建国,县总工会,85.17,85.17,三等奖
5,W06,周敏,县人力资源和社会保障局,85.17,85.17,三等奖
7,W05,赵磊,龙潭乡党政办公室,79.17,79.17,
8,W08,黄晓燕,石桥镇党政办公室,70.00,70.00,
,W09,吴军,县农业农村局,,,
"""


def compute(capsys: pytest.CaptureFixture[str], *extra: str, folder: Path = FIXTURE) -> tuple[int, str, str]:
    code = main(
        [
            "compute",
            str(folder / "contest.toml"),
            "--marks",
            str(folder / "marks.csv"),
            "--entrants",
            str(folder / "entrants.csv"),
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def copy_fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "writing"
    shutil.copytree(FIXTURE, folder)
    return folder


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_standing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys)
    assert (code, err) == (0, "")
    assert out == EXPECTED


def test_explain_shows_the_judges_the_deduction_and_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--explain", "W06")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "W06 周敏 (县人力资源和社会保障局)"
    assert any(line.startswith("  main · 写作质量: J1 59.5, J2 60.5, J3 60.5; mean = 60.1666") for line in lines)
    assert "  main · 数据来源: entered → 10" in lines
    # 30 + 60.1666… = 90.1666…, minus 5 for running over the word limit
    assert "  main: deduction 超字数扣分 − 5 → 85.166666…" in lines
    assert lines[-1] == "  total 85.17: rank 5, 三等奖"


def test_explain_of_an_entrant_with_a_judge_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--explain", "W09")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "W09 吴军 (县农业农村局)"
    assert lines[-2:] == ["  not ranked: incomplete", "    - main: 写作质量 not marked by J3"]


def test_explain_of_the_tie_winner(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = compute(capsys, "--explain", "W04")
    assert code == 0
    lines = out.splitlines()
    assert "  main · 写作质量: J1 66, J2 67, J3 66.5; mean = 66.5 → 66.5" in lines
    assert lines[-1] == "  total 86.50: rank 3, 三等奖"


@pytest.mark.parametrize(
    ("first_prize", "awards"),
    [
        # W03's total 88.83 reaches a bar of 88.83: exactly one 一等奖; 二等奖 and 三等奖 follow on from rank 2.
        (
            "top = 1\nmin_total = 88.83",
            ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", "", "", ""],
        ),
        # A bar just above W03 (88.84): the place stays empty, as with 90.
        (
            "top = 1\nmin_total = 88.84",
            ["二等奖", "二等奖", "三等奖", "三等奖", "三等奖", "三等奖", "", "", ""],
        ),
        # Two 一等奖 places with a bar of 88.67: W01's exact total is 88.666…, shown and ranked as 88.67, so it
        # qualifies (README: standings rank on the rounded total). 三等奖 then reaches W05 at rank 7.
        (
            "top = 2\nmin_total = 88.67",
            ["一等奖", "一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", "", ""],
        ),
    ],
)
def test_first_prize_bar(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, first_prize: str, awards: list[str]
) -> None:
    folder = copy_fixture(tmp_path)
    replace_once(folder / "contest.toml", 'name = "一等奖"\ntop = 1\nmin_total = 90', f'name = "一等奖"\n{first_prize}')
    code, out, err = compute(capsys, folder=folder)
    assert (code, err) == (0, "")
    rows = out.splitlines()[1:]
    assert [row.split(",")[-1] for row in rows] == awards
    # the awards move; totals and ranks do not
    assert [row.rsplit(",", 1)[0] for row in rows] == [row.rsplit(",", 1)[0] for row in EXPECTED.splitlines()[1:]]


def test_bad_marks_are_all_reported_with_file_row_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = copy_fixture(tmp_path)
    marks = folder / "marks.csv"
    replace_once(marks, "\nW02,写作质量,J2,59.5\n", "\nW02,写作质量,J2,61.3\n")  # row 16: off the 0.5 step
    replace_once(marks, "\nW05,主题明确,,0\n", "\nW05,主题明确,,3\n")  # row 35: a checklist point is 0 or 5
    with marks.open("a", encoding="utf-8") as f:
        f.write("W10,写作质量,J1,60\n")  # row 76: nobody has the code W10
    code, out, err = compute(capsys, folder=folder)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("error: marks.csv: 3 bad marks\n")
    assert "marks.csv row 16, column value: 写作质量: must be a multiple of 0.5 from 0, got 61.3" in err
    assert "marks.csv row 35, column value: 主题明确: must be a multiple of 5 from 0, got 3" in err
    assert "marks.csv row 76, column entrant: no entrant has the code 'W10'" in err
