"""Named panels and assignments in the contest file: parsed, checked with key paths, and asked who judges whom."""

import re

import pytest

from contest.scoring import DefinitionError, parse_definition
from contest.scoring.panels import describe_owner, plan_from_file

HEAD = """
[contest]
slug = "tea"
title = "制茶"

[[criteria]]
key = "外形"
min = 0
max = 10

[[criteria]]
key = "滋味"
min = 0
max = 10

[scoring]
panel_size = 3
item = "外形 + 滋味"

[[rounds]]
key = "prelim"
items = 6

[[panels]]
key = "A"
label = "第一组"
judges = ["J1", "J2", "J3"]

[[panels]]
key = "B"
label = "第二组"
judges = ["J4", "J5", "J3"]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    return [re.sub(r" \(line \d+\)", "", str(p)) for p in caught.value.problems]


def test_two_panels_over_two_halves_of_the_field_each_judge_their_own() -> None:
    d = parse_definition(
        HEAD
        + """
[[assignments]]
round = "prelim"
panel = "A"
entrants = { range = ["A001", "A040"] }

[[assignments]]
round = "prelim"
panel = "B"
entrants = { range = ["A041", "A080"] }
"""
    )
    plan = plan_from_file(d.panels, "prelim", [(f"A{n:03d}", "") for n in range(1, 81)])
    assert plan is not None
    assert plan.judges("A017", 2, "外形") == {"J1", "J2", "J3"}
    assert plan.judges("A041", 2, "外形") == {"J3", "J4", "J5"}
    assert plan.judges("A081", 1) == frozenset()  # nobody: not in the field's assignments
    assert sorted(plan.duties("J1", 6, ["外形", "滋味"])) == [f"A{n:03d}" for n in range(1, 41)]
    assert len(plan.duties("J3", 6, ["外形", "滋味"])) == 80  # a judge may sit on several panels
    owner = describe_owner("A050", 2, plan.owners("A050", 2))
    assert owner == "entrant A050 item 2 is panel B's (J3, J4, J5)"


def test_items_and_criteria_split_between_panels_dives_and_aspect_teams() -> None:
    d = parse_definition(
        HEAD
        + """
[[assignments]]
round = "prelim"
panel = "A"
items = [1, 2, 3]
entrants = { group = "高职组" }

[[assignments]]
round = "prelim"
panel = "B"
items = [4, 5, 6]
criteria = ["滋味"]
entrants = { codes = ["A001", "A002"] }
"""
    )
    plan = plan_from_file(d.panels, "prelim", [("A001", "高职组"), ("A002", "中职组")])
    assert plan is not None
    assert plan.judges("A001", 3, "外形") == {"J1", "J2", "J3"}
    assert plan.judges("A001", 4, "外形") == frozenset()
    assert plan.judges("A001", 4, "滋味") == {"J3", "J4", "J5"}
    assert plan.judges("A002", 1, "外形") == frozenset()  # another group
    assert plan.duties("J4", 6, ["外形", "滋味"]) == {
        "A001": {4: ("滋味",), 5: ("滋味",), 6: ("滋味",)},
        "A002": {4: ("滋味",), 5: ("滋味",), 6: ("滋味",)},
    }


def test_a_round_without_assignments_has_no_plan() -> None:
    d = parse_definition(HEAD)
    assert plan_from_file(d.panels, "prelim", [("A001", "")]) is None


def test_every_problem_names_its_key_path() -> None:
    found = problems(
        HEAD.replace('judges = ["J4", "J5", "J3"]', 'judges = ["J4", "J5"]')
        + """
[[assignments]]
round = "semi"
panel = "C"

[[assignments]]
round = "prelim"
panel = "B"
items = [0, 7]
criteria = ["香气"]
entrants = { range = ["A040", "B001"] }

[recusal]
conflicts = [{ judge = "J1" }]
"""
    )
    text = "\n".join(found)
    assert "assignments[1].round: 'semi' is not a round key" in text
    assert "assignments[1].panel: 'C' is not a panel key" in text
    assert "assignments[2].panel: panel 'B' has 2 judges but round 'prelim' has panel_size = 3" in text
    assert "assignments[2].items: expected a list of item numbers from 1 to 6" in text
    assert "assignments[2].criteria: '香气' is not a judged criterion of this round" in text
    assert "assignments[2].entrants.range: both ends must be codes with the same prefix" in text
    assert "recusal.conflicts[1].entrants: a list of at least one entrant code" in text


def test_assigned_panels_need_the_rounds_panel_size() -> None:
    found = problems(
        HEAD.replace("panel_size = 3\n", "")
        + """
[[assignments]]
round = "prelim"
panel = "A"
"""
    )
    assert any("assignments[1].round: round 'prelim' has assigned panels: give its panel_size" in p for p in found)


def test_panels_judges_must_be_the_contests() -> None:
    text = HEAD.replace('title = "制茶"', 'title = "制茶"\njudges = ["J1", "J2", "J3", "J4"]')
    assert any(p.startswith("panels[2].judges: 'J5' is not one of the contest's judges") for p in problems(text))


def test_recusal_reads_organizations_and_conflicts() -> None:
    d = parse_definition(
        HEAD
        + """
[recusal]
organizations = { J1 = "茶科所", "评委 2" = "农大" }
conflicts = [{ judge = "J3", entrants = ["A017", "A020"] }]
"""
    )
    recusal = d.panels.recusal
    assert recusal.recused("J1", "A001", "茶科所")
    assert not recusal.recused("J1", "A001", "农大")
    assert recusal.recused("J3", "A020", "")
    assert recusal.why("J3", "A017", "") == "judge J3 has a declared conflict with entrant A017"


def test_recusal_needs_panel_size_in_every_judged_round() -> None:
    # a fixed panel needs every member, and the server refuses the recused judge: the entrant could never be ranked
    text = (
        HEAD.replace("panel_size = 3\n", "")
        + """
[recusal]
organizations = { J1 = "茶科所" }
conflicts = [{ judge = "J3", entrants = ["A017"] }]
"""
    )
    found = problems(text)
    why = (
        "round 'prelim' has no panel_size: a recused judge would leave the entrant's fixed panel short; set "
        "panel_size so that each entrant's panel is drawn without them"
    )
    assert found == [f"recusal.organizations: {why}", f"recusal.conflicts: {why}"]
