"""The scoring rules as the README states them, checked from outside (issue 10, point 6).

An independent implementation written only from the README disagreed with `contest compute` on these; each test
is named for what a user notices, and goes through `contest compute` or the core's public API.
"""

from __future__ import annotations

import json
import keyword
import random
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.scoring import Board, DefinitionError, Entrant, Mark, MarkSheet, parse_definition, round_half_up
from contest.scoring.field_best import FieldBest
from contest.scoring.formula import parse_formula

D = Decimal
HEADER = "entrant,round,item,criterion,judge,value\n"


def compute(capsys: pytest.CaptureFixture[str], tmp_path: Path, contest: str, marks: str, *args: str):
    (tmp_path / "c.toml").write_text(contest, encoding="utf-8")
    (tmp_path / "m.csv").write_text(HEADER + marks, encoding="utf-8")
    return run_cli(capsys, "compute", tmp_path / "c.toml", "--marks", tmp_path / "m.csv", *args)


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    return [(p.where, p.message) for p in caught.value.problems]


def board(text: str, marks: list[Mark], entrants: list[str] | None = None) -> Board:
    definition = parse_definition(text)
    codes = entrants or list(dict.fromkeys(m.entrant for m in marks))
    return Board(definition, definition.rounds[-1].key, [Entrant(c) for c in codes], MarkSheet(marks))


def shown(b: Board) -> list[tuple[int | None, str, str | None]]:
    return [(r.rank, r.entrant, None if r.total is None else f"{r.total:f}") for r in b.rows()]


# -- a total that rounds to zero from below --------------------------------------------------------------------

NEAR_ZERO = """
[contest]
slug = "z"
title = "z"
judges = ["J1"]
[[criteria]]
key = "a"
min = -1
max = 1
"""


def test_a_total_just_below_zero_prints_0_00_and_shares_the_rank_of_zero(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    marks = "A,main,1,a,J1,-0.001\nB,main,1,a,J1,0\n"
    code, out, _ = compute(capsys, tmp_path, NEAR_ZERO, marks)
    assert code == 0
    assert "-0" not in out
    assert out.splitlines()[1:] == ["1,A,,,0.00,0.00,", "1,B,,,0.00,0.00,"]
    code, _, _ = compute(capsys, tmp_path, NEAR_ZERO, marks, "-o", str(tmp_path / "o.json"))
    rows = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))["rows"]
    assert [(r["rank"], r["total"], r["rounds"]["main"]) for r in rows] == [(1, "0.00", "0.00"), (1, "0.00", "0.00")]
    code, out, _ = compute(capsys, tmp_path, NEAR_ZERO, marks, "--explain", "A", "--lang", "en")
    assert "total 0.00: rank 1" in out and "total -0" not in out
    # an exact value of minus zero (0 times a negative weight) is not written with a sign either
    assert f"{round_half_up(D('-0'), 2)}" == "0.00"
    assert f"{round_half_up(D('-0.004'), 2)}" == "0.00"


# -- keys that are Python keywords ------------------------------------------------------------------------------

KEYWORDS = sorted(set(keyword.kwlist) | set(keyword.softkwlist))


def keyword_contest(key: str, item: str | None) -> str:
    scoring = f'[scoring]\nitem = "{item}"\n' if item else ""
    return f"""
[contest]
slug = "k"
title = "k"
judges = ["J1"]
[[criteria]]
key = "score"
min = 0
max = 10
[[criteria]]
key = "{key}"
judged = false
min = 0
max = 10
{scoring}"""


@pytest.mark.parametrize("key", KEYWORDS)
def test_a_key_that_is_a_python_keyword_works_in_formulas(key: str) -> None:
    marks = [Mark("A", "main", 1, "score", "J1", D(8)), Mark("A", "main", 1, key, "", D(3))]
    # the default item (the sum of the round's criteria) and a formula naming it
    assert shown(board(keyword_contest(key, None), marks)) == [(1, "A", "11.00")]
    assert shown(board(keyword_contest(key, f"score + 10 * {key}"), marks)) == [(1, "A", "38.00")]


def test_yield_the_readmes_entered_value_is_computed_by_contest_compute(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    marks = "A,main,1,score,J1,8\nA,main,1,yield,,3\n"
    code, out, err = compute(capsys, tmp_path, keyword_contest("yield", None), marks)
    assert (code, err) == (0, "") and out.splitlines()[1] == "1,A,,,11.00,11.00,"
    code, out, err = compute(capsys, tmp_path, keyword_contest("yield", "100 * yield + score"), marks)
    assert (code, err) == (0, "") and out.splitlines()[1] == "1,A,,,308.00,308.00,"


def test_python_words_in_a_formula_that_names_no_such_key_are_still_explained() -> None:
    text = keyword_contest("x", "score if x else 1")
    assert problems(text) == [("scoring.item", "IfExp is not allowed in a formula")]
    text = keyword_contest("x", "score and x")
    assert problems(text)[0][1].startswith("comparisons and and/or are not part of formulas")


# -- keys stay as written ---------------------------------------------------------------------------------------

WIDE = """
[contest]
slug = "w"
title = "w"
judges = ["J1"]
[[criteria]]
key = "外形１"
min = 0
max = 10
[[criteria]]
key = "ＧＭＶ"
judged = false
relative = true
min = 0
max = 100000
[scoring]
item = "外形１ + 10 * ＧＭＶ"
[ranking]
tie_breakers = ["外形１"]
"""


def test_full_width_keys_stay_as_written_and_marks_that_spell_them_so_are_taken(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    definition = parse_definition(WIDE)
    assert [c.key for c in definition.criteria] == ["外形１", "ＧＭＶ"]
    marks = "A,main,1,外形１,J1,8\nA,main,1,ＧＭＶ,,500\nB,main,1,外形１,J1,9\nB,main,1,ＧＭＶ,,1000\n"
    code, out, err = compute(capsys, tmp_path, WIDE, marks)
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == ["1,B,,,19.00,19.00,", "2,A,,,13.00,13.00,"]


def test_two_keys_that_differ_only_in_full_width_forms_are_refused() -> None:
    text = WIDE.replace('key = "ＧＭＶ"', 'key = "外形1"').replace("ＧＭＶ", "外形1")
    found = problems(text)
    assert any(where == "criteria[2].key" and "'外形1'" in why and "'外形１'" in why for where, why in found), found


# -- a relative criterion's default counts toward the field's best ----------------------------------------------

SALES = """
[contest]
slug = "s"
title = "s"
judges = ["J1"]
[[criteria]]
key = "score"
min = 0
max = 10
[[criteria]]
key = "GMV"
judged = false
relative = true
min = 0
max = 1000
default = 100
[scoring]
item = "100 * GMV"
[ranking]
tie_breakers = ["score"]
"""


def test_an_entrant_on_the_default_is_measured_against_a_best_that_counts_the_default() -> None:
    marks = [
        Mark("A", "main", 1, "score", "J1", D(5)),
        Mark("A", "main", 1, "GMV", "", D(80)),
        Mark("B", "main", 1, "score", "J1", D(5)),  # no GMV entered: the default 100, the best of the field
    ]
    text = SALES.replace('"100 * GMV"', '"100 * GMV + score / 10"')
    fresh = board(text, marks)
    assert shown(fresh) == [(1, "B", "100.50"), (2, "A", "80.50")]
    # the board kept current mark by mark agrees with the board built at once
    sheet = MarkSheet(marks[:2])
    live = Board(parse_definition(text), "main", [Entrant("A"), Entrant("B")], sheet)
    assert shown(live) == [(1, "A", "100.50")]
    sheet.put(marks[2])
    live.update(["B"])
    assert shown(live) == shown(fresh)
    sheet.put(Mark("B", "main", 1, "GMV", "", D(40)))  # B's figure entered: A's 80 is the best again
    live.update(["B"])
    assert shown(live) == [(1, "A", "100.50"), (2, "B", "50.50")]


# -- rounding: the noise snap leaves genuine values alone --------------------------------------------------------


def test_a_genuine_value_just_below_a_half_rounds_down(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert f"{round_half_up(D('2.675') - D('1e-25'), 2)}" == "2.67"
    assert f"{round_half_up(D('2.675'), 2)}" == "2.68"
    contest = """
[contest]
slug = "g"
title = "g"
[[criteria]]
key = "a"
judged = false
min = 0
max = 10
[[criteria]]
key = "b"
judged = false
min = 0
max = 1
[scoring]
item = "a - b * b * b"
"""
    # 2.675 - 0.000000001^3 = 2.674999999999999999999999999 exactly (27 places)
    code, out, _ = compute(capsys, tmp_path, contest, "A,main,1,a,,2.675\nA,main,1,b,,0.000000001\n")
    assert code == 0 and out.splitlines()[1] == "1,A,,,2.67,2.67,"
    # division noise at a half is still snapped: 85.38333.../... * 0.3 is exactly 25.615
    assert f"{round_half_up((D('85') + D('85.4') + D('85.75')) / 3 * D('0.3'), 2)}" == "25.62"


# -- the README's examples ---------------------------------------------------------------------------------------


def test_the_readmes_chinese_subtotal_example_works_in_a_contest_file() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines() if "subtotals = {" in line and "感官" in line)
    example = line[line.index("`subtotals") + 1 :]
    example = example[: example.index("`")]
    text = f"""
[contest]
slug = "t"
title = "t"
judges = ["J1"]
[[criteria]]
key = "外形"
min = 0
max = 10
[[criteria]]
key = "滋味"
min = 0
max = 10
[scoring]
{example}
item = "感官"
"""
    marks = [Mark("A", "main", 1, "外形", "J1", D(8)), Mark("A", "main", 1, "滋味", "J1", D(4))]
    assert shown(board(text, marks)) == [(1, "A", "5.00")]


# -- the field's best of a lower-is-better value ----------------------------------------------------------------


def test_the_best_time_falls_back_to_the_next_lowest_when_its_holder_leaves() -> None:
    race = ("race", "time")
    field = FieldBest({race: True})
    for value in ("31.5", "29.8", "35.0"):
        field.add("", ((race, D(value)),))
    assert field.best("") == {"race": {"time": D("29.8")}}
    assert field.remove("", ((race, D("29.8")),)) is True
    assert field.best("") == {"race": {"time": D("31.5")}}  # the next lowest, not the highest
    assert field.remove("", ((race, D("35.0")),)) is False
    assert field.best("") == {"race": {"time": D("31.5")}}


def test_a_board_corrects_the_best_time_upward_to_the_next_lowest() -> None:
    text = """
[contest]
slug = "r"
title = "r"
[[criteria]]
key = "time"
judged = false
relative = true
better = "lower"
min = 1
max = 100
[scoring]
item = "100 * time"
"""
    marks = [Mark(c, "main", 1, "time", "", D(v)) for c, v in (("A", "20"), ("B", "25"), ("C", "40"))]
    sheet = MarkSheet(marks)
    live = Board(parse_definition(text), "main", [Entrant(c) for c in "ABC"], sheet)
    sheet.put(Mark("A", "main", 1, "time", "", D(50)))  # A's time corrected: B's 25 is now the best
    live.update(["A"])
    assert shown(live) == [(1, "B", "100.00"), (2, "C", "62.50"), (3, "A", "50.00")]
    assert shown(live) == shown(board(text, [*marks[1:], Mark("A", "main", 1, "time", "", D(50))]))


# -- explanations and the file's problems -----------------------------------------------------------------------

THIRDS = """
[contest]
slug = "e"
title = "e"
judges = ["J1", "J2", "J3"]
[[criteria]]
key = "a"
min = 0
max = 10
"""


def test_explain_cuts_a_long_value_at_six_places_as_the_readme_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    marks = "A,main,1,a,J1,2\nA,main,1,a,J2,2\nA,main,1,a,J3,4\n"  # mean 8/3 = 2.6666...
    code, out, _ = compute(capsys, tmp_path, THIRDS, marks, "--explain", "A", "--lang", "en")
    assert code == 0
    assert "mean = 2.666666…" in out and "2.666667" not in out


def test_an_inherited_formula_error_is_reported_once() -> None:
    text = THIRDS + '[scoring]\nitem = "a +"\n[[rounds]]\nkey = "r1"\n[[rounds]]\nkey = "r2"\n'
    assert [where for where, _ in problems(text)] == ["scoring.item"]


def test_a_round_that_sets_panel_mean_under_a_trimmed_default_is_named_in_the_problem() -> None:
    text = THIRDS.replace('"J3"]', '"J3", "J4", "J5"]') + (
        '[scoring]\npanel = "trimmed_mean"\ndrop = 1\n'
        '[[rounds]]\nkey = "r1"\n'
        '[[rounds]]\nkey = "r2"\n[rounds.scoring]\npanel = "mean"\n'
    )
    found = problems(text)
    assert [where for where, _ in found] == ["rounds[2].scoring.panel"], found
    assert "drop = 0" in found[0][1]
    # setting drop = 0 in the round is accepted
    parse_definition(text + "drop = 0\n")


# -- properties --------------------------------------------------------------------------------------------------

KEY_CHARS = st.sampled_from(["a", "Z", "_", "1", "１", "Ｇ", "外", "形", "ﬁ", "é", "ⅸ"])


@given(
    st.one_of(
        st.sampled_from(KEYWORDS),
        st.tuples(st.sampled_from(["a", "_", "外", "Ｇ", "ﬁ"]), st.lists(KEY_CHARS, max_size=6)).map(
            lambda t: t[0] + "".join(t[1])
        ),
    )
)
def test_any_usable_key_is_read_by_a_formula_exactly_as_written(key: str) -> None:
    formula = parse_formula(f"2 * {key} + （{key} － 1） × 3")
    assert formula.names == {key}
    assert formula.evaluate({key: D(4)}) == D(17)
    assert key in str(formula)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(0, 1000).map(D)), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
)
def test_nobody_beats_the_best_and_a_live_board_agrees_with_a_fresh_one(
    sales: list[Decimal | None], order: random.Random
) -> None:
    codes = [f"E{i}" for i in range(len(sales))]
    marks: list[Mark] = []
    for code, value in zip(codes, sales, strict=True):
        marks.append(Mark(code, "main", 1, "score", "J1", D(5)))
        if value is not None:  # None: not entered, the default 100 applies
            marks.append(Mark(code, "main", 1, "GMV", "", value))
    fresh = board(SALES, marks, codes)
    totals = [r.total for r in fresh.rows() if r.total is not None]
    best = max(D(100) if v is None else v for v in sales)  # the default counts toward the best
    assert len(totals) == len(codes) and max(totals) == (D(100) if best else D(0))  # a best of 0 gives everyone 0
    assert all(t <= 100 for t in totals)
    sheet = MarkSheet()
    live = Board(parse_definition(SALES), "main", [Entrant(c) for c in codes], sheet)
    shuffled = list(marks)
    order.shuffle(shuffled)
    for mark in shuffled:
        sheet.put(mark)
        live.update([mark.entrant])
    assert shown(live) == shown(fresh)


# -- rules the README now states (they held already; pinned here as a reader of the README expects them) ---------

TWO_ROUNDS = """
[contest]
slug = "t2"
title = "t2"
judges = ["J1"]
[[criteria]]
key = "a"
min = 0
max = 10
[scoring]
missing_items = "zero"
[[rounds]]
key = "r1"
[[rounds]]
key = "r2"
standing = "r1 + r2"
[ranking]
tie_breakers = ["r2"]
"""


def test_missing_items_zero_does_not_cover_a_round_with_no_marks_at_all() -> None:
    marks = [
        Mark("A", "r2", 1, "a", "J1", D(7)),
        Mark("B", "r1", 1, "a", "J1", D(1)),
        Mark("B", "r2", 1, "a", "J1", D(1)),
    ]
    b = board(TWO_ROUNDS, marks)
    rows = {r.entrant: r for r in b.rows()}
    assert rows["B"].total == D(2) and rows["A"].total is None
    assert rows["A"].issues == ("r1: no marks",)
    ranked = board(TWO_ROUNDS + 'incomplete = "rank"\n', marks)
    assert shown(ranked) == [(1, "A", "7.00"), (2, "B", "2.00")]


def test_a_tie_breaker_naming_a_later_round_compares_nothing() -> None:
    marks = [Mark(c, "r1", 1, "a", "J1", D(5)) for c in "AB"] + [Mark("B", "r2", 1, "a", "J1", D(9))]
    definition = parse_definition(TWO_ROUNDS)
    r1 = Board(definition, "r1", [Entrant("A"), Entrant("B")], MarkSheet(marks))
    assert [(r.rank, r.entrant) for r in r1.rows()] == [(1, "A"), (1, "B")]  # r2 is not in r1's standing
