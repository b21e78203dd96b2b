"""Judge consistency (services.consistency): figures on hand-made panels whose answers are known, the trims counted
exactly as the core drops them, the spread flags as the chief judge's page flags them, and the figures read from a
stored contest."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.db.engine import make_engine, make_sessions
from contest.scoring import Mark, parse_definition
from contest.scoring.panel import combine_detail
from contest.scoring.review import spread_flags
from contest.services import consistency
from contest.services.consistency import judge_consistency, marks_frame

D = Decimal
JUDGES = ("J1", "J2", "J3", "J4", "J5")


def contest(panel: str = "trimmed_mean", drop: int = 1, judge: str = "", spread: str = "2") -> str:
    judge_line = f'judge = "{judge}"\n' if judge else ""
    item = "panel" if judge else "a + b"
    return f"""
[contest]
slug = "c"
title = "一致性"
judges = ["J1", "J2", "J3", "J4", "J5"]

[[criteria]]
key = "a"
label = "A"
min = 0
max = 100
step = 0.5

[[criteria]]
key = "b"
label = "B"
min = 0
max = 100
step = 0.5

[scoring]
panel = "{panel}"
drop = {drop}
{judge_line}item = "{item}"

[review]
spread = {spread}

[[rounds]]
key = "final"
items = 1
criteria = ["a", "b"]
"""


def table_of(toml: str, marks: list[Mark], spread: str = "2") -> dict[str, dict[str, object]]:
    definition = parse_definition(toml)
    found = judge_consistency(marks_frame(marks), definition, {"final": JUDGES}, D(spread))
    return {row["judge"]: row for row in consistency.as_records(found)}


def known_panel() -> list[Mark]:
    """Five entrants; J1..J4 around each entrant's level (median = the level), J5 always 5 points above it."""
    marks = []
    for i, entrant in enumerate(["E1", "E2", "E3", "E4", "E5"]):
        level = D(40 + 10 * i)
        for criterion in ("a", "b"):
            offsets = {"J1": D(-1), "J2": D(0), "J3": D(0), "J4": D(1), "J5": D(5)}
            marks += [Mark(entrant, "final", 1, criterion, j, level + offsets[j]) for j in JUDGES]
    return marks


def test_a_judge_always_five_above_the_median() -> None:
    rows = table_of(contest(), known_panel())
    j5 = rows["J5"]
    assert j5["marks"] == 10
    assert j5["mean_deviation"] == pytest.approx(5.0)
    assert j5["mean_abs_deviation"] == pytest.approx(5.0)
    assert (j5["flagged"], j5["flagged_share"]) == (10, 1.0)  # 5 > spread 2 on every mark
    assert (j5["panels"], j5["trimmed_high"], j5["trimmed_low"], j5["trimmed_share"]) == (10, 10, 0, 1.0)
    assert j5["spearman"] == pytest.approx(1.0)  # lenient, but in the panel's order
    j1 = rows["J1"]
    assert j1["mean_deviation"] == pytest.approx(-1.0)
    assert (j1["flagged"], j1["trimmed_high"], j1["trimmed_low"]) == (0, 0, 10)  # always the lowest
    assert rows["J2"]["mean_deviation"] == pytest.approx(0.0)
    assert (rows["J2"]["trimmed_high"], rows["J2"]["trimmed_low"]) == (0, 0)
    assert list(rows) == list(JUDGES)


def test_the_spread_rule_is_the_chief_pages() -> None:
    # 5 points from the median is flagged with spread 2, not with spread 5 (more than, not at least)
    assert table_of(contest(spread="5"), known_panel(), spread="5")["J5"]["flagged"] == 0
    assert table_of(contest(spread="4.5"), known_panel(), spread="4.5")["J5"]["flagged"] == 10
    marks = {j: D(v) for j, v in zip(JUDGES, ["40", "41", "41", "42", "46"], strict=True)}
    assert spread_flags(marks, D(4.5)) == (D(41), ("J5",))


def test_a_judge_ranking_in_reverse() -> None:
    marks = []
    for i, entrant in enumerate(["E1", "E2", "E3", "E4", "E5", "E6"]):
        for criterion in ("a", "b"):
            values = {"J1": 40 + 10 * i, "J2": 41 + 10 * i, "J3": 39 + 10 * i, "J4": 40 + 10 * i, "J5": 95 - 10 * i}
            marks += [Mark(entrant, "final", 1, criterion, j, D(values[j])) for j in JUDGES]
    rows = table_of(contest(), marks)
    assert rows["J5"]["spearman"] == pytest.approx(-1.0)
    assert rows["J1"]["spearman"] == pytest.approx(1.0)
    assert rows["J5"]["entrants"] == 6


def test_not_trimmed_when_the_panel_method_keeps_everyone() -> None:
    rows = table_of(contest(panel="mean", drop=0), known_panel())
    assert (rows["J5"]["trimmed_high"], rows["J5"]["trimmed_share"]) == (0, 0.0)
    assert rows["J5"]["mean_deviation"] == pytest.approx(5.0)


def test_an_incomplete_panel_is_not_trimmed_and_one_entrant_has_no_correlation() -> None:
    marks = [m for m in known_panel() if m.entrant == "E1" and not (m.judge == "J3" and m.criterion == "b")]
    rows = table_of(contest(), marks)
    assert rows["J5"]["panels"] == 1  # criterion a only: b lacks J3's mark
    assert rows["J5"]["trimmed_high"] == 1
    assert rows["J5"]["spearman"] is None  # one entrant: no ranking to compare


def test_a_correction_replaces_the_mark_it_corrects() -> None:
    marks = [*known_panel(), *(Mark("E1", "final", 1, c, "J5", D(40)) for c in ("a", "b"))]
    rows = table_of(contest(), marks)
    assert rows["J5"]["marks"] == 10
    assert rows["J5"]["mean_deviation"] == pytest.approx((8 * 5 + 2 * 0) / 10)


def test_with_a_judge_formula_the_judges_totals_are_trimmed() -> None:
    # the panel combines each judge's total a + b: J5's total is the highest of every entrant
    rows = table_of(contest(judge="a + b"), known_panel())
    assert (rows["J5"]["panels"], rows["J5"]["trimmed_high"]) == (5, 5)
    assert (rows["J1"]["panels"], rows["J1"]["trimmed_low"]) == (5, 5)


values = st.sampled_from([D(v) / 2 for v in range(0, 21)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(values, min_size=10, max_size=10), min_size=1, max_size=6), st.sampled_from([1, 2]))
def test_trims_are_counted_as_the_core_drops_them(panels: list[list[Decimal]], drop: int) -> None:
    marks = []
    expected = {j: [0, 0] for j in JUDGES}
    for n, given_values in enumerate(panels):
        for k, criterion in enumerate(("a", "b")):
            row = list(zip(JUDGES, given_values[5 * k : 5 * k + 5], strict=True))
            marks += [Mark(f"E{n}", "final", 1, criterion, j, v) for j, v in row]
            _, high, low = combine_detail("trimmed_mean", drop, row)
            for j in high:
                expected[j][0] += 1
            for j in low:
                expected[j][1] += 1
    rows = table_of(contest(drop=drop), marks)
    for judge in JUDGES:
        assert [rows[judge]["trimmed_high"], rows[judge]["trimmed_low"]] == expected[judge], judge
        flagged = sum(
            judge in spread_flags({j: m.value for m in marks if m.entrant == e and m.criterion == c
                                   for j in [m.judge]}, D(2))[1]
            for e in {m.entrant for m in marks}
            for c in ("a", "b")
        )  # fmt: skip
        assert rows[judge]["flagged"] == flagged


def test_from_a_stored_contest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    folder = FIXTURES / "tea"
    code, _, err = run_cli(
        capsys, "load", folder / "contest.toml", "--entrants", folder / "entrants.csv",
        "--marks", folder / "marks.csv", "--db", url,
    )  # fmt: skip
    assert code == 0, err
    engine = make_engine(url, readonly=True)
    try:
        snapshot, table = consistency.for_contest(make_sessions(engine), "tea-2026")
    finally:
        engine.dispose()
    assert snapshot.version == 82
    rows = consistency.as_records(table)
    assert [(r["round"], r["judge"]) for r in rows] == [
        *(("operation", j) for j in JUDGES),
        *(("sensory", j) for j in ("S1", "S2", "S3")),
    ]
    # operation: 5 judges, trimmed on each judge's total of 8 entrants (去掉一个最高分和一个最低分): 8 highs, 8 lows
    operation = [r for r in rows if r["round"] == "operation"]
    assert sum(r["trimmed_high"] for r in operation) == 8
    assert sum(r["trimmed_low"] for r in operation) == 8
    assert all(r["panels"] == 8 for r in operation)
    # sensory: a panel of three, averaged: nobody trimmed
    assert all(r["trimmed_high"] == r["trimmed_low"] == 0 for r in rows if r["round"] == "sensory")
    assert all(-1 <= r["spearman"] <= 1 and not math.isnan(r["mean_deviation"]) for r in rows)


def test_the_chart_is_svg_with_every_text_escaped() -> None:
    import xml.etree.ElementTree as ET

    from contest.exports.svg_chart import bar_chart

    svg = bar_chart('<script>"评委"</script>', [("J1 <b>&", 1.5), ("J2", -0.5), ("J3", None)])
    root = ET.fromstring(svg)  # well-formed: nothing a name holds can break out of its text
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script>" not in svg and "<b>" not in svg
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert '<script>"评委"</script>' in texts and "J1 <b>&" in texts and "—" in texts
    assert "+1.50" in texts and "-0.50" in texts
    assert "style=" not in svg  # the pages allow no inline style (CSP)
