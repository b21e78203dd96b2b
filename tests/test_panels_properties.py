"""Properties of per-item panels (`panel_size`), aspect teams and normalisation, for any marks (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition
from contest.scoring.fast import FastStanding
from contest.scoring.numbers import snap

POOL = tuple(f"J{i}" for i in range(1, 9))
CODES = tuple(f"E{i:02d}" for i in range(8))
SIZE = 3

BASE = """
[contest]
slug = "p"
title = "p"
[[criteria]]
key = "a"
min = 0
max = 20
step = 0.5
[[criteria]]
key = "b"
min = 0
max = 20
step = 0.5
{teams}
[scoring]
panel = "{panel}"
panel_size = 3
item = "0.7*a + 0.3*b"
normalize = "{normalize}"
[[rounds]]
key = "main"
items = 2
"""

mark_value = st.integers(min_value=0, max_value=40).map(lambda n: Decimal(n) / 2)
# each item's criterion: two or three judges drawn from the pool (three: a complete panel), or nobody
full = st.lists(st.tuples(st.sampled_from(POOL), mark_value), min_size=3, max_size=3, unique_by=lambda t: t[0])
short = st.lists(st.tuples(st.sampled_from(POOL), mark_value), min_size=1, max_size=2, unique_by=lambda t: t[0])
seat = st.one_of(full, full, full, short)
seats = st.tuples(seat, seat, seat, seat) | st.tuples(seat, seat, seat, st.just([]))
marks_strategy = st.dictionaries(st.sampled_from(CODES), seats, max_size=len(CODES)).map(
    lambda field: {
        (code, item, crit, judge): value
        for code, drawn in field.items()
        for (item, crit), panel in zip(((1, "a"), (1, "b"), (2, "a"), (2, "b")), drawn, strict=True)
        for judge, value in panel
    }
)
panels = st.sampled_from(("mean", "median", "trimmed_mean", "sum"))
normalizations = st.sampled_from(("none", "zscore", "rank"))


def capped(marks: dict[tuple[str, int, str, str], Decimal]) -> list[Mark]:
    """At most SIZE marks on each item's criterion: more is refused in a marks file."""
    kept: list[Mark] = []
    seats: dict[tuple[str, int, str], int] = {}
    for (code, item, crit, judge), value in marks.items():
        at = (code, item, crit)
        if seats.get(at, 0) < SIZE:
            seats[at] = seats.get(at, 0) + 1
            kept.append(Mark(code, "main", item, crit, judge, value))
    return kept


def definition_text(panel: str, normalize: str, teams: bool = False) -> str:
    # aspect teams: "a" by J1-J5, "b" by J4-J8 (a judge may sit on both), each item's panel SIZE of its team
    extra = '[rounds.criterion_judges]\na = ["J1", "J2", "J3", "J4", "J5"]\nb = ["J4", "J5", "J6", "J7", "J8"]\n'
    text = BASE.format(teams="", panel=panel, normalize=normalize)
    return text + extra if teams else text


@settings(max_examples=60, deadline=None)
@given(marks_strategy, panels, normalizations)
def test_panel_size_never_ranks_an_item_with_a_missing_mark(
    marks: dict[tuple[str, int, str, str], Decimal], panel: str, normalize: str
) -> None:
    definition = parse_definition(definition_text(panel, normalize))
    sheet = MarkSheet(capped(marks))
    board = Board(definition, "main", [Entrant(c) for c in CODES], sheet)
    for row in board.rows():
        given = sheet.entrant(row.entrant).get("main", {})
        full = all(len(given.get((item, crit), {})) == SIZE for item in (1, 2) for crit in ("a", "b"))
        assert (row.rank is not None) == full
        if not full:
            assert row.issues and all("of 3 marks" in issue or "no marks yet" in issue for issue in row.issues)


@settings(max_examples=60, deadline=None)
@given(
    marks_strategy,
    st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(POOL), mark_value), min_size=1, max_size=12),
    panels,
    normalizations,
    st.booleans(),
    st.booleans(),
)
def test_incremental_updates_equal_a_fresh_build(
    marks: dict[tuple[str, int, str, str], Decimal],
    changes: list[tuple[str, str, Decimal]],
    panel: str,
    normalize: str,
    teams: bool,
    drawn: bool,
) -> None:
    text = definition_text(panel, normalize, teams)
    if not drawn:  # fixed panels: each aspect team whole, or (no teams) the contest's eight judges
        text = text.replace("panel_size = 3\n", "").replace('title = "p"', f'title = "p"\njudges = {list(POOL)}')
    definition = parse_definition(text)
    team = {"a": POOL[:5], "b": POOL[3:]}
    start = [m for m in capped(marks) if not teams or m.judge in team[m.criterion]]
    board = Board(definition, "main", [Entrant(c) for c in CODES], MarkSheet(start))
    for code, judge, value in changes:
        crit = "a" if value < 10 or not teams or judge not in team["b"] else "b"
        if teams and judge not in team[crit]:
            continue
        board.sheet.put(Mark(code, "main", 1 + int(value) % 2, crit, judge, value))
        board.update([code])
        fresh = Board(definition, "main", list(board.entrants.values()), board.sheet)
        assert board.rows() == fresh.rows()


@settings(max_examples=60, deadline=None)
@given(marks_strategy, st.sampled_from(("mean", "trimmed_mean", "sum", "trimmed_sum")), st.booleans(), normalizations)
def test_the_fast_path_with_drawn_panels_gives_the_decimal_paths_rows(
    marks: dict[tuple[str, int, str, str], Decimal], panel: str, pooled: bool, normalize: str
) -> None:
    text = definition_text(panel, normalize).replace("[scoring]", "[scoring]\ndrop = 1")
    if pooled:  # a named pool: marks from outside it are not counted (the Decimal path says what is missing)
        text = text.replace('title = "p"', 'title = "p"\njudges = ["J1", "J2", "J3", "J4", "J5", "J6", "J7"]')
    if not panel.startswith("trimmed"):
        text = text.replace("drop = 1\n", "")
    definition = parse_definition(text)
    sheet = MarkSheet(capped(marks))
    board = Board(definition, "main", [Entrant(c) for c in CODES], sheet)
    assert board._fast is not None
    with mock.patch.object(FastStanding, "of", return_value=None):
        slow = Board(definition, "main", [Entrant(c) for c in CODES], sheet)
    assert slow._fast is None
    assert board.rows() == slow.rows()
    for code in CODES:  # and the totals behind the rounded ones, up to the Decimal path's carried-division noise
        fast_result, slow_result = board.result(code), slow.result(code)
        fast_total = fast_result and fast_result.total
        slow_total = slow_result and slow_result.total
        assert (fast_total is None) == (slow_total is None)
        if fast_total is not None and slow_total is not None:
            assert snap(fast_total) == snap(slow_total), (fast_total, slow_total)


@settings(max_examples=60, deadline=None)
@given(marks_strategy, st.sampled_from(POOL), st.integers(min_value=1, max_value=10), panels)
def test_rank_normalisation_ignores_how_harsh_a_judge_is(
    marks: dict[tuple[str, int, str, str], Decimal], harsh: str, points: int, panel: str
) -> None:
    # the same judge giving every entrant `points` less: the same ranks within that judge's marks, so the same
    # normalised values and the very same board
    definition = parse_definition(definition_text(panel, "rank"))
    kept = capped(marks)
    lower = [
        Mark(m.entrant, m.round, m.item, m.criterion, m.judge, m.value - points if m.judge == harsh else m.value)
        for m in kept
    ]
    board = Board(definition, "main", [Entrant(c) for c in CODES], MarkSheet(kept))
    harsher = Board(definition, "main", [Entrant(c) for c in CODES], MarkSheet(lower))
    assert board.rows() == harsher.rows()
