"""The one text and number policy of every input path (contest/scoring/text.py, numbers.py, formula.py), pure.

Each case here was accepted before: `8_0`, Arabic-Indic and full-width digits parsed as numbers, `-0` kept its
sign, right-to-left overrides passed, and `a/0` was a formula that left every entrant unranked.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.scoring import DefinitionError, parse_definition
from contest.scoring.formula import FormulaSyntaxError, parse_formula
from contest.scoring.numbers import MAX_ITEM, parse_decimal, parse_whole
from contest.scoring.text import BIDI_CONTROLS, clean_text, refused_character

# -- numbers --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["8_0", "٨٠", "１００", "۸", "8\u0660", "1e3", "1E-2", "0x10", "١,٠٠٠", "8 0", "½", "Ⅷ", "²"],
)
def test_numbers_are_plain_ascii_decimals_only(raw: str) -> None:
    with pytest.raises(ValueError, match=r"digits 0-9|expected a number"):
        parse_decimal(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("8", "8"), ("8.5", "8.5"), ("+8", "8"), (".5", "0.5"), ("1,234.5", "1234.5"), (" 7 ", "7"), ("12,000", "12000")],
)
def test_plain_decimals_and_excel_thousands_separators_are_read(raw: str, value: str) -> None:
    assert parse_decimal(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["-0", "-0.0", "-0.00", Decimal("-0"), Decimal("-0.0"), -0.0, "+0"])
def test_minus_zero_is_zero(raw: object) -> None:
    value = parse_decimal(raw)
    assert value == 0 and not value.is_signed()
    assert not f"{value:f}".startswith("-")


@pytest.mark.parametrize(
    "raw", ["1000000000000000", 10**15, "-1000000000000000", "0.0000000000001", Decimal("1E-20"), 2**63]
)
def test_numbers_too_large_or_too_fine_to_store_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="10\\^15"):
        parse_decimal(raw)


@given(st.decimals(min_value=-(10**14), max_value=10**14, places=4, allow_nan=False, allow_infinity=False))
def test_any_plain_decimal_round_trips(value: Decimal) -> None:
    assert parse_decimal(f"{value:f}") == value
    assert len(f"{parse_decimal(f'{value:f}'):f}") <= 40  # fits the marks' String(40) column


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=5).filter(lambda s: not s.isascii()))
def test_no_digit_outside_ascii_is_a_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text)
    with pytest.raises(ValueError):
        parse_whole(text, high=10**9)


@pytest.mark.parametrize("raw", [2**31, 2**63, 2**64, 0, -1, MAX_ITEM + 1, True, "1_0", "٣", "+3", "3.0", 3.0, None])
def test_items_are_bounded_whole_numbers(raw: object) -> None:
    with pytest.raises(ValueError, match=f"from 1 to {MAX_ITEM}"):
        parse_whole(raw, low=1, high=MAX_ITEM)


def test_whole_numbers_from_files_and_query_strings() -> None:
    assert parse_whole("3", low=1, high=MAX_ITEM) == 3
    with pytest.raises(ValueError):
        parse_whole(" 12", low=1, high=MAX_ITEM)  # a query string's ?limit=%2012: only digits
    assert parse_whole(MAX_ITEM, low=1, high=MAX_ITEM) == MAX_ITEM
    with pytest.raises(ValueError):
        parse_whole("3", low=1, high=MAX_ITEM, text=False)  # JSON: an integer, not text


# -- texts ----------------------------------------------------------------------------------------------------------

CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\x9b", "\u2028", "\u2029"]


@pytest.mark.parametrize("ch", sorted(BIDI_CONTROLS))
def test_bidirectional_controls_are_refused(ch: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(ch):04X}"):
        clean_text(f"{ch}evil\u202c gnp.exe")
    with pytest.raises(ValueError, match="right-to-left"):
        clean_text(f"A{ch}1", max_length=64)


def test_the_judges_tablet_case() -> None:
    why = refused_character("\u202eevil\u202c gnp.exe")
    assert why is not None and str(why).startswith("contains a right-to-left or left-to-right control character")
    assert "U+202E at character 1" in why


@given(
    st.text(max_size=20),
    st.sampled_from([*CONTROLS, "\x00", "\ud800", "\udfff"]),
    st.text(max_size=20),
)
def test_any_text_with_a_control_character_inside_is_refused(before: str, bad: str, after: str) -> None:
    text = f"x{before}{bad}{after}x"  # inside: not stripped away
    with pytest.raises(ValueError, match="contains"):
        clean_text(text, max_length=1000)


ALLOWED = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="".join(BIDI_CONTROLS) + "\u2028\u2029")


@given(st.text(alphabet=ALLOWED, max_size=60))
def test_any_accepted_text_round_trips(text: str) -> None:
    cleaned = clean_text(text, max_length=1000)
    assert cleaned == text.strip()
    assert clean_text(cleaned, max_length=1000) == cleaned  # stable: what is stored is accepted again
    assert all(unicodedata.category(ch) != "Cc" for ch in cleaned)


def test_names_in_any_script_pass() -> None:
    for name in ("林浩然", "محمد علي", "דוד", "Zoë O'Brien", "👩‍🔬 Ana", "李\u3000明"):
        assert clean_text(name) == name


def test_length_and_emptiness() -> None:
    assert clean_text("  A01 \n", max_length=64) == "A01"  # surrounding whitespace is not part of a code
    with pytest.raises(ValueError, match="longer than 64"):
        clean_text("x" * 65, max_length=64)
    with pytest.raises(ValueError, match="must not be empty"):
        clean_text("   ", required=True)
    with pytest.raises(ValueError, match="expected text"):
        clean_text(5)
    assert clean_text("line one\nline two", lines=True) == "line one\nline two"
    with pytest.raises(ValueError):
        clean_text("line one\x00", lines=True)


# -- formulas and contest files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["a/0", "a / 0.0", "a/(1-1)", "a/(2*0)", "a/min(0, 1)", "a/abs(-0)", "a/(1/2 - 0.5)", "(a+b)/(3-3)", "a*(1/0)"],
)
def test_dividing_by_a_constant_zero_is_refused(text: str) -> None:
    with pytest.raises(FormulaSyntaxError, match="always zero"):
        parse_formula(text)


@pytest.mark.parametrize("text", ["a/2", "a/(b-b)", "a/max(b, 1)", "a/(1-0.5)"])
def test_dividing_by_a_value_or_a_nonzero_constant_is_a_formula(text: str) -> None:
    assert parse_formula(text).names


CONTEST = """
[contest]
slug = "p"
title = "{title}"

[[criteria]]
key = "a"
label = "{label}"
min = 0
max = 10

[[criteria]]
key = "b"
min = 1
max = 10

[scoring]
item = "{item}"
"""


def problems(**fields: str) -> list[str]:
    values = {"title": "T", "label": "A", "item": "a + b", **fields}
    with pytest.raises(DefinitionError) as caught:
        parse_definition(CONTEST.format(**values))
    return [str(p) for p in caught.value.problems]


def test_a_contest_whose_item_divides_by_zero_is_refused_naming_the_field() -> None:
    assert problems(item="a/0") == ["scoring.item (line 18): divides by 0, which is always zero"]
    assert problems(item="a / (b - b) + a/(1-1)") == ["scoring.item (line 18): divides by 1 - 1, which is always zero"]
    assert parse_definition(CONTEST.format(title="T", label="A", item="a/b")).rounds[0].scoring.item is not None


def test_contest_texts_follow_the_policy() -> None:
    assert problems(title="\\u202eevil\\u202c gnp.exe") == [
        "contest.title (line 4): contains a right-to-left or left-to-right control character, U+202E at character 1; "
        "remove it"
    ]
    assert problems(label="A\\u0000") == [
        "criteria[1].label (line 8): contains a control character (such as NUL or a line break), U+0000 at "
        "character 2; remove it"
    ]


@pytest.mark.parametrize("raw", ["٢", "1_0", "２", "1e0"])
def test_the_chief_judges_spread_query_follows_the_number_policy(raw: str) -> None:
    from contest.services.errors import Invalid
    from contest.services.reviewing import parse_spread

    with pytest.raises(Invalid) as caught:
        parse_spread(raw)
    assert caught.value.field == "spread"
    assert parse_spread("1.5") == Decimal("1.5")
