"""Golden test: the tea-making contest (fixtures/tea), three modules weighted into one standing.

The expected table below was worked out independently of the code under test (exact fractions, half-up to 2
places), never recomputed by `contest`. Worked example, T04 张秀英:

    operation  judge totals J1 72.5, J2 76, J3 70, J4 76, J5 74 -> drop J4 76 (highest; the later of the two 76s)
               and J3 70 (lowest) -> panel = (72.5 + 76 + 74) / 3 = 445/6 = 74.1666...
               成品率 22.1 relative to the best yield 25.3 (T02) -> 22.1 / 25.3 = 0.873517...
               item = 445/6 * 0.9 + 10 * 221/253 = 76391/1012 = 75.48517... -> 75.49
    sensory    means of S1..S3: 外形 505/6, 汤色 511/6, 香气 250/3, 滋味 84.5, 叶底 83.5
               0.25*外形 + 0.10*汤色 + 0.25*香气 + 0.30*滋味 + 0.10*叶底 = 10091/120 = 84.091666... -> 84.09
    total      0.2 * 76.5 + 0.4 * 76391/1012 + 0.4 * 10091/120 = 6006023/75900 = 79.13073... -> 79.13

Deliberate cases:
- T03 王喆 and T06 陈晓燕 tie exactly on the total (both 6545579/75900 = 86.2395...), and the first tie-breaker,
  滋味 (mean 88.5 against 86), puts T03 ahead: ranks 4 and 5, not a shared 4.
- Safety deductions: T05 2 points, T07 0.5 (T02 has an explicit 0; the others none entered, default 0).
- T05's sensory score is exactly 87.625 (701/8) reached through non-terminating means (外形 529/6, 香气 262/3):
  it must show 87.63 (half-up), not 87.62.
- Trimmed means of judge totals that do not terminate (T01 261.5/3, T04 222.5/3, T05 247/3, T08 260.5/3) and
  judge-total ties at the top (T04: J2 and J4 both 76).
- Awards top 1 / 2 / 3 walking down the ranking: 一等奖 T02; 二等奖 T08, T01; 三等奖 T03, T06, T05.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import line_starting, run_cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "tea"
BASE = [
    "compute",
    str(FIXTURE / "contest.toml"),
    "--marks",
    str(FIXTURE / "marks.csv"),
    "--entrants",
    str(FIXTURE / "entrants.csv"),
]

EXPECTED_CSV = """\
rank,entrant,name,organization,theory,operation,sensory,total,award
1,T02,李堃,四川米仓山茶业集团有限公司,92.00,91.45,91.98,91.77,一等奖
2,T08,杨淼,四川旺苍米仓山茶业有限公司,95.50,87.99,90.76,90.60,二等奖
3,T01,王芳,旺苍县米仓山茶叶专业合作社,88.50,88.17,89.88,88.92,二等奖
4,T03,王喆,旺苍县木门镇茶厂,90.50,83.21,87.14,86.24,三等奖
5,T06,陈晓燕,广元市旺苍县汉王山茶业有限公司,83.50,85.46,88.39,86.24,三等奖
6,T05,赵德明,旺苍县黄洋镇富硒茶厂,84.00,81.39,87.63,84.41,三等奖
7,T04,张秀英,旺苍县东河镇茶叶专业合作社,76.50,75.49,84.09,79.13,
8,T07,刘建国,旺苍县鼓城乡茶叶专业合作社,68.00,73.33,81.16,75.39,
"""

# (rank, entrant, theory, operation, sensory, total, award) as in EXPECTED_CSV
EXPECTED_ROWS = [
    (1, "T02", "92.00", "91.45", "91.98", "91.77", "一等奖"),
    (2, "T08", "95.50", "87.99", "90.76", "90.60", "二等奖"),
    (3, "T01", "88.50", "88.17", "89.88", "88.92", "二等奖"),
    (4, "T03", "90.50", "83.21", "87.14", "86.24", "三等奖"),
    (5, "T06", "83.50", "85.46", "88.39", "86.24", "三等奖"),
    (6, "T05", "84.00", "81.39", "87.63", "84.41", "三等奖"),
    (7, "T04", "76.50", "75.49", "84.09", "79.13", None),
    (8, "T07", "68.00", "73.33", "81.16", "75.39", None),
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


def test_explain_names_dropped_judges_yield_and_total(capsys: pytest.CaptureFixture[str]) -> None:
    lines = explain_lines(capsys, "T04")
    assert lines[0] == "T04 张秀英 (旺苍县东河镇茶叶专业合作社)"
    assert "  theory: 理论 = 76.5 → 76.5" in lines
    assert "  operation · J2: 杀青 + 揉捻 + 做形 + 干燥 = 23.5 + 22 + 15 + 15.5 → 76" in lines
    assert "  operation · J4: 杀青 + 揉捻 + 做形 + 干燥 = 23 + 22.5 + 15.5 + 15 → 76" in lines
    panel = line_starting(lines, "  operation · panel: ")
    # J2 and J4 both total 76: the later judge is dropped as the highest
    assert panel.startswith(
        "  operation · panel: J1 72.5, J2 76, J3 70, J4 76, J5 74; dropped highest J4 and lowest J3; trimmed_mean = "
    )
    assert panel.endswith(" → 74.166666…")
    assert "  operation · 成品率: relative to the field: 22.1 / best 25.3 → 0.873517…" in lines
    assert line_starting(lines, "  operation: panel * 0.9 + 10 * 成品率 = ").endswith(" → 75.485177…")
    assert line_starting(lines, "  sensory: ").endswith(" → 84.091666…")
    assert line_starting(lines, "  standing: theory*0.2 + operation*0.4 + sensory*0.4 = 76.5 * 0.2 + ").endswith(
        " → 79.130737…"
    )
    assert lines[-2:] == ["  tie-breakers, in order: 滋味 84.50, 外形 84.17", "  total 79.13: rank 7"]


def test_explain_of_the_theory_round_names_no_tie_breaker_it_does_not_score(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 滋味 and 外形 are sensory criteria: the theory standing is not compared on them, so they are not shown as 0
    assert explain_lines(capsys, "T04", "--round", "theory")[-2:] == [
        "  theory: 理论 = 76.5 → 76.5",
        "  total 76.50: rank 7",
    ]


def test_explain_shows_the_safety_deduction_and_an_exact_half(capsys: pytest.CaptureFixture[str]) -> None:
    lines = explain_lines(capsys, "T05")
    assert line_starting(lines, "  operation · panel: ").startswith(
        "  operation · panel: J1 81, J2 84, J3 79, J4 85.5, J5 82; dropped highest J4 and lowest J3; "
    )
    assert "  operation: deduction 安全扣分 − 2 → 81.388537…" in lines
    # 87.625 exactly, though 外形 (529/6) and 香气 (262/3) do not terminate
    assert line_starting(lines, "  sensory: ").endswith(" → 87.625")
    assert lines[-1] == "  total 84.41: rank 6, 三等奖"


def test_exact_tie_on_total_is_broken_by_taste(capsys: pytest.CaptureFixture[str]) -> None:
    t03 = explain_lines(capsys, "T03")
    t06 = explain_lines(capsys, "T06")
    assert "  sensory · 滋味: S1 89, S2 88.5, S3 88; mean = 88.5 → 88.5" in t03
    assert "  sensory · 滋味: S1 86, S2 85.5, S3 86.5; mean = 86 → 86" in t06
    assert t03[-1] == "  total 86.24: rank 4, 三等奖"
    assert t06[-1] == "  total 86.24: rank 5, 三等奖"


def test_xlsx_reads_back_with_the_same_totals(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    code, _, err = run(capsys, "-o", str(out))
    assert code == 0, err
    assert "8 entrants, 8 ranked" in err
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "rank",
        "entrant",
        "name",
        "organization",
        "theory",
        "operation",
        "sensory",
        "total",
        "award",
        "note",
    )
    got = [(r[0], r[1], *(Decimal(str(v)).quantize(Decimal("0.01")) for v in r[4:8]), r[8] or None) for r in rows[1:]]
    want = [(rank, code, *(Decimal(v) for v in nums), award) for rank, code, *nums, award in EXPECTED_ROWS]
    assert got == want
    for row in sheet.iter_rows(min_row=2):
        assert [c.number_format for c in row[4:8]] == ["0.00"] * 4
        assert all(isinstance(c.value, int | float) for c in row[4:8])


def test_json_carries_decimals_as_strings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code, _, err = run(capsys, "-o", str(out))
    assert code == 0, err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["contest"] == "tea-2026"
    assert data["round"] == "sensory"
    got = [
        (
            r["rank"],
            r["entrant"],
            r["rounds"]["theory"],
            r["rounds"]["operation"],
            r["rounds"]["sensory"],
            r["total"],
            r["award"],
        )
        for r in data["rows"]
    ]
    assert got == EXPECTED_ROWS
    assert all(r["complete"] and r["issues"] == [] for r in data["rows"])


def test_csv_file_has_a_bom_and_the_golden_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, "-o", str(out))
    assert code == 0, err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8") == EXPECTED_CSV
