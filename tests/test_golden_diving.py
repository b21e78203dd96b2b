"""Golden test: men's 3m springboard (fixtures/diving), every expected number worked out by hand.

Nothing here is recomputed by the code under test. Each dive: drop the highest and the lowest of five execution
marks, add the middle three (T) and multiply by the degree of difficulty (DD). A round adds its three dives; the
final standing is prelim + final. All products are exact to the cent, so no rounding is involved.

    prelim   dive 1          dive 2          dive 3          prelim   execution (ΣT)
    D01      24.5×3.1=75.95  23.5×3.4=79.90  21.5×3.8=81.70  237.55   69.5
    D03      24.0×3.0=72.00  22.5×3.5=78.75  22.0×3.6=79.20  229.95   68.5
    D02      23.0×3.1=71.30  22.0×3.4=74.80  21.0×3.6=75.60  221.70   66.0
    D04      22.5×3.0=67.50  21.5×3.3=70.95  20.0×3.8=76.00  214.45   64.0
    D06      19.0×3.4=64.60  18.5×3.6=66.60  24.5×2.6=63.70  194.90   62.0
    D05      21.0×3.0=63.00  20.5×3.2=65.60  19.5×3.4=66.30  194.90   61.0

    D05 and D06 tie on 194.90; the first tie-breaker, `final`, is 0 for both in the prelim standing, and
    execution (62.0 > 61.0) puts D06 ahead. The top 4 advance.

    final    dive 1          dive 2          dive 3          final    prelim + final
    D01      24.0×3.1=74.40  23.0×3.4=78.20  22.5×3.8=85.50  238.10   475.65
    D04      23.0×3.0=69.00  23.5×3.3=77.55  20.5×3.8=77.90  224.45   438.90
    D02      22.0×3.1=68.20  21.5×3.4=73.10  23.0×3.3=75.90  217.20   438.90
    D03      23.5×3.0=70.50  balked: 0       21.0×3.6=75.60  146.10   376.05

    D04 and D02 tie on 438.90; `final` breaks it (224.45 > 217.20) before execution is looked at (D02's
    ΣT 132.5 would have won it over D04's 131.0). D05 and D06 have no final marks and are not in its standing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contest.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "diving"

FINAL = """\
rank,entrant,name,organization,prelim,final,total,award
1,D01,林浩然,广东省跳水队,237.55,238.10,475.65,金牌
2,D04,李泽宇,上海市跳水队,214.45,224.45,438.90,银牌
3,D02,陈一鸣,四川省跳水队,221.70,217.20,438.90,铜牌
4,D03,张子墨,湖北省跳水队,229.95,146.10,376.05,
"""

PRELIM = """\
rank,entrant,name,organization,prelim,total,award,advances
1,D01,林浩然,广东省跳水队,237.55,237.55,,yes
2,D03,张子墨,湖北省跳水队,229.95,229.95,,yes
3,D02,陈一鸣,四川省跳水队,221.70,221.70,,yes
4,D04,李泽宇,上海市跳水队,214.45,214.45,,yes
5,D06,何俊杰,陕西省跳水队,194.90,194.90,,
6,D05,周博文,北京市跳水队,194.90,194.90,,
"""


def compute(
    capsys: pytest.CaptureFixture[str], *extra: str, folder: Path = FIXTURE, entrants: bool = True
) -> tuple[int, str, str]:
    args = ["compute", str(folder / "contest.toml"), "--marks", str(folder / "marks.csv")]
    if entrants:
        args += ["--entrants", str(folder / "entrants.csv")]
    code = main([*args, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_final_standing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys)
    assert (code, err) == (0, "")
    assert out == FINAL


def test_prelim_standing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--round", "prelim")
    assert (code, err) == (0, "")
    assert out == PRELIM


def test_prelim_standing_without_an_entrant_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--round", "prelim", entrants=False)
    assert (code, err) == (0, "")
    assert out == (
        "rank,entrant,name,organization,prelim,total,award,advances\n"
        "1,D01,,,237.55,237.55,,yes\n"
        "2,D03,,,229.95,229.95,,yes\n"
        "3,D02,,,221.70,221.70,,yes\n"
        "4,D04,,,214.45,214.45,,yes\n"
        "5,D06,,,194.90,194.90,,\n"
        "6,D05,,,194.90,194.90,,\n"
    )


def test_explain_names_dropped_judges_and_scores_a_balked_dive_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--explain", "D03")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "D03 张子墨 (湖北省跳水队)"
    # 8, 8, 8, 7.5, 9: J5's 9 and J4's 7.5 are dropped
    assert (
        "  prelim item 1 · execution: J1 8, J2 8, J3 8, J4 7.5, J5 9; dropped highest J5 and lowest J4; "
        "trimmed_sum = 24 → 24"
    ) in lines
    # five equal marks: the README's rule drops the later judge as highest and the earlier as lowest
    assert any("J5 7.5; dropped highest J5 and lowest J1; trimmed_sum = 22.5" in line for line in lines)
    assert "  prelim item 2: execution * dd = 22.5 * 3.5 → 78.75" in lines
    assert "  final item 2: not performed: scores 0 (missing_items = zero) → 0" in lines
    assert "  final: round = 70.5 + 0 + 75.6 → 146.1" in lines
    assert "  standing: prelim + final = 229.95 + 146.1 → 376.05" in lines
    assert lines[-1] == "  total 376.05: rank 4"


def test_explain_in_chinese(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = compute(capsys, "--explain", "D03", "--lang", "zh-CN")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        "  prelim 第1项 · execution: J1 8, J2 8, J3 8, J4 7.5, J5 9；去掉最高分 J5、最低分 J4；"
        "去掉最高最低分后的合计 = 24 → 24"
    ) in lines
    assert "  prelim 第2项 · dd: 录入值 → 3.5" in lines
    assert "  final 第2项: 未完成：计 0 分（missing_items = zero） → 0" in lines
    assert "  final: 本轮 = 70.5 + 0 + 75.6 → 146.1" in lines
    assert "  总成绩: prelim + final = 229.95 + 146.1 → 376.05" in lines
    assert lines[-1] == "  总分 376.05：第 4 名"
    # without --lang, a Chinese environment gets Chinese and any other English
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    _, out, _ = compute(capsys, "--explain", "D04", "--round", "prelim")
    assert out.splitlines()[-1] == "  总分 214.45：第 4 名，晋级"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert compute(capsys, "--explain", "D04")[1].splitlines()[-1] == "  total 438.90: rank 2, 银牌"


def test_explain_award_and_advancement(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = compute(capsys, "--explain", "D04")
    assert code == 0
    assert out.splitlines()[-1] == "  total 438.90: rank 2, 银牌"
    code, out, _ = compute(capsys, "--explain", "D04", "--round", "prelim")
    assert code == 0
    assert out.splitlines()[-1] == "  total 214.45: rank 4, advances"
    code, out, _ = compute(capsys, "--explain", "D06", "--round", "prelim")
    assert code == 0
    assert out.splitlines()[-1] == "  total 194.90: rank 5"


def test_explain_of_a_diver_not_in_the_final(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--explain", "D06")
    assert (code, out) == (2, "")
    assert "D06" in err and "final" in err


def test_bad_marks_are_all_reported_with_file_row_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "diving"
    shutil.copytree(FIXTURE, folder)
    marks = folder / "marks.csv"
    text = marks.read_text(encoding="utf-8")
    bad = {
        "D04,prelim,3,execution,J5,7.0": "D04,prelim,3,execution,J6,7.0",  # row 73: J6 is not on the panel
        "D02,final,2,execution,J3,7.5": "D02,final,2,entry,J3,7.5",  # row 137: no criterion 'entry'
        "D01,final,3,dd,,3.8": "D01,final,3,dd,,4.9",  # row 122: above the top DD of 4.8
    }
    for old, new in bad.items():
        assert text.count(f"\n{old}\n") == 1
        text = text.replace(f"\n{old}\n", f"\n{new}\n")
    marks.write_text(text, encoding="utf-8")
    code, out, err = compute(capsys, folder=folder)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("error: marks.csv: 3 bad marks\n")
    assert "marks.csv row 73, column judge: judge 'J6' is not on the panel of round 'prelim'" in err
    assert "marks.csv row 122, column value: dd: must be from 1.0 to 4.8, got 4.9" in err
    assert "marks.csv row 137, column criterion: round 'final' has no criterion 'entry'; it has execution, dd" in err
