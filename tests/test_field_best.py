"""The field's best value of a relative criterion, kept as entrants' values change (field_best.py)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from contest.scoring.field_best import FieldBest, Measured

D = Decimal
SALES = ("live", "GMV")
TIME = ("race", "time")


def sales(value: str) -> Measured:
    return ((SALES, D(value)),)


def test_a_better_value_moves_the_best_and_a_lesser_one_does_not() -> None:
    field = FieldBest({SALES: False})
    assert field.add("", sales("12000")) is True
    assert field.add("", sales("8000")) is False
    assert field.best("") == {"live": {"GMV": D("12000")}}
    assert field.remove("", sales("8000")) is False
    assert field.add("", sales("9000")) is False  # a correction below the best leaves everyone's score alone
    assert field.add("", sales("24000")) is True
    assert field.best("") == {"live": {"GMV": D("24000")}}


def test_the_best_falls_back_only_when_its_last_holder_leaves() -> None:
    field = FieldBest({SALES: False})
    for value in ("12000", "12000.00", "6000"):
        field.add("", sales(value))
    assert field.remove("", sales("12000")) is False  # another entrant still holds 12000
    assert field.best("") == {"live": {"GMV": D("12000")}}
    assert field.remove("", sales("12000.00")) is True
    assert field.best("") == {"live": {"GMV": D("6000")}}
    assert field.remove("", sales("6000")) is True
    assert field.best("") == {}


def test_lower_is_better_and_groups_are_kept_apart() -> None:
    field = FieldBest({TIME: True, SALES: False})
    field.add("A", ((TIME, D("300")), (SALES, D("5"))))
    field.add("A", ((TIME, D("240")), (SALES, D("7"))))
    field.add("B", ((TIME, D("200")),))
    assert field.best("A") == {"race": {"time": D("240")}, "live": {"GMV": D("7")}}
    assert field.best("B") == {"race": {"time": D("200")}}
    field.clear("A")
    assert field.best("A") == {}
    assert field.best("B") == {"race": {"time": D("200")}}


values = st.integers(min_value=0, max_value=30).map(D)


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=5), values), max_size=60))
def test_the_best_is_always_the_best_of_the_values_held(changes: list[tuple[int, Decimal]]) -> None:
    # entrants 0..5 change their figure again and again; each change reports a move exactly when the best moved
    field = FieldBest({SALES: False})
    held: dict[int, Decimal] = {}
    for entrant, value in changes:
        before = max(held.values(), default=None)
        moved = field.remove("", sales(str(held[entrant]))) if entrant in held else False
        moved = field.add("", sales(str(value))) or moved
        held[entrant] = value
        after = max(held.values())
        assert field.best("") == {"live": {"GMV": after}}
        if before != after:
            assert moved
