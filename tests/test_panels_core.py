"""Golden cases for per-item panels (`panel_size`), aspect teams (a criterion's own judges) and normalisation
(`normalize = "zscore" | "rank"`), every expected number worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from contest.cli import main
from contest.scoring import Board, DefinitionError, Entrant, Mark, MarkSheet, explain, parse_definition
from contest.scoring.item_panels import panel_problems

D = Decimal

# -- a round whose judges rotate between dives -------------------------------------------------------------------

DIVING = """
[contest]
slug = "rotating"
title = "rotating panels"
judges = ["J1", "J2", "J3", "J4", "J5", "J6", "J7", "J8", "J9", "J10", "J11", "J12", "J13", "J14"]

[[criteria]]
key = "execution"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "dd"
judged = false
min = 1.0
max = 4.8
step = 0.1

[scoring]
panel = "trimmed_sum"
drop = { 5 = 1, 7 = 2 }
panel_size = 7
item = "execution * dd"

[[rounds]]
key = "prelim"
items = 2
"""

FIRST = [f"J{i}" for i in range(1, 8)]
SECOND = [f"J{i}" for i in range(8, 15)]


def dive(code: str, item: int, judges: list[str], values: list[str], dd: str) -> list[Mark]:
    marks = [Mark(code, "prelim", item, "execution", j, D(v)) for j, v in zip(judges, values, strict=True)]
    return [*marks, Mark(code, "prelim", item, "dd", "", D(dd))]


def rotating_marks() -> list[Mark]:
    # D1 dive 1 (J1-J7): 7, 7.5, 8, 8, 8.5, 9, 6.5 -> sorted 6.5 7 | 7.5 8 8 | 8.5 9: 23.5 x 3.0 = 70.5
    # D1 dive 2 (J8-J14): seven 8s -> 24 x 2.0 = 48                                    D1: 118.5
    # D2 dive 1 (J8-J14): 9 9 8.5 8.5 8.5 9.5 10 -> 8.5 8.5 | 8.5 9 9 | 9.5 10: 26.5 x 3.0 = 79.5
    # D2 dive 2 (J1-J7): seven 6s -> 18 x 2.0 = 36                                     D2: 115.5
    # D3 dive 1: J1-J6 only (6 of 7 marks): incomplete; dive 2 (J8-J14): seven 7.5s -> 22.5 x 2 = 45
    return [
        *dive("D1", 1, FIRST, ["7", "7.5", "8", "8", "8.5", "9", "6.5"], "3.0"),
        *dive("D1", 2, SECOND, ["8"] * 7, "2.0"),
        *dive("D2", 1, SECOND, ["9", "9", "8.5", "8.5", "8.5", "9.5", "10"], "3.0"),
        *dive("D2", 2, FIRST, ["6"] * 7, "2.0"),
        *dive("D3", 1, FIRST[:6], ["8"] * 6, "3.0"),
        *dive("D3", 2, SECOND, ["7.5"] * 7, "2.0"),
    ]


def rows(board: Board) -> list[tuple[object, ...]]:
    return [(r.rank, r.entrant, r.total, r.issues) for r in board.rows()]


def test_judges_rotating_between_dives_each_dive_its_own_panel_of_seven() -> None:
    definition = parse_definition(DIVING)
    board = Board(definition, "prelim", [Entrant(c) for c in ("D1", "D2", "D3")], MarkSheet(rotating_marks()))
    assert rows(board) == [
        (1, "D1", D("118.50"), ()),
        (2, "D2", D("115.50"), ()),
        (None, "D3", None, ("prelim item 1: execution 6 of 7 marks",)),
    ]
    lines = explain(board, "D2").lines()
    assert (
        "  prelim item 1 · execution: J8 9, J9 9, J10 8.5, J11 8.5, J12 8.5, J13 9.5, J14 10; "
        "dropped highest J13, J14 and lowest J10, J11; trimmed_sum = 26.5 → 26.5"
    ) in lines


def test_without_panel_size_the_same_marks_leave_everyone_incomplete() -> None:
    # what `contest compute` did before: a panel of all 14 judges, each dive missing seven of them
    definition = parse_definition(DIVING.replace("panel_size = 7\n", "").replace("{ 5 = 1, 7 = 2 }", "{ 14 = 2 }"))
    board = Board(definition, "prelim", [Entrant(c) for c in ("D1", "D2", "D3")], MarkSheet(rotating_marks()))
    assert all(r.rank is None for r in board.rows())


def test_more_marks_than_panel_size_is_refused_naming_entrant_round_and_item() -> None:
    definition = parse_definition(DIVING)
    marks = [*rotating_marks(), Mark("D1", "prelim", 2, "execution", "J1", D(8))]
    problems = panel_problems(definition, marks)
    assert [(p.where, p.message) for p in problems] == [
        ("entrant D1, round prelim, item 2", "execution has more than 7 marks (panel_size = 7)")
    ]
    # should it reach a board anyway (a server without assignments), the item is not scored
    board = Board(definition, "prelim", [Entrant("D1")], MarkSheet(marks))
    row = board.row("D1")
    assert row is not None
    assert row.issues == ("prelim item 2: execution has 8 marks, more than panel_size 7",)


def test_compute_refuses_a_crowded_item_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "contest.toml").write_text(DIVING, encoding="utf-8")
    lines = ["entrant,round,item,criterion,judge,value"]
    extra = Mark("D1", "prelim", 2, "execution", "J1", D(8))
    for m in [*rotating_marks(), extra]:
        lines.append(f"{m.entrant},{m.round},{m.item},{m.criterion},{m.judge},{m.value}")
    (tmp_path / "marks.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["compute", str(tmp_path / "contest.toml"), "--marks", str(tmp_path / "marks.csv"), "--lang", "en"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "entrant D1, round prelim, item 2" in err
    assert "more than 7 marks" in err
    assert "Traceback" not in err


def test_panel_size_larger_than_the_named_judges_is_refused() -> None:
    with pytest.raises(DefinitionError, match="panel_size"):
        parse_definition(DIVING.replace("panel_size = 7", "panel_size = 15"))


def test_a_drop_table_without_the_panel_size_is_refused() -> None:
    with pytest.raises(DefinitionError, match=r"scoring\.drop"):
        parse_definition(DIVING.replace("{ 5 = 1, 7 = 2 }", "{ 5 = 1 }"))


# -- two panels over two halves of the field; z-score and rank normalisation ------------------------------------

HALVES = """
[contest]
slug = "halves"
title = "two panels"

[[criteria]]
key = "quality"
min = 0
max = 10
step = 1

[scoring]
panel = "mean"
panel_size = 2
item = "quality"
"""

# panel 1 (judges A, B) marks E1 and E2, panel 2 (C, D) marks E3 and E4; C and D are lenient
HALF_MARKS = {
    ("E1", "A"): 4,
    ("E2", "A"): 3,
    ("E1", "B"): 6,
    ("E2", "B"): 4,
    ("E3", "C"): 9,
    ("E4", "C"): 8,
    ("E3", "D"): 7,
    ("E4", "D"): 7,
}


def halves(text: str) -> Board:
    marks = [Mark(e, "main", 1, "quality", j, D(v)) for (e, j), v in HALF_MARKS.items()]
    return Board(parse_definition(text), "main", [Entrant(c) for c in ("E1", "E2", "E3", "E4")], MarkSheet(marks))


def test_two_panels_over_two_halves_of_the_field_raw() -> None:
    # raw means: E1 (4+6)/2 = 5, E2 (3+4)/2 = 3.5, E3 (9+7)/2 = 8, E4 (8+7)/2 = 7.5: the lenient half wins
    assert [(r.rank, r.entrant, r.total) for r in halves(HALVES).rows()] == [
        (1, "E3", D("8.00")),
        (2, "E4", D("7.50")),
        (3, "E1", D("5.00")),
        (4, "E2", D("3.50")),
    ]


def test_zscore_normalisation_on_a_tiny_field_by_hand() -> None:
    # The round's eight marks 4 3 6 4 9 8 7 7: sum 48, M = 6; deviations -2 -3 0 -2 3 2 1 1, squares
    # 4+9+0+4+9+4+1+1 = 32, variance 32/8 = 4, S = 2.
    # A: 4, 3 -> mean 3.5, sd 0.5: E1 z = +1 -> 6 + 2*1 = 8, E2 z = -1 -> 4
    # B: 6, 4 -> mean 5,   sd 1:   E1 +1 -> 8, E2 -1 -> 4
    # C: 9, 8 -> mean 8.5, sd 0.5: E3 +1 -> 8, E4 -1 -> 4
    # D: 7, 7 -> sd 0: both get the round's mean M = 6
    # panel means: E1 (8+8)/2 = 8, E2 (4+4)/2 = 4, E3 (8+6)/2 = 7, E4 (4+6)/2 = 5
    board = halves(HALVES + 'normalize = "zscore"\n')
    assert [(r.rank, r.entrant, r.total) for r in board.rows()] == [
        (1, "E1", D("8.00")),
        (2, "E3", D("7.00")),
        (3, "E4", D("5.00")),
        (4, "E2", D("4.00")),
    ]
    lines = explain(board, "E3").lines()
    assert "  main · quality: normalised (zscore): C 9 → 8, D 7 → 6" in lines
    assert "  main · quality: C 8, D 6; mean = 7 → 7" in lines


def test_rank_normalisation_on_the_criterions_scale() -> None:
    # each judge's lowest mark becomes the criterion's min (0), the highest its max (10); D's two equal marks
    # share the mean rank 1.5: 0 + 10 * (1.5 - 1) / (2 - 1) = 5.
    # E1: A 10, B 10 -> 10; E2: 0, 0 -> 0; E3: C 10, D 5 -> 7.5; E4: C 0, D 5 -> 2.5
    board = halves(HALVES + 'normalize = "rank"\n')
    assert [(r.rank, r.entrant, r.total) for r in board.rows()] == [
        (1, "E1", D("10.00")),
        (2, "E3", D("7.50")),
        (3, "E4", D("2.50")),
        (4, "E2", D("0.00")),
    ]


def test_rank_ties_and_a_judge_of_three() -> None:
    # one judge, marks 5, 7, 7 on a 0-10 scale: ranks 1, 2.5, 2.5 of 3 -> 0 and 10 * 1.5 / 2 = 7.5
    text = HALVES.replace("panel_size = 2", "panel_size = 1") + 'normalize = "rank"\n'
    marks = [Mark(e, "main", 1, "quality", "A", D(v)) for e, v in (("E1", 5), ("E2", 7), ("E3", 7))]
    board = Board(parse_definition(text), "main", [], MarkSheet(marks))
    assert [(r.rank, r.entrant, r.total) for r in board.rows()] == [
        (1, "E2", D("7.50")),
        (1, "E3", D("7.50")),
        (3, "E1", D("0.00")),
    ]


def test_normalisation_is_checked() -> None:
    with pytest.raises(DefinitionError, match="normalize"):
        parse_definition(HALVES + 'normalize = "minmax"\n')


def test_a_normalised_round_updates_every_entrant_the_judge_marked() -> None:
    board = halves(HALVES + 'normalize = "zscore"\n')
    sheet = board.sheet
    # C marks E4 9 instead of 8: C's two marks tie, so C gives both the round's mean; everyone moves
    sheet.put(Mark("E4", "main", 1, "quality", "C", D(9)))
    board.update(["E4"])
    fresh = Board(board.definition, "main", list(board.entrants.values()), sheet)
    assert [(r.rank, r.entrant, r.total) for r in board.rows()] == [(r.rank, r.entrant, r.total) for r in fresh.rows()]
    assert board.row("E3") is not None and board.row("E3").total != D("7.00")  # type: ignore[union-attr]


# -- aspect teams: each criterion its own judges ----------------------------------------------------------------

ASPECTS = """
[contest]
slug = "aspects"
title = "aspect teams"

[[criteria]]
key = "appearance"
min = 0
max = 100
judges = ["A1", "A2", "A3"]

[[criteria]]
key = "taste"
min = 0
max = 100
judges = ["T1", "T2", "T3", "T4", "T5"]

[scoring]
panel = "trimmed_mean"
drop = { 3 = 0, 5 = 1 }
item = "0.4 * appearance + 0.6 * taste"
"""


def aspect_marks() -> list[Mark]:
    # K1 appearance (A1-A3): 80, 90, 85 -> mean 85 (a team of three drops none)
    #    taste (T1-T5): 70, 90, 80, 60, 100 -> drop 100 and 60, mean of 70 90 80 = 80
    #    0.4 * 85 + 0.6 * 80 = 34 + 48 = 82
    # K2 appearance 90, 90, 90 -> 90; taste 75 75 75 75 75 -> 75; 36 + 45 = 81
    # K3 appearance 95 95 95; taste T5 missing -> incomplete, naming T5
    marks = []
    for code, appearance, taste in (
        ("K1", [80, 90, 85], [70, 90, 80, 60, 100]),
        ("K2", [90, 90, 90], [75, 75, 75, 75, 75]),
        ("K3", [95, 95, 95], [90, 90, 90, 90]),
    ):
        marks += [Mark(code, "main", 1, "appearance", f"A{i}", D(v)) for i, v in enumerate(appearance, 1)]
        marks += [Mark(code, "main", 1, "taste", f"T{i}", D(v)) for i, v in enumerate(taste, 1)]
    return marks


def test_aspect_teams_each_criterion_scored_by_its_own_judges() -> None:
    board = Board(parse_definition(ASPECTS), "main", [], MarkSheet(aspect_marks()))
    assert rows(board) == [
        (1, "K1", D("82.00"), ()),
        (2, "K2", D("81.00"), ()),
        (None, "K3", None, ("main: taste not marked by T5",)),
    ]
    lines = explain(board, "K1").lines()
    assert "  main · appearance: A1 80, A2 90, A3 85; trimmed_mean = 85 → 85" in lines
    assert any(
        line.startswith("  main · taste: T1 70, T2 90, T3 80, T4 60, T5 100; dropped highest T5") for line in lines
    )


def test_a_round_can_name_its_own_aspect_teams() -> None:
    text = (
        ASPECTS.replace('judges = ["A1", "A2", "A3"]\n', "").replace('judges = ["T1", "T2", "T3", "T4", "T5"]\n', "")
        + '[[rounds]]\nkey = "main"\n[rounds.criterion_judges]\nappearance = ["A1", "A2", "A3"]\n'
        + 'taste = ["T1", "T2", "T3", "T4", "T5"]\n'
    )
    board = Board(parse_definition(text), "main", [], MarkSheet(aspect_marks()))
    assert [(r.rank, r.entrant, r.total) for r in board.rows()] == [
        (1, "K1", D("82.00")),
        (2, "K2", D("81.00")),
        (None, "K3", None),
    ]


def test_a_mark_outside_the_aspect_team_is_refused() -> None:
    definition = parse_definition(ASPECTS)
    problems = panel_problems(definition, [Mark("K1", "main", 1, "taste", "A1", D(80))])
    assert [(p.where, p.message) for p in problems] == [
        ("entrant K1, round main, item 1", "taste is judged by T1, T2, T3, T4, T5, not by A1")
    ]


def test_aspect_teams_are_checked() -> None:
    with pytest.raises(DefinitionError, match="judge formula needs one panel"):
        parse_definition(ASPECTS.replace('item = "0.4 * appearance + 0.6 * taste"', 'judge = "appearance + taste"'))
    with pytest.raises(DefinitionError, match="cannot drop"):
        parse_definition(ASPECTS.replace("{ 3 = 0, 5 = 1 }", "2"))  # a team of three cannot drop 2 and 2
    with pytest.raises(DefinitionError, match="appearance: a panel of 4 cannot be drawn from its 3 judges"):
        parse_definition(ASPECTS.replace("drop = { 3 = 0, 5 = 1 }", "drop = 1\npanel_size = 4"))
    with pytest.raises(DefinitionError, match="criterion_judges"):
        parse_definition(ASPECTS + '[[rounds]]\nkey = "main"\n[rounds.criterion_judges]\ncolour = ["X"]\n')


def test_a_judge_formula_works_on_each_items_own_panel() -> None:
    # panel_size 3 out of J1-J4; each judge's total a + b, then the panel's mean of those totals
    # E1 (J1 J2 J3): 5+5, 6+6, 7+7 -> 10, 12, 14 -> 12;  E2 (J2 J3 J4): 8+8, 8+9, 9+9 -> 16, 17, 18 -> 17
    text = """
[contest]
slug = "jf"
title = "judge formula"
[[criteria]]
key = "a"
min = 0
max = 10
[[criteria]]
key = "b"
min = 0
max = 10
[scoring]
panel_size = 3
judge = "a + b"
"""
    marks = []
    for code, judges, a, b in (("E1", "J1 J2 J3", [5, 6, 7], [5, 6, 7]), ("E2", "J2 J3 J4", [8, 8, 9], [8, 9, 9])):
        for j, x, y in zip(judges.split(), a, b, strict=True):
            marks += [Mark(code, "main", 1, "a", j, D(x)), Mark(code, "main", 1, "b", j, D(y))]
    board = Board(parse_definition(text), "main", [], MarkSheet(marks))
    assert [(r.rank, r.entrant, r.total) for r in board.rows()] == [(1, "E2", D("17.00")), (2, "E1", D("12.00"))]


def test_rank_normalisation_rescores_only_that_judges_entrants_and_equals_a_fresh_board() -> None:
    # 40 entrants, each judged by two of eight judges: a new mark moves the ranks of one judge's marks only, so
    # the board rescores that judge's entrants (not all 40) and must still equal a fresh build
    text = HALVES + 'normalize = "rank"\n'
    definition = parse_definition(text)
    judges = [f"J{i}" for i in range(1, 9)]
    marks = []
    for n in range(40):
        for seat in (n % 8, (n + 3) % 8):
            marks.append(Mark(f"E{n:02d}", "main", 1, "quality", judges[seat], D((n * 7 + seat * 3) % 11)))
    board = Board(definition, "main", [], MarkSheet(marks))
    rebuilt = []
    rebuild = board._rebuild
    board._rebuild = lambda group, **kw: rebuilt.append(group) or rebuild(group, **kw)  # type: ignore[method-assign]
    for code, judge, value in (("E05", "J6", 10), ("E13", "J6", 0), ("E21", "J8", 4), ("E00", "J1", 9)):
        board.sheet.put(Mark(code, "main", 1, "quality", judge, D(value)))
        board.update([code])
        fresh = Board(definition, "main", [], board.sheet)
        assert board.rows() == fresh.rows()
    assert rebuilt == []  # each time only the marked judge's entrants were rescored


def test_an_incomplete_normalised_item_still_shows_its_raw_and_normalised_marks() -> None:
    marks = [Mark(e, "main", 1, "quality", j, D(v)) for (e, j), v in HALF_MARKS.items() if (e, j) != ("E4", "D")]
    board = Board(parse_definition(HALVES + 'normalize = "zscore"\n'), "main", [], MarkSheet(marks))
    row = board.row("E4")
    assert row is not None and row.issues == ("main: quality 1 of 2 marks",)
    lines = explain(board, "E4").lines()
    assert any(line.startswith("  main · quality: normalised (zscore): C 8 → ") for line in lines)


# -- recusal offline, teams off the panel, team members off their aspect ---------------------------------------

RECUSAL = """
[contest]
slug = "rec"
title = "recusal"
judges = ["J1", "J2", "J3"]

[[criteria]]
key = "taste"
min = 0
max = 10

[scoring]
panel_size = 2
item = "taste"

[[rounds]]
key = "r"

[recusal]
organizations = { J1 = "茶科所" }
conflicts = [{ judge = "J2", entrants = ["E2"] }]
"""


def test_compute_refuses_a_recused_judges_mark_as_the_server_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = parse_definition(RECUSAL)
    entrants = [Entrant("E1", organization="茶科所"), Entrant("E2", organization="农大")]
    marks = [
        Mark("E1", "r", 1, "taste", "J1", D(5)),  # J1 is of 茶科所, as E1
        Mark("E1", "r", 1, "taste", "J2", D(6)),
        Mark("E2", "r", 1, "taste", "J1", D(7)),
        Mark("E2", "r", 1, "taste", "J2", D(8)),  # J2 declared a conflict with E2
    ]
    problems = panel_problems(definition, marks, entrants)
    assert [(p.where, p.message) for p in problems] == [
        (
            "entrant E1, round r, item 1",
            "judge J1 is of the same organization as entrant E1 (茶科所): recused (回避)",
        ),
        ("entrant E2, round r, item 1", "judge J2 has a declared conflict with entrant E2: recused (回避)"),
    ]
    assert panel_problems(definition, marks) == problems[1:]  # without the entrant list: the conflicts only
    (tmp_path / "contest.toml").write_text(RECUSAL, encoding="utf-8")
    (tmp_path / "entrants.csv").write_text("code,name,organization\nE1,a,茶科所\nE2,b,农大\n", encoding="utf-8")
    lines = ["entrant,round,item,criterion,judge,value", *(f"{m.entrant},r,1,taste,{m.judge},{m.value}" for m in marks)]
    (tmp_path / "marks.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    files = [str(tmp_path / "contest.toml"), "--marks", str(tmp_path / "marks.csv")]
    code = main(["compute", *files, "--entrants", str(tmp_path / "entrants.csv"), "--lang", "en"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert "entrant E1, round r, item 1" in err and "judge J1 is of the same organization as entrant E1" in err


TEAM_OFF_PANEL = """
[contest]
slug = "t"
title = "t"
judges = ["J1", "J2"]

[[criteria]]
key = "taste"
min = 0
max = 10

[[criteria]]
key = "look"
min = 0
max = 10
judges = ["A1", "A2"]

[scoring]
item = "taste + look"
"""


def test_an_aspect_team_off_the_named_panel_is_refused_naming_the_key_and_judge() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(TEAM_OFF_PANEL)
    assert [(p.where, p.message) for p in caught.value.problems] == [
        (
            "criteria[2].judges",
            "look: A1, A2 not among the contest's judges ([contest] judges = J1, J2): they could never mark",
        )
    ]
    on_panel = TEAM_OFF_PANEL.replace('judges = ["J1", "J2"]', 'judges = ["J1", "J2", "A1", "A2"]')
    parse_definition(on_panel)  # a team of the panel's judges is fine
    own = on_panel + '[[rounds]]\nkey = "r"\njudges = ["J1", "J2", "A1"]\n'
    with pytest.raises(DefinitionError) as caught:
        parse_definition(own)
    assert [(p.where, p.message) for p in caught.value.problems] == [
        ("criteria[2].judges", "look: A2 not on round r's judges (J1, J2, A1): they could never mark there")
    ]
    own = on_panel + '[[rounds]]\nkey = "r"\n[rounds.criterion_judges]\nlook = ["A1", "X9"]\n'
    with pytest.raises(DefinitionError) as caught:
        parse_definition(own)
    assert [(p.where, p.message) for p in caught.value.problems] == [
        (
            "rounds[1].criterion_judges.look",
            "look: X9 not among the contest's judges ([contest] judges = J1, J2, A1, A2): they could never mark",
        )
    ]


def test_with_panel_size_and_no_named_panel_a_team_member_marks_only_their_aspect() -> None:
    # the server refuses it (contest/services/panel_checks.py); offline the mark was counted in taste's panel
    text = TEAM_OFF_PANEL.replace('judges = ["J1", "J2"]\n', "").replace("[scoring]\n", "[scoring]\npanel_size = 2\n")
    definition = parse_definition(text)
    marks = [
        Mark("E1", "main", 1, "taste", "A1", D(5)),
        Mark("E1", "main", 1, "taste", "J1", D(6)),
        Mark("E1", "main", 1, "look", "A1", D(7)),
        Mark("E1", "main", 1, "look", "A2", D(8)),
    ]
    problems = panel_problems(definition, marks)
    assert [(p.where, p.message) for p in problems] == [
        ("entrant E1, round main, item 1, criterion taste", "judge A1 marks look only (aspect team)")
    ]
    # without panel_size the core leaves team members out of the inferred panel: their taste mark would be dropped
    assert panel_problems(parse_definition(text.replace("panel_size = 2\n", "")), marks) == problems
    # with the round's panel named, a team member may sit on it too (as the server allows)
    named = text.replace('title = "t"\n', 'title = "t"\njudges = ["J1", "J2", "A1", "A2"]\n', 1)
    assert panel_problems(parse_definition(named), marks) == []
