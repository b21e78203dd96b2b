"""Standings from marks: ranks, ties, incomplete entrants, groups, awards, advancement, measured values."""

from decimal import Decimal

import pytest
from conftest import BoardMaker, marks_of, panel_marks

from contest.scoring import Board, Entrant, Mark, MarkSheet, ScoringError, diff_rows, explain, parse_definition

D = Decimal

ONE_CRITERION = """
[contest]
slug = "c"
title = "t"
judges = ["J1", "J2", "J3"]

[[criteria]]
key = "score"
min = 0
max = 100
step = 0.5
"""


def table(board: Board, **kw: object) -> list[tuple[object, ...]]:
    return [(r.rank, r.entrant, None if r.total is None else f"{r.total:f}", r.award) for r in board.rows(**kw)]  # type: ignore[arg-type]


def simple(scores: dict[str, tuple[str, str, str]]) -> list[Mark]:
    marks: list[Mark] = []
    for code, values in scores.items():
        marks += panel_marks(code, "score", values, judges=("J1", "J2", "J3"))
    return marks


def test_shared_ranks_skip_the_next(make_board: BoardMaker) -> None:
    board = make_board(
        ONE_CRITERION,
        simple({"A": ("90", "90", "90"), "B": ("80", "80", "80"), "C": ("80", "80", "80"), "D": ("70", "70", "70")}),
    )
    assert table(board) == [
        (1, "A", "90.00", None),
        (2, "B", "80.00", None),
        (2, "C", "80.00", None),
        (4, "D", "70.00", None),
    ]


def test_ties_are_decided_on_rounded_totals(make_board: BoardMaker) -> None:
    # 80.333... and 80.33 both show 80.33: they share the rank, as the sheet a reader sees says
    board = make_board(
        ONE_CRITERION, simple({"A": ("80", "80.5", "80.5"), "B": ("80.5", "80", "80.5"), "C": ("80", "80", "81")})
    )
    assert table(board) == [(1, "A", "80.33", None), (1, "B", "80.33", None), (1, "C", "80.33", None)]


def test_missing_judge_is_reported_not_averaged_away(make_board: BoardMaker) -> None:
    marks = simple({"A": ("90", "90", "90"), "B": ("95", "95", "95")})
    marks = [m for m in marks if not (m.entrant == "B" and m.judge == "J2")]
    board = make_board(ONE_CRITERION, marks)
    assert table(board) == [(1, "A", "90.00", None), (None, "B", None, None)]
    row = board.rows()[1]
    assert not row.complete
    assert row.issues == ("main: score not marked by J2",)


def test_incomplete_can_be_ranked_on_what_it_has_when_the_contest_says_so(make_board: BoardMaker) -> None:
    text = ONE_CRITERION + '[[rounds]]\nkey = "main"\nitems = 2\n[ranking]\nincomplete = "rank"\n'
    marks = simple({"A": ("90", "90", "90"), "B": ("95", "95", "95")})
    marks += [Mark("B", "main", 2, "score", j, D(50)) for j in ("J1", "J2", "J3")]
    board = make_board(text, marks)
    assert table(board) == [(1, "B", "145.00", None), (2, "A", "90.00", None)]
    assert board.rows()[1].issues == ("main item 2: no marks yet",)


def test_tie_breakers_in_order_then_shared_rank(make_board: BoardMaker) -> None:
    text = """
[contest]
slug = "tea"
title = "t"
judges = ["S1", "S2", "S3"]
[[criteria]]
key = "外形"
min = 0
max = 100
[[criteria]]
key = "滋味"
min = 0
max = 100
[scoring]
item = "0.5*外形 + 0.5*滋味"
[ranking]
tie_breakers = ["滋味", "外形"]
"""
    rows = [("A", "main", 1, "外形", j, "90") for j in ("S1", "S2", "S3")] + [
        ("A", "main", 1, "滋味", j, "80") for j in ("S1", "S2", "S3")
    ]
    rows += [("B", "main", 1, "外形", j, "80") for j in ("S1", "S2", "S3")]
    rows += [("B", "main", 1, "滋味", j, "90") for j in ("S1", "S2", "S3")]  # same total, better 滋味
    rows += [("C", "main", 1, "外形", j, "80") for j in ("S1", "S2", "S3")]
    rows += [("C", "main", 1, "滋味", j, "90") for j in ("S1", "S2", "S3")]  # same as B in everything
    board = make_board(text, marks_of(rows))
    assert table(board) == [(1, "B", "85.00", None), (1, "C", "85.00", None), (3, "A", "85.00", None)]


def test_lower_is_better_criterion_as_tie_breaker(make_board: BoardMaker) -> None:
    text = (
        ONE_CRITERION
        + """
[[criteria]]
key = "time"
judged = false
better = "lower"
min = 1
max = 600
step = 0.01
[scoring]
item = "score"
[ranking]
tie_breakers = ["time"]
"""
    )
    marks = simple({"A": ("90", "90", "90"), "B": ("90", "90", "90")})
    marks += [Mark("A", "main", 1, "time", "", D("75.20")), Mark("B", "main", 1, "time", "", D("71.05"))]
    board = make_board(text, marks)
    assert table(board) == [(1, "B", "90.00", None), (2, "A", "90.00", None)]


AWARDS = (
    ONE_CRITERION
    + """
[[awards]]
name = "一等奖"
top = 1
min_total = 90
[[awards]]
name = "二等奖"
top = 2
[[awards]]
name = "三等奖"
share = 0.3
"""
)


def test_awards_with_min_total_leave_places_empty_and_ties_are_never_split(make_board: BoardMaker) -> None:
    board = make_board(
        AWARDS,
        simple(
            {
                "A": ("89", "89", "89"),
                "B": ("88", "88", "88"),
                "C": ("88", "88", "88"),
                "D": ("85", "85", "85"),
                "E": ("84", "84", "84"),
                "F": ("80", "80", "80"),
                "G": ("70", "70", "70"),
            }
        ),
    )
    # nobody reaches 90: 一等奖 stays empty (空缺); 二等奖 takes 2 and its tie (B, C) -> A, B, C;
    # 三等奖 takes floor(0.3 * 7) = 2 -> D, E
    assert table(board) == [
        (1, "A", "89.00", "二等奖"),
        (2, "B", "88.00", "二等奖"),
        (2, "C", "88.00", "二等奖"),
        (4, "D", "85.00", "三等奖"),
        (5, "E", "84.00", "三等奖"),
        (6, "F", "80.00", None),
        (7, "G", "70.00", None),
    ]


@pytest.mark.parametrize(("rounding", "count"), [("down", 2), ("half_up", 3), ("up", 3)])
def test_share_rounding(make_board: BoardMaker, rounding: str, count: int) -> None:
    text = ONE_CRITERION + f'[[awards]]\nname = "优秀奖"\nshare = 0.25\nrounding = "{rounding}"\n'
    board = make_board(text, simple({c: (str(90 - i), str(90 - i), str(90 - i)) for i, c in enumerate("ABCDEFGHIJ")}))
    assert sum(1 for r in board.rows() if r.award) == count  # 0.25 * 10 = 2.5


def test_awards_only_on_the_last_round_and_only_for_ranked(make_board: BoardMaker) -> None:
    text = AWARDS + '[[rounds]]\nkey = "r1"\n[[rounds]]\nkey = "r2"\n'
    marks = [Mark(m.entrant, "r1", 1, "score", m.judge, m.value) for m in simple({"A": ("95", "95", "95")})]
    marks += [Mark(m.entrant, "r2", 1, "score", m.judge, m.value) for m in simple({"A": ("95", "95", "95")})]
    marks += [Mark("B", "r2", 1, "score", "J1", D(99))]
    assert table(make_board(text, marks, round_key="r1")) == [(1, "A", "95.00", None)]
    assert table(make_board(text, marks, round_key="r2")) == [(1, "A", "95.00", "一等奖"), (None, "B", None, None)]


def test_groups_are_ranked_and_awarded_separately(make_board: BoardMaker) -> None:
    text = ONE_CRITERION + '[[awards]]\nname = "一等奖"\ntop = 1\n'
    people = [
        Entrant("A", group="个人组"),
        Entrant("B", group="企业组"),
        Entrant("C", group="个人组"),
        Entrant("D", group="企业组"),
    ]
    marks = simple({"A": ("90", "90", "90"), "B": ("70", "70", "70"), "C": ("95", "95", "95"), "D": ("60", "60", "60")})
    board = make_board(text, marks, entrants=people)
    assert [(r.group, r.rank, r.entrant, r.award) for r in board.rows()] == [
        ("个人组", 1, "C", "一等奖"),
        ("个人组", 2, "A", None),
        ("企业组", 1, "B", "一等奖"),
        ("企业组", 2, "D", None),
    ]
    assert [r.entrant for r in board.rows(group="企业组")] == ["B", "D"]
    together = make_board(text + '[ranking]\ngroups = "together"\n', marks, entrants=people)
    assert [(r.rank, r.entrant) for r in together.rows()] == [(1, "C"), (2, "A"), (3, "B"), (4, "D")]


def test_judge_totals_trimmed_then_deduction_then_round_steps(make_board: BoardMaker) -> None:
    text = """
[contest]
slug = "op"
title = "现场操作"
judges = ["J1", "J2", "J3", "J4", "J5"]
[[criteria]]
key = "杀青"
min = 0
max = 50
step = 0.5
[[criteria]]
key = "揉捻"
min = 0
max = 50
step = 0.5
[[criteria]]
key = "扣分"
judged = false
deduction = true
min = 0
max = 10
step = 0.5
[scoring]
judge = "杀青 + 揉捻"
panel = "trimmed_mean"
item = "panel"
"""
    # judge totals: 80, 85.5, 90, 70, 84 -> drop 90 and 70 -> (80 + 85.5 + 84) / 3 = 83.1666...
    marks = panel_marks("A", "杀青", ["40", "42.5", "45", "35", "42"]) + panel_marks(
        "A", "揉捻", ["40", "43", "45", "35", "42"]
    )
    marks.append(Mark("A", "main", 1, "扣分", "", D("1.5")))
    board = make_board(text, marks)
    assert table(board) == [(1, "A", "81.67", None)]  # 83.1666... - 1.5 = 81.666...
    steps = str(explain(board, "A"))
    assert "main · panel: J1 80, J2 85.5, J3 90, J4 70, J5 84; dropped highest J3 and lowest J4; trimmed_mean" in steps
    assert "deduction 扣分 − 1.5" in steps


def test_round_steps_round_as_paper_sheets_do(make_board: BoardMaker) -> None:
    text = """
[contest]
slug = "p"
title = "t"
judges = ["J1", "J2", "J3"]
[[criteria]]
key = "a"
min = 0
max = 100
step = 0.01
[[rounds]]
key = "r"
items = 3
"""
    # item means 80.333..., exact sum 240.999... -> 241.00; rounding each item first: 80.33 * 3 = 240.99
    values = ["80", "80", "81"]
    marks = [
        Mark("A", "r", item, "a", j, D(v))
        for item in (1, 2, 3)
        for j, v in zip(("J1", "J2", "J3"), values, strict=True)
    ]
    assert table(make_board(text, marks)) == [(1, "A", "241.00", None)]
    stepped = text + "[rounds.scoring]\nround_steps = true\n"
    assert table(make_board(stepped, marks)) == [(1, "A", "240.99", None)]


# sales (GMV) scored relative to the best of the field: the top seller gets 30
LIVE = """
[contest]
slug = "live"
title = "直播带货"
[[criteria]]
key = "GMV"
judged = false
relative = true
min = 0
max = 10000000
step = 0.01
[scoring]
item = "30 * GMV"
"""


def test_relative_measured_value_and_incremental_best(make_board: BoardMaker) -> None:
    marks = [
        Mark("A", "main", 1, "GMV", "", D("12000")),
        Mark("B", "main", 1, "GMV", "", D("8000")),
        Mark("C", "main", 1, "GMV", "", D("0")),
    ]
    board = make_board(LIVE, marks)
    assert table(board) == [(1, "A", "30.00", None), (2, "B", "20.00", None), (3, "C", "0.00", None)]
    board.sheet.put(Mark("C", "main", 1, "GMV", "", D("24000")))  # a new best moves everyone
    board.update(["C"])
    assert table(board) == [(1, "C", "30.00", None), (2, "A", "15.00", None), (3, "B", "10.00", None)]


def test_relative_best_corrected_down_falls_to_the_next_holder(make_board: BoardMaker) -> None:
    marks = [
        Mark("A", "main", 1, "GMV", "", D("12000")),
        Mark("B", "main", 1, "GMV", "", D("12000")),
        Mark("C", "main", 1, "GMV", "", D("6000")),
    ]
    board = make_board(LIVE, marks)
    assert table(board) == [(1, "A", "30.00", None), (1, "B", "30.00", None), (3, "C", "15.00", None)]

    def correct(code: str, value: str) -> list[tuple[object, ...]]:
        board.sheet.put(Mark(code, "main", 1, "GMV", "", D(value)))
        board.update([code])
        assert table(board) == table(Board(board.definition, "main", list(board.entrants.values()), board.sheet))
        return table(board)

    # B still holds 12000: the best stays, only A moves
    assert correct("A", "3000") == [(1, "B", "30.00", None), (2, "C", "15.00", None), (3, "A", "7.50", None)]
    # the last 12000 goes: 6000 is now the best, and everyone is rescored against it
    assert correct("B", "6000") == [(1, "B", "30.00", None), (1, "C", "30.00", None), (3, "A", "15.00", None)]


def test_lower_is_better_relative_time(make_board: BoardMaker) -> None:
    text = """
[contest]
slug = "t"
title = "t"
[[criteria]]
key = "time"
judged = false
relative = true
better = "lower"
min = 1
max = 3600
step = 0.1
[scoring]
item = "20 * time"
"""
    marks = [Mark("A", "main", 1, "time", "", D("300")), Mark("B", "main", 1, "time", "", D("240"))]
    assert table(make_board(text, marks)) == [(1, "B", "20.00", None), (2, "A", "16.00", None)]


def test_advancement_takes_ties_at_the_cut(make_board: BoardMaker) -> None:
    text = ONE_CRITERION + '[[rounds]]\nkey = "prelim"\nadvance = 2\n[[rounds]]\nkey = "final"\n'
    marks = [
        Mark(m.entrant, "prelim", 1, "score", m.judge, m.value)
        for m in simple(
            {"A": ("90", "90", "90"), "B": ("85", "85", "85"), "C": ("85", "85", "85"), "D": ("80", "80", "80")}
        )
    ]
    board = make_board(text, marks, round_key="prelim")
    assert [(r.entrant, r.advances) for r in board.rows()] == [("A", True), ("B", True), ("C", True), ("D", False)]


def test_missing_items_zero_counts_a_balked_dive(make_board: BoardMaker) -> None:
    text = ONE_CRITERION + '[scoring]\nmissing_items = "zero"\n[[rounds]]\nkey = "final"\nitems = 2\n'
    marks = [Mark("A", "final", 1, "score", j, D(8)) for j in ("J1", "J2", "J3")]
    board = make_board(text, marks)
    assert table(board) == [(1, "A", "8.00", None)]
    assert "final item 2: not performed: scores 0 (missing_items = zero)" in str(explain(board, "A"))


def test_panel_too_small_for_trimming_is_a_clear_error() -> None:
    text = ONE_CRITERION.replace('judges = ["J1", "J2", "J3"]\n', "") + '[scoring]\npanel = "trimmed_mean"\n'
    marks = [Mark("A", "main", 1, "score", j, D(8)) for j in ("J1", "J2")]
    with pytest.raises(ScoringError, match="a panel of 2 judges \\(J1, J2\\) cannot drop 1 highest and 1 lowest"):
        Board(parse_definition(text), "main", [Entrant("A")], MarkSheet(marks))


def test_division_by_zero_leaves_that_entrant_incomplete_with_the_reason(make_board: BoardMaker) -> None:
    text = ONE_CRITERION + '[[criteria]]\nkey = "n"\njudged = false\nmin = 0\nmax = 5\n[scoring]\nitem = "score / n"\n'
    marks = [*simple({"A": ("9", "9", "9"), "B": ("8", "8", "8")}), Mark("A", "main", 1, "n", "", D(0))]
    marks.append(Mark("B", "main", 1, "n", "", D(2)))
    board = make_board(text, marks)
    assert table(board) == [(1, "B", "4.00", None), (None, "A", None, None)]  # the board survives
    assert board.rows()[1].issues == ("main: score / n — division by zero (9 / 0)",)


def test_incomplete_ranked_as_zero_counts_unmarked_items_in_a_mean(make_board: BoardMaker) -> None:
    text = (
        ONE_CRITERION
        + '[scoring]\nround = "mean"\n[[rounds]]\nkey = "main"\nitems = 2\n[ranking]\nincomplete = "rank"\n'
    )
    marks = simple({"A": ("9", "9", "9")})  # item 2 never marked: counts 0, so the mean is 4.5
    assert table(make_board(text, marks)) == [(1, "A", "4.50", None)]


def test_entrants_without_marks_in_the_round_are_left_out(make_board: BoardMaker) -> None:
    board = make_board(ONE_CRITERION, simple({"A": ("9", "9", "9")}), entrants=[Entrant("A"), Entrant("Z")])
    assert [r.entrant for r in board.rows()] == ["A"]


def test_limit_and_own_row(make_board: BoardMaker) -> None:
    board = make_board(ONE_CRITERION, simple({c: (str(90 - i),) * 3 for i, c in enumerate("ABCDEF")}))  # type: ignore[misc]
    assert [r.entrant for r in board.rows(limit=2)] == ["A", "B"]
    assert [(r.rank, r.entrant) for r in board.rows(limit=2, entrant="E")] == [(1, "A"), (2, "B"), (5, "E")]


def test_incremental_update_equals_a_fresh_build_and_diff_says_what_moved(make_board: BoardMaker) -> None:
    board = make_board(AWARDS, simple({"A": ("90", "90", "90"), "B": ("85", "85", "85"), "C": ("80", "80", "80")}))
    before = board.rows()
    for judge in ("J1", "J2", "J3"):
        board.sheet.put(Mark("C", "main", 1, "score", judge, D(99)))
    board.update(["C"], version=7)
    fresh = Board(board.definition, "main", list(board.entrants.values()), board.sheet)
    assert board.rows() == fresh.rows()
    assert board.version == 7
    moved = {(c.entrant, c.rank_before, c.rank_after) for c in diff_rows(before, board.rows())}
    assert moved == {("C", 3, 1), ("A", 1, 2), ("B", 2, 3)}


def test_moving_an_entrant_to_another_group_orders_groups_as_a_fresh_board(make_board: BoardMaker) -> None:
    text = ONE_CRITERION
    people = [Entrant("A", group="甲组"), Entrant("B", group="乙组"), Entrant("C", group="甲组")]
    board = make_board(
        text, simple({"A": ("9", "9", "9"), "B": ("8", "8", "8"), "C": ("7", "7", "7")}), entrants=people
    )
    assert board.groups == ["甲组", "乙组"]
    board.add_entrants([Entrant("A", group="乙组")])  # 乙组 is now named first in the list
    fresh = Board(board.definition, "main", list(board.entrants.values()), board.sheet)
    assert board.groups == fresh.groups == ["乙组", "甲组"]
    assert board.rows() == fresh.rows()


def test_an_entrant_marked_before_it_was_registered_joins_its_group(make_board: BoardMaker) -> None:
    people = [Entrant("A", group="甲组"), Entrant("B", group="乙组")]
    marks = simple({"A": ("9", "9", "9"), "B": ("8", "8", "8"), "C": ("7", "7", "7")})
    board = make_board(ONE_CRITERION, marks, entrants=people)  # C has marks but is not on the list yet
    board.add_entrants([Entrant("C", group="乙组")])
    assert [(r.group, r.rank, r.entrant) for r in board.rows(group="乙组")] == [("乙组", 1, "B"), ("乙组", 2, "C")]
    assert board.rows() == Board(board.definition, "main", list(board.entrants.values()), board.sheet).rows()


def test_group_filter_with_one_ranking_shows_that_groups_rows_with_their_overall_ranks(make_board: BoardMaker) -> None:
    text = ONE_CRITERION + '[ranking]\ngroups = "together"\n'
    people = [Entrant("A", group="甲"), Entrant("B", group="乙"), Entrant("C", group="甲")]
    board = make_board(
        text, simple({"A": ("9", "9", "9"), "B": ("8", "8", "8"), "C": ("7", "7", "7")}), entrants=people
    )
    assert [(r.rank, r.entrant) for r in board.rows(group="甲")] == [(1, "A"), (3, "C")]
    assert [(r.rank, r.entrant) for r in board.rows(group="甲", limit=1, entrant="C")] == [(1, "A"), (3, "C")]


# sales in a first round; the second round's standing adds both (the tea contest's operation yield, then sensory)
TWO_ROUNDS = """
[contest]
slug = "two"
title = "two rounds"
[[criteria]]
key = "GMV"
judged = false
relative = true
min = 0
max = 100000
step = 1
[[criteria]]
key = "score"
judged = false
min = 0
max = 100
step = 1
[[rounds]]
key = "sales"
criteria = ["GMV"]
[rounds.scoring]
item = "40 * GMV"
[[rounds]]
key = "show"
criteria = ["score"]
standing = "sales + show"
[rounds.scoring]
item = "score"
"""


def test_a_later_rounds_first_mark_is_scored_against_the_fields_best_so_far(make_board: BoardMaker) -> None:
    marks = [Mark("A", "sales", 1, "GMV", "", D("2000")), Mark("B", "sales", 1, "GMV", "", D("1000"))]
    board = make_board(TWO_ROUNDS, marks, round_key="show")  # nobody has marks in `show` yet
    assert table(board) == []
    board.sheet.put(Mark("B", "show", 1, "score", "", D("50")))
    board.update(["B"])
    # B's sales are half the best (A's 2000): 20 points, not 40 * 1000 / 0
    fresh = Board(board.definition, "show", list(board.entrants.values()), board.sheet)
    assert table(board) == table(fresh) == [(1, "B", "70.00", None)]


def test_a_first_measured_value_in_a_new_group_on_a_live_board(make_board: BoardMaker) -> None:
    separate = LIVE + '[ranking]\ngroups = "separate"\n'
    people = [Entrant("A", group="甲"), Entrant("B", group="乙")]
    board = make_board(separate, [Mark("A", "main", 1, "GMV", "", D("100"))], entrants=people)
    board.sheet.put(Mark("B", "main", 1, "GMV", "", D("50")))
    board.update(["B"])  # group 乙 had no values at all: no KeyError, and B is the best of its group
    assert table(board) == [(1, "A", "30.00", None), (1, "B", "30.00", None)]
