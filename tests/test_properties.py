"""Properties of the core that hold for any marks (hypothesis)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition
from contest.scoring.panel import combiner

JUDGES = ("J1", "J2", "J3", "J4", "J5")
TEXT = """
[contest]
slug = "p"
title = "p"
judges = ["J1", "J2", "J3", "J4", "J5"]
[[criteria]]
key = "a"
min = 0
max = 100
step = 0.5
[[criteria]]
key = "b"
min = 0
max = 100
step = 0.5
[scoring]
panel = "trimmed_mean"
drop = 1
item = "0.7*a + 0.3*b"
[ranking]
tie_breakers = ["a"]
"""
DEFINITION = parse_definition(TEXT)

mark_value = st.integers(min_value=0, max_value=180).map(lambda n: Decimal(n) / 2)  # 0..90 on the 0.5 step
panel_values = st.lists(mark_value, min_size=5, max_size=5)
field = st.dictionaries(
    st.sampled_from([f"E{i:02d}" for i in range(12)]),
    st.tuples(panel_values, panel_values),
    min_size=1,
    max_size=12,
)


def board_of(
    scores: dict[str, tuple[list[Decimal], list[Decimal]]],
    order: tuple[int, ...] = (0, 1, 2, 3, 4),
    shift: Decimal = Decimal(0),
) -> Board:
    marks = []
    for code, (a, b) in scores.items():
        for i in order:
            marks.append(Mark(code, "main", 1, "a", JUDGES[i], a[i] + shift))
            marks.append(Mark(code, "main", 1, "b", JUDGES[i], b[i] + shift))
    return Board(DEFINITION, "main", [Entrant(c) for c in sorted(scores)], MarkSheet(marks))


def ranking(board: Board) -> list[tuple[int | None, str]]:
    return [(r.rank, r.entrant) for r in board.rows()]


@given(field, st.permutations(range(5)))
def test_judge_order_does_not_matter(scores: dict[str, tuple[list[Decimal], list[Decimal]]], order: list[int]) -> None:
    assert board_of(scores).rows() == board_of(scores, tuple(order)).rows()


@given(field, st.integers(min_value=1, max_value=20).map(lambda n: Decimal(n) / 2))
def test_adding_the_same_mark_for_everyone_keeps_the_order(
    scores: dict[str, tuple[list[Decimal], list[Decimal]]], shift: Decimal
) -> None:
    assert ranking(board_of(scores)) == ranking(board_of(scores, shift=shift))


@given(st.lists(mark_value, min_size=3, max_size=9), st.integers(min_value=0, max_value=4))
def test_trimmed_mean_lies_between_min_and_max(values: list[Decimal], drop: int) -> None:
    drop = min(drop, (len(values) - 1) // 2)
    result = combiner("trimmed_mean", drop)(values)
    assert min(values) <= result <= max(values)
    assert combiner("median", 0)(values) <= max(values)


@given(field)
def test_equal_entrants_share_a_rank_and_ranks_skip(scores: dict[str, tuple[list[Decimal], list[Decimal]]]) -> None:
    first = next(iter(scores))
    scores = {**scores, "ZZ": scores[first]}  # a twin of the first entrant
    rows = board_of(scores).rows()
    by_code = {r.entrant: r for r in rows}
    assert by_code["ZZ"].rank == by_code[first].rank
    for position, row in enumerate(rows):
        assert row.rank is not None
        ahead = sum(
            1
            for other in rows
            if (other.total, other.entrant) != (row.total, row.entrant)
            and other.rank is not None
            and other.rank < row.rank
        )
        assert row.rank == ahead + 1
        if position:
            assert rows[position - 1].total is not None and row.total is not None
            assert rows[position - 1].total >= row.total


@settings(max_examples=50)
@given(
    field,
    st.lists(
        st.tuples(st.sampled_from([f"E{i:02d}" for i in range(12)]), st.sampled_from(JUDGES), mark_value),
        min_size=1,
        max_size=10,
    ),
)
def test_incremental_updates_equal_a_fresh_build(
    scores: dict[str, tuple[list[Decimal], list[Decimal]]], changes: list[tuple[str, str, Decimal]]
) -> None:
    board = board_of(scores)
    for code, judge, value in changes:
        board.add_entrants([Entrant(code)])
        board.sheet.put(Mark(code, "main", 1, "a", judge, value))
        board.update([code])
    fresh = Board(DEFINITION, "main", list(board.entrants.values()), board.sheet)
    assert board.rows() == fresh.rows()
