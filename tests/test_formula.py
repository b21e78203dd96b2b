from decimal import Decimal

import pytest

from contest.scoring.formula import FormulaEvalError, FormulaSyntaxError, parse_formula

D = Decimal


@pytest.mark.parametrize(
    ("text", "env", "result"),
    [
        ("execution * dd * 0.6", {"execution": D("24"), "dd": D("3.2")}, D("46.08")),
        (
            "0.25*外形 + 0.10*汤色 + 0.25*香气 + 0.30*滋味 + 0.10*叶底",
            {"外形": D(90), "汤色": D(88), "香气": D("91.5"), "滋味": D(93), "叶底": D(87)},
            D("90.775"),
        ),
        ("theory*0.2 + practical*0.8", {"theory": D("86.5"), "practical": D("90.25")}, D("89.5")),
        ("max(0, 10 - d)", {"d": D(12)}, D(0)),
        ("min(a, b, c)", {"a": D(3), "b": D(-1), "c": D(2)}, D(-1)),
        ("abs(a - b)", {"a": D(3), "b": D(5)}, D(2)),
        ("-a + +b", {"a": D(1), "b": D(4)}, D(3)),
        ("a - (b - c)", {"a": D(10), "b": D(4), "c": D(1)}, D(7)),
        ("（a＋b）×2÷4", {"a": D(1), "b": D(3)}, D(2)),  # full-width, as typed on a Chinese keyboard
        ("0.1 + 0.2", {"x": D(0)}, D("0.3")),  # never binary floats
        ("x / 4", {"x": D(1)}, D("0.25")),
    ],
)
def test_evaluates_exactly(text: str, env: dict[str, Decimal], result: Decimal) -> None:
    assert parse_formula(text).evaluate(env) == result


def test_names_are_the_keys_it_reads() -> None:
    assert parse_formula("0.2*theory + max(practical, 0)").names == {"theory", "practical"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a ** 2", r"only \+ - \* /"),
        ("__import__('os').system('x')", "only functions"),
        ("a.b", "not allowed"),
        ("x[0]", "not allowed"),
        ("'text'", "only numbers"),
        ("a if b else c", "not allowed"),
        ("a < b", "comparisons"),
        ("min(a)", "two or more"),
        ("abs(a, b)", "exactly one"),
        ("max(a, key=b)", "plain values"),
        ("1 +", "not a valid formula"),
        ("", "empty"),
        ("lambda: 1", "not allowed"),
        ("b'x'", "only numbers"),  # True, None, yield... are names: keys may be Python words (test_rulebook.py)
    ],
)
def test_refuses_anything_but_arithmetic(text: str, says: str) -> None:
    with pytest.raises(FormulaSyntaxError, match=says):
        parse_formula(text)


def test_division_by_zero_is_a_clear_error() -> None:
    with pytest.raises(FormulaEvalError, match="division by zero"):
        parse_formula("a / b").evaluate({"a": D(1), "b": D(0)})


def test_substitute_shows_values_in_place_of_names() -> None:
    formula = parse_formula("(a + b) * dd - 0.5")
    assert formula.substitute({"a": D("8.5"), "b": D(9), "dd": D("2.0")}) == "(8.5 + 9) * 2 - 0.5"
