"""The board's exact fast path (fast.py) gives the Decimal path's figures: literal cases, then random contests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, localcontext
from unittest import mock

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from contest.scoring import Board, Entrant, Mark, MarkSheet, explain, parse_definition
from contest.scoring.definition import ContestDefinition
from contest.scoring.errors import ContestError
from contest.scoring.fast import FastStanding
from contest.scoring.numbers import precise, round_half_up
from contest.scoring.ranking import key_maker, sort_key

D = Decimal
JUDGES = ("J1", "J2", "J3", "J4", "J5")

BENCH_LIKE = """
[contest]
slug = "f"
title = "f"
decimals = 2
judges = ["J1", "J2", "J3", "J4", "J5"]
[[criteria]]
key = "a"
min = 0
max = 100
step = 0.01
[[criteria]]
key = "b"
min = 0
max = 10
step = 0.5
[scoring]
panel = "trimmed_mean"
drop = 1
item = "0.3*a + 0.7*b"
[[rounds]]
key = "r1"
[[rounds]]
key = "r2"
standing = "r1*0.4 + r2*0.6"
[ranking]
tie_breakers = ["a"]
[[awards]]
name = "gold"
top = 1
[[awards]]
name = "silver"
share = 0.5
"""


@contextmanager
def decimal_path_only() -> Iterator[None]:
    """Boards built inside score every entrant with `StandingPlan.score`, as before the fast path."""
    with mock.patch.object(FastStanding, "of", return_value=None):
        yield


def marks(
    code: str, round_key: str, criterion: str, values: Sequence[str], judges: Sequence[str] = JUDGES
) -> list[Mark]:
    return [Mark(code, round_key, 1, criterion, j, D(v)) for j, v in zip(judges, values, strict=True)]


def shown(board: Board, **kw: object) -> list[tuple[object, ...]]:
    """Everything a screen or export shows of each row, decimals as written (so -0.00 is not 0.00)."""
    return [
        (
            r.rank,
            r.entrant,
            None if r.total is None else f"{r.total:f}",
            {k: None if v is None else f"{v:f}" for k, v in r.rounds.items()},
            r.award,
            r.advances,
            r.complete,
            r.issues,
        )
        for r in board.rows(**kw)  # type: ignore[arg-type]
    ]


def both(
    definition: ContestDefinition, round_key: str, entrants: list[Entrant], sheet: MarkSheet
) -> tuple[Board, Board]:
    fast = Board(definition, round_key, entrants, sheet)
    with decimal_path_only():
        slow = Board(definition, round_key, entrants, sheet)
    return fast, slow


def assert_same(fast: Board, slow: Board) -> None:
    assert shown(fast) == shown(slow)
    assert shown(fast, limit=2) == shown(slow, limit=2)
    for code in slow.entrants:
        a, b = fast.row(code), slow.row(code)
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert (a.rank, a.award, f"{a.total}") == (b.rank, b.award, f"{b.total}")
            assert explain(fast, code).lines() == explain(slow, code).lines()


def fast_scores(board: Board, code: str) -> bool:
    """Whether the fast path covers this entrant (rather than handing it to the Decimal path)."""
    fast = FastStanding.of(board.definition, board.standing)
    assert fast is not None
    with localcontext(fast.context):
        return fast.score(code, board.sheet.entrant(code)) is not None


def test_an_exact_half_rounds_up_as_the_decimal_path_snaps_it() -> None:
    # a: 85.38 85.38 85.38 85.39 90 -> kept 256.15, a mean of 85.38333...; 0.3 * that is exactly 25.615
    sheet = MarkSheet(
        marks("A", "r1", "a", ["85.38", "90", "85.38", "85.39", "85.38"])
        + marks("A", "r1", "b", ["10"] * 5)
        + marks("A", "r2", "a", ["85.38", "90", "85.38", "85.39", "85.38"])
        + marks("A", "r2", "b", ["10"] * 5)
    )
    definition = parse_definition(BENCH_LIKE)
    fast, slow = both(definition, "r2", [Entrant("A")], sheet)
    assert fast_scores(fast, "A")
    assert shown(fast) == shown(slow) == [(1, "A", "32.62", {"r1": "32.62", "r2": "32.62"}, "gold", False, True, ())]
    assert explain(fast, "A").tie_breakers == (("a", D("170.77")),)  # summed over both rounds


def test_trimmed_panels_ties_and_awards() -> None:
    sheet = MarkSheet(
        [
            *marks("A", "r1", "a", ["80", "81", "82", "83", "99"]),  # kept 81 82 83: a = 82
            *marks("A", "r1", "b", ["5", "5", "5", "5", "5"]),
            *marks("B", "r1", "a", ["82", "82", "82", "0", "100"]),  # kept 82 82 82: the same figures as A
            *marks("B", "r1", "b", ["0", "5", "5", "5", "10"]),
            *marks("C", "r1", "a", ["90", "90", "90", "90", "90"]),
            *marks("C", "r1", "b", ["1.5", "1.5", "1.5", "1.5", "1.5"]),  # 27 + 1.05: 28.05
            *marks("E", "r1", "a", ["89", "89", "89", "89", "89"]),
            *marks("E", "r1", "b", ["2", "2", "2", "2", "2"]),  # 26.7 + 1.4: 28.10, tied on total with A and B
            *marks("F", "r1", "a", ["89", "89", "89", "89"], JUDGES[:4]),  # J5 has not marked: incomplete
        ]
    )
    text = BENCH_LIKE.replace('[[rounds]]\nkey = "r2"\nstanding = "r1*0.4 + r2*0.6"\n', "")
    definition = parse_definition(text)
    entrants = [Entrant(c) for c in "ABCEF"]
    fast, slow = both(definition, "r1", entrants, sheet)
    assert all(fast_scores(fast, c) for c in "ABCE") and not fast_scores(fast, "F")
    assert [(r[0], r[1], r[2], r[4]) for r in shown(fast)] == [
        (1, "E", "28.10", "gold"),  # the tie-breaker a: 89 beats 82
        (2, "A", "28.10", "silver"),
        (2, "B", "28.10", "silver"),
        (4, "C", "28.05", None),
        (None, "F", None, None),
    ]
    assert_same(fast, slow)


def test_updates_keep_the_fast_and_decimal_boards_equal() -> None:
    definition = parse_definition(BENCH_LIKE)
    start = [
        m
        for code in "ABC"
        for rnd in ("r1", "r2")
        for crit, value in (("a", "70"), ("b", "7"))
        for m in marks(code, rnd, crit, [value] * 5)
    ]
    sheet = MarkSheet(start)
    board = Board(definition, "r2", [Entrant(c) for c in "ABCD"], sheet)
    changes = [
        Mark("B", "r2", 1, "a", "J3", D("95.5")),
        Mark("C", "r1", 1, "b", "J1", D("0")),
        Mark("D", "r2", 1, "a", "J1", D("50")),  # D appears, incomplete
        Mark("A", "r2", 1, "b", "J5", D("10")),
    ]
    for change in changes:
        sheet.put(change)
        board.update([change.entrant])
        with decimal_path_only():
            fresh = Board(definition, "r2", [Entrant(c) for c in "ABCD"], sheet)
        assert_same(board, fresh)


def test_a_zero_total_and_other_shapes_are_left_to_the_decimal_path() -> None:
    text = BENCH_LIKE.replace('item = "0.3*a + 0.7*b"', 'item = "a - 10*b"')
    sheet = MarkSheet(marks("A", "r1", "a", ["0"] * 5) + marks("A", "r1", "b", ["0"] * 5))
    sheet.put(Mark("A", "r2", 1, "a", "J1", D("50")))
    definition = parse_definition(text)
    fast, slow = both(definition, "r1", [Entrant("A")], sheet)
    assert not fast_scores(fast, "A")  # 0: its sign is the Decimal path's to decide
    assert shown(fast) == shown(slow)
    for item in ("max(a, b)", "a * b", "a / 2 + b", "a + b + 1", "-a + b"):
        other = parse_definition(BENCH_LIKE.replace('item = "0.3*a + 0.7*b"', f'item = "{item}"'))
        assert FastStanding.of(other, Board(other, "r2", [], MarkSheet()).standing) is None
    median = parse_definition(BENCH_LIKE.replace('panel = "trimmed_mean"\ndrop = 1', 'panel = "median"'))
    assert FastStanding.of(median, Board(median, "r2", [], MarkSheet()).standing) is None


ONE_CRITERION = """
[contest]
slug = "z"
title = "z"
judges = ["J1", "J2", "J3", "J4", "J5"]
[[criteria]]
key = "a"
min = -10
max = 10
[scoring]
panel = "trimmed_mean"
drop = 1
item = "a"
"""


def test_a_negative_zero_total_is_shown_as_the_decimal_path_shows_it() -> None:
    sheet = MarkSheet(marks("A", "main", "a", ["-0"] * 5))
    fast, slow = both(parse_definition(ONE_CRITERION), "main", [Entrant("A")], sheet)
    assert shown(fast) == shown(slow) == [(1, "A", "0.00", {"main": "0.00"}, None, False, True, ())]  # no sign


def test_a_value_the_decimal_path_snaps_onto_a_half_is_left_to_it() -> None:
    # 0.004999...9 (27 places) is a genuine value just below the half 0.005, not division noise: both paths
    # round it as itself and show 0.00 (only a value needing more than 45 significant digits is snapped)
    near = "0.004999999999999999999999999"
    sheet = MarkSheet(marks("A", "main", "a", [near] * 5) + marks("B", "main", "a", ["0.01"] * 5))
    fast, slow = both(parse_definition(ONE_CRITERION), "main", [Entrant("A"), Entrant("B")], sheet)
    assert not fast_scores(fast, "A") and fast_scores(fast, "B")
    assert [(r[0], r[1], r[2]) for r in shown(fast)] == [(1, "B", "0.01"), (2, "A", "0.00")]
    assert shown(fast) == shown(slow)


def test_a_tie_breaker_over_rounds_with_different_panels() -> None:
    # r1 keeps 3 of 5 marks (a mean over 3), r2 all 5 (a mean over 5): c1 sums a over both rounds
    r2_mean = 'standing = "r1*0.4 + r2*0.6"\n[rounds.scoring]\npanel = "mean"\ndrop = 0\n'
    text = BENCH_LIKE.replace('standing = "r1*0.4 + r2*0.6"\n', r2_mean)
    definition = parse_definition(text.replace('tie_breakers = ["a"]', 'tie_breakers = ["a", "r1"]'))
    sheet = MarkSheet(
        [
            *marks("A", "r1", "a", ["1", "2", "3", "4", "5"]),  # 3
            *marks("A", "r1", "b", ["1"] * 5),
            *marks("A", "r2", "a", ["1", "2", "3", "4", "5"]),  # 3: a = 6.00 in all
            *marks("A", "r2", "b", ["1"] * 5),
            *marks("B", "r1", "a", ["2", "2", "2.5", "9", "0"]),  # 6.5 / 3 = 2.1666...
            *marks("B", "r1", "b", ["1"] * 5),
            *marks("B", "r2", "a", ["4", "4", "4", "4", "3.5"]),  # 19.5 / 5 = 3.9: a = 6.07
            *marks("B", "r2", "b", ["1"] * 5),
        ]
    )
    fast, slow = both(definition, "r2", [Entrant("A"), Entrant("B")], sheet)
    assert fast_scores(fast, "A") and fast_scores(fast, "B")
    assert explain(fast, "B").tie_breakers == (("a", D("6.07")), ("r1", D("1.35")))
    assert_same(fast, slow)


# -- random contests: every figure of the fast path equals the Decimal path's -----------------------------------

VALUES = ("0", "0.5", "1", "2.5", "7", "7.5", "9.5", "10")
WEIGHTS = ("1", "2", "0.5", "0.3", "0.25", "1.5", "0.125")


@st.composite
def contests(draw: st.DrawFn) -> tuple[str, int]:
    judges = draw(st.integers(1, 5))
    method = draw(st.sampled_from(("mean", "trimmed_mean", "sum", "trimmed_sum", "median")))
    drop = draw(st.integers(0, (judges - 1) // 2)) if method.startswith("trimmed") else 0

    def formula(names: Sequence[str]) -> str:
        terms = [f"{draw(st.sampled_from(WEIGHTS))}*{n}" if draw(st.booleans()) else n for n in names]
        joined = terms[0]
        for term in terms[1:]:
            joined += draw(st.sampled_from((" + ", " - "))) + term
        return joined

    lower = draw(st.booleans())
    criteria = "".join(
        f'[[criteria]]\nkey = "{k}"\nmin = 0\nmax = 10\nstep = 0.5\n'
        + ('better = "lower"\n' if k == "c" and lower else "")
        for k in "abc"
    )
    items = draw(st.integers(1, 2))
    rounds = draw(st.sampled_from((("r1",), ("r1", "r2"))))
    standing = formula(rounds) if len(rounds) > 1 else ""
    ties = draw(st.lists(st.sampled_from(("a", "c", "r1")), max_size=2, unique=True))
    text = f"""
[contest]
slug = "h"
title = "h"
decimals = {draw(st.integers(0, 3))}
judges = {list(JUDGES[:judges])!r}
{criteria}
[scoring]
panel = "{method}"
drop = {drop}
item = "{formula(draw(st.permutations("abc")))}"
round = "{draw(st.sampled_from(("sum", "mean", "best")))}"
[[rounds]]
key = "r1"
items = {items}
"""
    if len(rounds) > 1:
        text += f'[[rounds]]\nkey = "r2"\nitems = {items}\nstanding = "{standing}"\n'
        if draw(st.booleans()):
            text += f'[rounds.scoring]\npanel = "mean"\ndrop = 0\nitem = "{formula(("c", "b", "a"))}"\n'
    text += f'[ranking]\ntie_breakers = {ties!r}\nincomplete = "{draw(st.sampled_from(("unranked", "rank")))}"\n'
    text += '[[awards]]\nname = "gold"\ntop = 1\n[[awards]]\nname = "silver"\nshare = 0.5\nmin_total = 3\n'
    return text, judges


def sheet_for(data: st.DataObject, definition: ContestDefinition, judges: int) -> MarkSheet:
    out = []
    for code in ("A", "B", "C", "E", "F", "G")[: data.draw(st.integers(1, 6))]:
        for rnd in definition.rounds:
            for item in range(1, rnd.items + 1):
                for crit in rnd.criteria:
                    for judge in (*JUDGES[:judges], "X9"):
                        if data.draw(st.integers(0, 30)) == 0:
                            continue  # a missing mark (X9, off the panel, is ignored when the panel is named)
                        value = D(data.draw(st.sampled_from(VALUES)))
                        out.append(Mark(code, rnd.key, item, crit, judge, value))
    return MarkSheet(out)


def definition_of(text: str) -> ContestDefinition:
    try:
        return parse_definition(text)
    except ContestError:
        assume(False)
        raise


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contests(), st.data())
def test_random_contests_give_the_same_rows_keys_and_explanations(
    contest: tuple[str, int], data: st.DataObject
) -> None:
    text, judges = contest
    definition = definition_of(text)
    sheet = sheet_for(data, definition, judges)
    entrants = [Entrant(code) for code in sheet.entrants()]
    round_key = definition.rounds[-1].key
    try:
        fast, slow = both(definition, round_key, entrants, sheet)
    except ContestError:
        assume(False)
        raise
    assert_same(fast, slow)
    plan = FastStanding.of(definition, fast.standing)
    event(f"fast path planned: {plan is not None}")
    if plan is None:
        return
    breakers, decimals = key_maker(definition)
    for code in sheet.entrants():
        with localcontext(plan.context):
            scored = plan.score(code, sheet.entrant(code))
        event(f"entrant scored by the fast path: {scored is not None}")
        if scored is None:
            continue
        with precise():
            expected = slow.standing.score(code, sheet.entrant(code), {})
        got = plan.result(code, scored[0])
        assert scored[1] == sort_key(expected, breakers, decimals)
        assert (got.entrant, got.complete, got.issues) == (expected.entrant, expected.complete, expected.issues)
        assert got.rounds.keys() == expected.rounds.keys() and got.breakers.keys() == expected.breakers.keys()
        pairs = [(got.total, expected.total), *zip(got.rounds.values(), expected.rounds.values(), strict=True)]
        pairs += [(got.breakers[k], expected.breakers[k]) for k in expected.breakers]
        for mine, theirs in pairs:
            assert mine is not None and theirs is not None
            assert f"{round_half_up(mine, decimals)}" == f"{round_half_up(theirs, decimals)}"
            assert abs(mine - theirs) < D("1e-40")  # the same value, carried to 50 digits two ways


@settings(max_examples=100, deadline=None)
@given(contests(), st.data())
def test_random_updates_match_a_fresh_decimal_board(contest: tuple[str, int], data: st.DataObject) -> None:
    text, judges = contest
    definition = definition_of(text)
    sheet = sheet_for(data, definition, judges)
    codes = ["A", "B", "C", "E", "F", "G"]
    round_key = definition.rounds[-1].key
    try:
        board = Board(definition, round_key, [Entrant(c) for c in codes], sheet)
    except ContestError:
        assume(False)
        raise
    for _ in range(data.draw(st.integers(1, 8))):
        rnd = data.draw(st.sampled_from(definition.rounds))
        code = data.draw(st.sampled_from(codes))
        item = data.draw(st.integers(1, rnd.items))
        mark = Mark(
            code,
            rnd.key,
            item,
            data.draw(st.sampled_from(rnd.criteria)),
            data.draw(st.sampled_from(JUDGES[:judges])),
            D(data.draw(st.sampled_from(VALUES))),
        )
        sheet.put(mark)
        board.update([code])
        with decimal_path_only():
            fresh = Board(definition, round_key, [Entrant(c) for c in codes], sheet)
        assert_same(board, fresh)
