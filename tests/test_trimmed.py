"""contest/scoring/trimmed.py: which marks the core dropped, each item's score and each judge's total, as score
sheets print them (diving: five execution marks, the highest and the lowest dropped; tea: a judge formula)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition
from contest.scoring.trimmed import PANEL, dropped, entrant_sheet, judge_totals

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def board(name: str, round_key: str) -> Board:
    folder = FIXTURES / name
    definition = parse_definition((folder / "contest.toml").read_text(encoding="utf-8"))
    with (folder / "marks.csv").open(encoding="utf-8-sig") as f:
        marks = [
            Mark(r["entrant"], r["round"], int(r["item"] or 1), r["criterion"], r["judge"], Decimal(r["value"]))
            for r in csv.DictReader(f)
        ]
    with (folder / "entrants.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))[1:]
    entrants = [Entrant(r[0], r[1], r[2]) for r in rows]
    return Board(definition, round_key, entrants, MarkSheet(marks))


def test_the_dropped_marks_are_those_the_core_dropped_and_the_items_add_up_to_the_round() -> None:
    sheet = entrant_sheet(board("diving", "prelim"), "D01")
    assert sheet is not None
    first = next(p for p in sheet.panels if p.item == 1 and p.part == "execution")
    # J1 8.0, J2 8.5, J3 8.0, J4 7.5, J5 8.5: the lowest (J4) and one highest (the later of the two 8.5s) dropped
    assert dict(first.marks) == {"J1": Decimal("8.0"), "J2": Decimal("8.5"), "J3": Decimal("8.0"),
                                 "J4": Decimal("7.5"), "J5": Decimal("8.5")}  # fmt: skip
    assert dropped(first) == {"J4", "J5"}
    assert first.value == Decimal("24.5")
    assert sheet.items == {1: Decimal("75.95"), 2: Decimal("79.90"), 3: Decimal("81.70")}
    assert sheet.row.rounds["prelim"] == Decimal("237.55") and sheet.row.rank == 1
    assert all(len(dropped(p)) == 2 for p in sheet.panels)


def test_a_balked_dive_scores_zero_and_has_no_panel() -> None:
    sheet = entrant_sheet(board("diving", "final"), "D03")
    assert sheet is not None and sheet.round == "final"
    assert sheet.items[2] == 0
    assert {p.item for p in sheet.panels} == {1, 3}
    assert sheet.row.total == Decimal("376.05")
    # a standing over two rounds: the prelim's panels are there for the prelim's sheet
    prelim = entrant_sheet(board("diving", "final"), "D03", "prelim")
    assert prelim is not None and {p.round for p in prelim.panels} == {"prelim"}


def test_a_judge_formula_trims_the_judges_totals_and_gives_each_judges_total() -> None:
    b = board("tea", "operation")
    code = next(c for c in b.sheet.entrants() if b.sheet.entrant(c).get("operation"))
    sheet = entrant_sheet(b, code)
    assert sheet is not None
    totals = [p for p in sheet.panels if p.part == PANEL]
    assert len(totals) == 1 and len(dropped(totals[0])) == 2
    marks = b.sheet.entrant(code)["operation"]
    for judge, value in totals[0].marks:
        assert judge_totals(marks, judge, sheet.panels) == {1: value}
        own = sum((v[judge] for (_, c), v in marks.items() if judge in v), Decimal(0))
        assert value == own  # 杀青 + 揉捻 + 做形 + 干燥: the judge's four marks


def test_without_a_judge_formula_a_judges_total_is_the_sum_of_their_marks() -> None:
    b = board("diving", "prelim")
    marks = b.sheet.entrant("D01")["prelim"]
    assert judge_totals(marks, "J4") == {
        1: Decimal("7.5"),
        2: marks[(2, "execution")]["J4"],
        3: marks[(3, "execution")]["J4"],
    }
    assert judge_totals(marks, "nobody") == {}


def test_no_marks_no_sheet() -> None:
    assert entrant_sheet(board("diving", "final"), "D05") is None
