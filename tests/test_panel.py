from decimal import Decimal

import pytest

from contest.scoring.numbers import precise
from contest.scoring.panel import combine_detail, combiner

D = Decimal
FIVE = [D("8.5"), D("9"), D("7"), D("9.5"), D("8")]


@pytest.mark.parametrize(
    ("method", "drop", "values", "result"),
    [
        ("mean", 0, FIVE, D("8.4")),
        ("sum", 0, FIVE, D("42")),
        ("median", 0, FIVE, D("8.5")),
        ("median", 0, [D(1), D(2), D(3), D(10)], D("2.5")),
        ("trimmed_mean", 1, FIVE, D("8.5")),  # drop 9.5 and 7: (8.5 + 9 + 8) / 3
        ("trimmed_sum", 1, FIVE, D("25.5")),
        ("trimmed_sum", 2, [D(v) for v in ("7", "7.5", "8", "8", "8.5", "9", "9.5")], D("24.5")),  # 7 judges, 2+2
        ("trimmed_mean", 0, FIVE, D("8.4")),
        ("mean", 0, [D(80), D(81), D(81)], D("80.666666666666666666666666666666666666666666666667")),
    ],
)
def test_combines(method: str, drop: int, values: list[Decimal], result: Decimal) -> None:
    with precise():  # as the board runs it: 50 digits
        assert combiner(method, drop)(values) == result


def test_detail_names_the_dropped_judges() -> None:
    marks = list(zip(["J1", "J2", "J3", "J4", "J5"], FIVE, strict=True))
    assert combine_detail("trimmed_mean", 1, marks) == (D("8.5"), ("J4",), ("J3",))


def test_equal_extremes_drop_one_each_and_the_value_is_the_same() -> None:
    marks = [("J1", D(9)), ("J2", D(9)), ("J3", D(7)), ("J4", D(7)), ("J5", D(8))]
    value, high, low = combine_detail("trimmed_mean", 1, marks)
    assert value == D(8)  # (9 + 7 + 8) / 3
    assert (high, low) == (("J2",), ("J3",))


def test_spread_flags_marks_far_from_the_panel_median() -> None:
    from contest.scoring.review import spread_flags

    marks = {"J1": D("8.5"), "J2": D("9"), "J3": D("5.5"), "J4": D("8"), "J5": D("10.5")}
    assert spread_flags(marks, D(2)) == (D("8.5"), ("J3",))  # 5.5 is 3 from 8.5; 10.5 is exactly 2: not flagged
    assert spread_flags({}, D(2)) == (None, ())
