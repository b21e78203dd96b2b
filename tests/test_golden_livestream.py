"""Golden test: the livestream-selling contest (fixtures/livestream), two groups ranked and awarded separately.

The expected table below was worked out independently of the code under test (exact fractions, half-up to 2
places), never recomputed by `contest`. Worked example, L04 谢雨桐 (个人组):

    presentation  judge totals J1 80, J2 78.5, J3 84.5, J4 75.5, J5 82.5 -> drop J3 84.5 and J4 75.5
                  -> (80 + 78.5 + 82.5) / 3 = 241/3 = 80.333... -> 80.33
    sales         100 * 40490.60 / 58800.00 (the best GMV of 个人组, L02) = 202453/2940 = 68.8615... -> 68.86
    total         0.3 * 86 + 0.4 * 241/3 + 0.3 * 202453/2940 = 2310599/29400 = 78.5918... -> 78.59

Deliberate cases:
- Sales are relative to the best GMV of the entrant's own group: L02 (个人组) and L06 (企业组) both get 100.
- L04 and L05 tie exactly (both 2310599/29400) with no tie-breakers: they share rank 4, and as they sit at the
  edge of 优秀奖 (share 0.5 of 5 ranked, rounded down = 2 places after 一等奖 and 二等奖) both receive it.
- L08 (企业组) lacks J2's 互动能力 mark: listed after its group's ranked entrants with no rank, presentation,
  total or award; 企业组 has 4 ranked, so 优秀奖 takes 2 (floor(0.5 * 4)).
- L03's organization starts with "=": CSV and XLSX show it with a leading apostrophe, JSON as entered.
- L08's GMV is entered as "213,300.00" (thousands separator, as a platform export shows it).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import line_starting, run_cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "livestream"
BASE = [
    "compute",
    str(FIXTURE / "contest.toml"),
    "--marks",
    str(FIXTURE / "marks.csv"),
    "--entrants",
    str(FIXTURE / "entrants.csv"),
]

EXPECTED_CSV = """\
rank,entrant,name,organization,theory,presentation,sales,total,award,group
1,L02,何俊杰,旺苍县青年电商创业协会,78.50,89.00,100.00,89.15,一等奖,个人组
2,L01,周婷婷,旺苍县嘉川镇电商服务站,86.00,86.00,82.03,84.81,二等奖,个人组
3,L03,罗丹,'=米仓山好物直播间,91.00,78.33,70.96,79.92,优秀奖,个人组
4,L04,谢雨桐,旺苍县普济镇农产品直播点,86.00,80.33,68.86,78.59,优秀奖,个人组
4,L05,龚鑫,广元职业技术学院,80.00,80.33,74.86,78.59,优秀奖,个人组
1,L06,苏晴,四川米仓山茶业集团有限公司,88.50,90.67,100.00,92.82,一等奖,企业组
2,L07,马骁,旺苍县红军城文旅发展有限公司,83.00,83.50,78.50,81.85,二等奖,企业组
3,L09,邓志强,广元市鑫源电子商务有限公司,76.50,79.33,68.68,75.29,优秀奖,企业组
4,L10,冉燚,旺苍县天府菌业有限公司,69.50,78.17,54.16,68.37,优秀奖,企业组
,L08,唐诗雨,旺苍县农特产品供销有限公司,90.00,,90.21,,,企业组
"""

# (rank, entrant, group, theory, presentation, sales, total, award) as in EXPECTED_CSV
EXPECTED_ROWS = [
    (1, "L02", "个人组", "78.50", "89.00", "100.00", "89.15", "一等奖"),
    (2, "L01", "个人组", "86.00", "86.00", "82.03", "84.81", "二等奖"),
    (3, "L03", "个人组", "91.00", "78.33", "70.96", "79.92", "优秀奖"),
    (4, "L04", "个人组", "86.00", "80.33", "68.86", "78.59", "优秀奖"),
    (4, "L05", "个人组", "80.00", "80.33", "74.86", "78.59", "优秀奖"),
    (1, "L06", "企业组", "88.50", "90.67", "100.00", "92.82", "一等奖"),
    (2, "L07", "企业组", "83.00", "83.50", "78.50", "81.85", "二等奖"),
    (3, "L09", "企业组", "76.50", "79.33", "68.68", "75.29", "优秀奖"),
    (4, "L10", "企业组", "69.50", "78.17", "54.16", "68.37", "优秀奖"),
    (None, "L08", "企业组", "90.00", None, "90.21", None, None),
]


def run(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run_cli(capsys, *BASE, *extra)


def explain_lines(capsys: pytest.CaptureFixture[str], entrant: str, *more: str) -> list[str]:
    code, out, err = run(capsys, "--explain", entrant, *more)
    assert code == 0, err
    return out.splitlines()


def test_compute_csv_is_the_golden_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 0, err
    assert out == EXPECTED_CSV


def test_incomplete_entrant_is_listed_unranked(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys)
    lines = out.splitlines()
    assert lines[-1] == ",L08,唐诗雨,旺苍县农特产品供销有限公司,90.00,,90.21,,,企业组"
    rank, _, _, _, _, presentation, _, total, award, _ = lines[-1].split(",")
    assert (rank, presentation, total, award) == ("", "", "", "")


def test_organization_starting_with_equals_is_guarded(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys)
    assert "3,L03,罗丹,'=米仓山好物直播间,91.00," in out
    assert ",=米仓山好物直播间" not in out


def test_explain_names_dropped_judges_and_group_best(capsys: pytest.CaptureFixture[str]) -> None:
    lines = explain_lines(capsys, "L04")
    assert lines[0] == "L04 谢雨桐 (旺苍县普济镇农产品直播点)"
    assert "  presentation · J1: 主播形象 + 直播话术 + 互动能力 + 产品知识 = 20.5 + 20 + 21 + 18.5 → 80" in lines
    panel = line_starting(lines, "  presentation · panel: ")
    assert panel.startswith(
        "  presentation · panel: J1 80, J2 78.5, J3 84.5, J4 75.5, J5 82.5; dropped highest J3 and lowest J4; "
        "trimmed_mean = "
    )
    assert panel.endswith(" → 80.333333…")
    assert "  sales · GMV: relative to the field: 40490.6 / best 58800 → 0.688615…" in lines  # cut, not rounded
    assert line_starting(lines, "  sales: 100 * GMV = ").endswith(" → 68.861564…")
    assert line_starting(lines, "  standing: theory*0.3 + presentation*0.4 + sales*0.3 = 86 * 0.3 + ").endswith(
        " → 78.591802…"
    )
    assert lines[-1] == "  total 78.59: rank 4 in group 个人组, 优秀奖"


def test_explain_shared_rank_both_awarded(capsys: pytest.CaptureFixture[str]) -> None:
    lines = explain_lines(capsys, "L05")
    assert lines[-1] == "  total 78.59: rank 4 in group 个人组, 优秀奖"


def test_explain_incomplete_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    lines = explain_lines(capsys, "L08")
    assert lines[0] == "L08 唐诗雨 (旺苍县农特产品供销有限公司)"
    # the group's best GMV is L06's 236450, so L08's 213,300.00 is read as 213300
    assert "  sales · GMV: relative to the field: 213300 / best 236450 → 0.902093…" in lines
    assert lines[-2:] == ["  not ranked: incomplete", "    - presentation: 互动能力 not marked by J2"]
    assert not any(line.startswith("  total ") for line in lines)


def test_explain_in_chinese_says_what_is_missing_and_the_group_rank(capsys: pytest.CaptureFixture[str]) -> None:
    lines = explain_lines(capsys, "L08", "--lang", "zh-CN")
    assert "  sales · GMV: 与全场最好成绩相比：213300 / 最好 236450 → 0.902093…" in lines
    assert lines[-2:] == ["  不排名：成绩不完整", "    - presentation：互动能力 缺少裁判 J2 的评分"]
    assert explain_lines(capsys, "L05", "--lang", "zh-CN")[-1] == "  总分 78.59：个人组第 4 名，优秀奖"


def test_xlsx_reads_back_with_the_same_totals(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    code, _, err = run(capsys, "-o", str(out))
    assert code == 0, err
    assert "10 entrants, 9 ranked" in err
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "rank",
        "entrant",
        "name",
        "organization",
        "theory",
        "presentation",
        "sales",
        "total",
        "award",
        "group",
        "note",
    )

    def dec(value: object) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))

    got = [(r[0], r[1], r[9], *(dec(v) for v in r[4:8]), r[8] or None) for r in rows[1:]]
    want = [
        (rank, code, group, *(None if v is None else Decimal(v) for v in nums), award)
        for rank, code, group, *nums, award in EXPECTED_ROWS
    ]
    assert got == want
    assert rows[3][3] == "=米仓山好物直播间"  # as entered, in a string cell
    assert sheet.cell(row=4, column=4).data_type == "s"  # text, never a formula
    assert rows[-1][10] == "presentation: 互动能力 not marked by J2"
    # in Chinese, the note says the same
    code, _, err = run(capsys, "-o", str(out), "--lang", "zh-CN")
    assert (code, err) == (0, f"{out}：10 名选手，其中 9 名有名次\n")
    assert (
        list(load_workbook(out).active.iter_rows(values_only=True))[-1][10]
        == "presentation：互动能力 缺少裁判 J2 的评分"
    )


def test_json_carries_decimals_as_strings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code, _, err = run(capsys, "-o", str(out))
    assert code == 0, err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["contest"] == "livestream-2026"
    assert data["round"] == "sales"
    got = [
        (
            r["rank"],
            r["entrant"],
            r["group"],
            r["rounds"]["theory"],
            r["rounds"]["presentation"],
            r["rounds"]["sales"],
            r["total"],
            r["award"],
        )
        for r in data["rows"]
    ]
    assert got == EXPECTED_ROWS
    l03 = data["rows"][2]
    assert l03["organization"] == "=米仓山好物直播间"  # JSON is data, not a spreadsheet: kept as entered
    l08 = data["rows"][-1]
    assert l08["complete"] is False
    assert l08["issues"] == ["presentation: 互动能力 not marked by J2"]
