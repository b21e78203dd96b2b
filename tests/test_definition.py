from decimal import Decimal

import pytest

from contest.scoring import DefinitionError, parse_definition

MINIMAL = """
[contest]
slug = "demo"
title = "演示"

[[criteria]]
key = "score"
min = 0
max = 10
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    return [str(p) for p in caught.value.problems]


def test_minimal_contest_has_one_round_main_with_mean_panel() -> None:
    d = parse_definition(MINIMAL)
    assert d.slug == "demo"
    assert d.decimals == 2
    assert [r.key for r in d.rounds] == ["main"]
    rnd = d.rounds[0]
    assert rnd.items == 1
    assert rnd.criteria == ("score",)
    assert rnd.scoring.panel == "mean"
    assert rnd.scoring.item is not None and rnd.scoring.item.source == "score"


def test_spec_example_parses_into_typed_values() -> None:
    d = parse_definition(
        """
[contest]
slug = "m3m"
title = "男子3米跳板 / Men's 3m springboard"
decimals = 2
blind = false

[[criteria]]
key = "execution"
label = "动作完成 / Execution"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "dd"
label = "难度系数 / Degree of difficulty"
judged = false
min = 1.0
max = 4.8
step = 0.1
default = 1.0

[scoring]
panel = "trimmed_sum"
drop = 1
item = "execution * dd * 0.6"
round = "sum"
missing_items = "incomplete"

[[rounds]]
key = "prelim"
items = 6
[[rounds]]
key = "semi"
items = 5
standing = "prelim + semi"
[[rounds]]
key = "final"
items = 6
standing = "semi + final"

[ranking]
tie_breakers = ["final", "execution"]

[[awards]]
name = "一等奖"
share = 0.1
"""
    )
    assert [c.key for c in d.criteria] == ["execution", "dd"]
    dd = d.criterion("dd")
    assert (dd.judged, dd.min, dd.max, dd.step, dd.default) == (
        False,
        Decimal("1.0"),
        Decimal("4.8"),
        Decimal("0.1"),
        Decimal("1.0"),
    )
    assert d.standing_rounds("final") == ("semi", "final")
    assert d.standing_rounds("prelim") == ("prelim",)
    assert d.round("semi").items == 5
    assert d.ranking.tie_breakers == ("final", "execution")
    assert d.awards[0].share == Decimal("0.1") and d.awards[0].rounding == "down"


def test_every_problem_is_reported_at_once_with_key_path_and_line() -> None:
    found = problems(
        """[contest]
slug = "Bad Slug"
title = "t"
decimals = 9

[[criteria]]
key = "a"
min = 10
max = 0

[[criteria]]
key = "b"
min = 0
max = 10
step = 3
colour = "red"

[scoring]
item = "a + c"
"""
    )
    assert found == [
        "contest.slug (line 2): expected lowercase letters, digits and - (like 'tea-2026'), got 'Bad Slug'",
        "contest.decimals (line 4): expected a whole number from 0 to 6, got 9",
        "criteria[1].max (line 9): must be greater than min (10), got 0",
        "criteria[2].colour (line 16): unknown key; known keys: key, label, description, min, max, step, judged, "
        "default, deduction, better, relative, judges",
        "criteria[2].step (line 15): 3 does not divide the range 0 to 10 into whole steps",
        "scoring.item (line 19): names unknown key 'c'; it may use criteria of this round, subtotals or panel: a, b",
    ]


def test_toml_syntax_error_names_the_line() -> None:
    found = problems('[contest]\nslug = "x"\ntitle = \n')
    assert len(found) == 1
    assert found[0].startswith("line 3: not valid TOML")


def test_unknown_key_suggests_the_close_one() -> None:
    found = problems(MINIMAL + '\n[scoring]\npanle = "mean"\n')
    assert found == ["scoring.panle (line 12): unknown key; did you mean 'panel'?"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '\n[scoring]\npanel = "average"\n',
            "scoring.panel (line 12): expected one of mean, median, sum, trimmed_mean, trimmed_sum, got 'average'",
        ),
        (
            '\n[scoring]\npanel = "mean"\ndrop = 1\n',
            "scoring.drop (line 13): only trimmed_mean and trimmed_sum drop marks, not mean",
        ),
        ('\n[scoring]\nitem = "score ** 2"\n', "scoring.item (line 12): only + - * / are allowed as operators"),
        (
            '\n[scoring]\nitem = "7"\n',
            "scoring.item (line 12): uses no key, so it would give every entrant the same score",
        ),
        (
            '\n[ranking]\ntie_breakers = ["speed"]\n',
            "ranking.tie_breakers (line 12): 'speed' is neither a round, a criterion nor a subtotal key",
        ),
        (
            '\n[[awards]]\nname = "一等奖"\n',
            "awards[1].top (line 11): an award needs top = N or share = 0.1 (a fraction of the ranked entrants)",
        ),
        (
            '\n[[awards]]\nname = "一等奖"\ntop = 1\nshare = 0.1\n',
            "awards[1].share (line 14): give either top or share, not both",
        ),
        (
            '\n[[awards]]\nname = "一等奖"\nshare = 1.5\n',
            "awards[1].share (line 13): must be greater than 0 and at most 1 (0.1 = 10%), got 1.5",
        ),
        (
            '\n[[rounds]]\nkey = "final"\nadvance = 3\n',
            "rounds[1].advance (line 13): the last round has no next round to advance to",
        ),
        (
            '\n[[rounds]]\nkey = "a"\nstanding = "a + b"\n[[rounds]]\nkey = "b"\n',
            "rounds[1].standing (line 13): names "
            "unknown key 'b'; it may use round keys of this round and earlier ones: a",
        ),
        ('\n[[rounds]]\nkey = "score"\n', "rounds: 'score' names both a criterion and a round; keys must differ"),
        (
            '\n[[rounds]]\nkey = "r"\ncriteria = ["nope"]\n',
            "rounds[1].criteria (line 13): 'nope' is not a criterion key; known: score",
        ),
        (
            '\n[[rounds]]\nkey = "r"\nitems = 0\n',
            "rounds[1].items (line 13): expected a whole number from 1 to 1000, got 0",
        ),
    ],
)
def test_bad_contest_files_name_the_key(extra: str, expected: str) -> None:
    assert expected in problems(MINIMAL + extra)


def test_criterion_problems() -> None:
    found = problems(
        """[contest]
slug = "c"
title = "t"

[[criteria]]
key = "a"
min = 0
max = 10
deduction = true

[[criteria]]
key = "b"
min = 0
max = 10
default = 5

[[criteria]]
key = "2nd"
min = 0
max = 1

[[criteria]]
key = "t"
judged = false
relative = true
better = "lower"
min = 0
max = 100

[[criteria]]
key = "k"
judged = false
min = 0
max = 10
step = 0.5
default = 0.3

[[criteria]]
key = "a"
min = "0"
max = 1
"""
    )
    assert found == [
        "criteria[1].deduction (line 9): a deduction is entered once by the chief judge: add judged = false",
        "criteria[2].default (line 15): only criteria with judged = false have a default",
        "criteria[3].key (line 18): '2nd' is not a usable key: a word of letters (Chinese too), digits and _, not "
        "starting with a digit, and not min, max, abs or panel",
        "criteria[4].min (line 27): a lower-is-better relative value (a time) must have min greater than 0",
        "criteria[5].default (line 36): must be a multiple of 0.5 from 0, got 0.3",
        "criteria[6].key (line 39): 'a' is used by another criterion",
        "criteria[6].min (line 40): expected a number, got text '0' (write it without quotes)",
    ]


SUBTOTALS = """[contest]
slug = "s"
title = "t"

[[criteria]]
key = "a"
min = 0
max = 10

[[criteria]]
key = "b"
min = 0
max = 10

[scoring]
item = "x + y"
[scoring.subtotals]
x = "a + y"
y = "b + x"
"""


def test_subtotals_in_a_cycle_are_refused() -> None:
    found = problems(SUBTOTALS)
    assert "scoring.subtotals.x (line 18): subtotals refer to each other in a cycle: x -> y -> x" in found


def test_subtotals_evaluate_in_dependency_order() -> None:
    d = parse_definition(SUBTOTALS.replace('x = "a + y"', 'x = "a + 1"'))
    assert [name for name, _ in d.rounds[0].scoring.subtotals] == ["x", "y"]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("theory*0.2 + practical*0.7", "weights add up to 0.9, not 1 (100%): 0.2 + 0.7"),
        ("theory*0.3 + practical*0.8", "weights add up to 1.1, not 1 (100%): 0.3 + 0.8"),
        ("theory*1.5 + practical*-0.5", "gives 'practical' the weight -0.5"),
    ],
)
def test_weights_that_do_not_make_sense(formula: str, expected: str) -> None:
    text = f"""[contest]
slug = "w"
title = "t"
[[criteria]]
key = "s"
min = 0
max = 100
[[rounds]]
key = "theory"
[[rounds]]
key = "practical"
standing = "{formula}"
"""
    assert any(expected in p for p in problems(text))


def test_weights_adding_to_one_pass() -> None:
    text = """[contest]
slug = "w"
title = "t"
[[criteria]]
key = "s"
min = 0
max = 100
[[rounds]]
key = "theory"
[[rounds]]
key = "practical"
standing = "theory*0.2 + practical*0.8"
"""
    assert parse_definition(text).standing_rounds("practical") == ("theory", "practical")


def test_panel_too_small_to_trim_is_refused_when_judges_are_named() -> None:
    text = MINIMAL.replace('title = "演示"', 'title = "演示"\njudges = ["J1", "J2"]') + (
        '\n[scoring]\npanel = "trimmed_mean"\ndrop = 1\n'
    )
    assert "scoring.drop (line 14): a panel of 2 judges cannot drop 1 highest and 1 lowest" in problems(text)


def test_drop_table_by_panel_size() -> None:
    text = MINIMAL + '\n[scoring]\npanel = "trimmed_mean"\ndrop = { 5 = 1, 7 = 2 }\n'
    scoring = parse_definition(text).rounds[0].scoring
    assert (scoring.drop_for(5), scoring.drop_for(7), scoring.drop_for(6)) == (1, 2, None)


def test_a_criterion_no_formula_uses_is_reported() -> None:
    text = MINIMAL + '\n[[criteria]]\nkey = "style"\nmin = 0\nmax = 5\n\n[scoring]\nitem = "score * 2"\n'
    assert "rounds[1].criteria: 'style' is entered in this round but no formula uses it" in problems(text)


def test_judge_formula_may_only_use_judged_criteria() -> None:
    text = MINIMAL + '\n[[criteria]]\nkey = "dd"\njudged = false\nmin = 1\nmax = 4\n\n[scoring]\njudge = "score * dd"\n'
    found = problems(text)
    assert any(p.startswith("scoring.judge") and "'dd'" in p for p in found)


def test_chinese_keys_and_full_width_formula() -> None:
    text = """[contest]
slug = "tea"
title = "制茶"
[[criteria]]
key = "外形"
min = 0
max = 100
[[criteria]]
key = "滋味"
min = 0
max = 100
[scoring]
item = "0.4×外形 ＋ 0.6×滋味"
"""
    d = parse_definition(text)
    assert d.rounds[0].scoring.item is not None
    assert d.rounds[0].scoring.item.names == {"外形", "滋味"}


@pytest.mark.parametrize("garbage", ["", "[contest]\n", "just words", "[[contest]]\nslug = 1\n", "criteria = 5\n"])
def test_garbage_never_raises_anything_but_definition_error(garbage: str) -> None:
    with pytest.raises(DefinitionError):
        parse_definition(garbage)


def test_review_spread() -> None:
    assert parse_definition(MINIMAL).review.spread == Decimal(2)
    assert parse_definition(MINIMAL + "\n[review]\nspread = 1.5\n").review.spread == Decimal("1.5")
    assert problems(MINIMAL + "\n[review]\nspread = 0\n") == ["review.spread (line 12): must be greater than 0, got 0"]


def test_numbers_a_score_cannot_be_are_refused_not_crashed_on() -> None:
    found = problems(MINIMAL.replace("max = 10", "max = 1e60\nstep = 0.5"))
    assert "criteria[1].max (line 9): must be smaller than 10^15 with at most 12 decimal places, got 1E+60" in found
