"""The balanced draw of who judges whom: each entrant `panel_size` distinct judges, nobody recused, loads within
one, the same draw again from the same seed."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.scoring.panel_draw import DrawError, SplitMix64, draw, draw_judges, draw_panels, loads
from contest.scoring.panels import Panel, Recusal


@st.composite
def fields(draw_: st.DrawFn) -> tuple[list[str], list[str], int, int, set[tuple[str, str]]]:
    judges = [f"J{i}" for i in range(1, draw_(st.integers(1, 12)) + 1)]
    entrants = [f"A{i:03d}" for i in range(1, draw_(st.integers(1, 60)) + 1)]
    size = draw_(st.integers(1, len(judges)))
    seed = draw_(st.integers(0, 2**64 - 1))
    density = draw_(st.sampled_from([0.0, 0.05, 0.2, 0.5]))
    rng = SplitMix64(seed ^ 0x5EED)
    recused = {(j, e) for j in judges for e in entrants if rng.below(1000) < density * 1000}
    return judges, entrants, size, seed, recused


@settings(max_examples=300, deadline=None)
@given(fields())
def test_a_balanced_draw_gives_each_entrant_its_distinct_judges_and_no_recused_pair(case) -> None:  # type: ignore[no-untyped-def]
    judges, entrants, size, seed, recused = case
    try:
        drawn = draw(entrants, judges, size, seed, lambda j, e: (j, e) in recused)
    except DrawError as refused:
        assert recused, "without recusal every draw can be made"
        assert "A" in str(refused) or "J" in str(refused)  # names the entrant or the judges
        return
    assert set(drawn) == set(entrants)
    for entrant, picked in drawn.items():
        assert len(picked) == len(set(picked)) == size
        assert not any((j, entrant) in recused for j in picked)
    count = loads(drawn, judges).values()
    assert max(count) - min(count) <= 1
    assert drawn == draw(entrants, judges, size, seed, lambda j, e: (j, e) in recused)  # reproducible


def test_an_impossible_draw_names_the_entrant() -> None:
    recusal = Recusal({"J1": "茶科所", "J2": "茶科所"}, frozenset({("J3", "A002")}))
    with pytest.raises(DrawError, match="entrant A001 can be judged by only 1 of the judges"):
        draw_judges("r", [("A001", "茶科所"), ("A002", "农大")], ["J1", "J2", "J3"], 2, 7, recusal)


def test_a_judge_is_never_drawn_for_an_entrant_of_their_organization() -> None:
    recusal = Recusal({"J1": "茶科所", "J4": "农大"})
    entrants = [(f"A{i:03d}", "茶科所" if i % 2 else "农大") for i in range(1, 41)]
    rows = draw_judges("prelim", entrants, ["J1", "J2", "J3", "J4", "J5", "J6"], 3, 2026, recusal)
    organization = dict(entrants)
    assert not [r for r in rows if recusal.recused(r.judge, r.entrant, organization[r.entrant])]
    assert len(rows) == 40 * 3


def test_panels_are_drawn_whole_with_their_loads_within_one() -> None:
    panels = [Panel(k, k, (f"{k}1", f"{k}2")) for k in "ABC"]
    recusal = Recusal({"A1": "茶科所"})
    entrants = [(f"A{i:03d}", "茶科所" if i < 5 else "") for i in range(1, 11)]
    rows = draw_panels("prelim", entrants, panels, 1, recusal)
    by_entrant: dict[str, set[str]] = {}
    for row in rows:
        by_entrant.setdefault(row.entrant, set()).add(row.panel)
    assert all(len(p) == 1 for p in by_entrant.values())
    assert all(by_entrant[f"A{i:03d}"] != {"A"} for i in range(1, 5))
    per_panel = [sum(1 for p in by_entrant.values() if p == {k}) for k in "ABC"]
    assert max(per_panel) - min(per_panel) <= 1
    assert rows == draw_panels("prelim", entrants, panels, 1, recusal)
    assert rows != draw_panels("prelim", entrants, panels, 2, recusal)
