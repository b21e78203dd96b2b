from decimal import Decimal

import pytest

from contest.scoring.numbers import CONTEXT, format_decimal, parse_decimal, round_half_up


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        ("2.345", 2, "2.35"),  # half-up, not banker's rounding (2.34)
        ("2.335", 2, "2.34"),
        ("-2.345", 2, "-2.35"),
        ("78.4", 2, "78.40"),
        ("0.5", 0, "1"),
        ("1.5", 0, "2"),
        ("2.5", 0, "3"),
        ("99.9949999", 2, "99.99"),
    ],
)
def test_round_half_up(value: str, decimals: int, shown: str) -> None:
    assert format_decimal(Decimal(value), decimals) == shown


def test_division_noise_at_a_half_is_snapped_before_rounding() -> None:
    # A chain with a non-terminating division can leave an exact 25.615 at 25.61499...9 (50 digits).
    # By hand it is 25.62; a genuinely smaller value still rounds down.
    assert round_half_up(Decimal("25.614" + "9" * 45), 2) == Decimal("25.62")  # 50 significant digits
    assert round_half_up(Decimal("25.615" + "0" * 44 + "1"), 2) == Decimal("25.62")
    assert round_half_up(Decimal("25.614999"), 2) == Decimal("25.61")
    # a value that needs fewer than 46 significant digits is genuine, not noise: it rounds as itself
    assert round_half_up(Decimal("25.6149999999999999999999999999999999"), 2) == Decimal("25.61")


def test_trimmed_mean_then_weight_matches_hand_arithmetic() -> None:
    mean = CONTEXT.divide(Decimal("85") + Decimal("85.4") + Decimal("85.75"), 3)  # 85.38333...
    assert round_half_up(CONTEXT.multiply(mean, Decimal("0.3")), 2) == Decimal("25.62")  # exactly 25.615


@pytest.mark.parametrize(
    ("raw", "value"),
    [("7.5", "7.5"), (" 8 ", "8"), (0.1, "0.1"), (3, "3"), ("1,234.50", "1234.50"), ("-0.5", "-0.5")],
)
def test_parse_decimal_accepts(raw: object, value: str) -> None:
    assert parse_decimal(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["", "abc", "NaN", "inf", "-Infinity", True, None, float("nan"), "1,2"])
def test_parse_decimal_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_decimal(raw)
