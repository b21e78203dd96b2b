"""Exact decimal arithmetic for scores.

All arithmetic runs in `CONTEXT` (50 significant digits): the board enters it with `precise()` at its public
methods, so operators and `sum` inside the core use it. Sums and products of marks are exact; a division that
does not terminate (a mean of three) is carried to 50 significant digits, so its error is in those last digits.
Before a value is rounded half-up to the contest's `decimals` it is first rounded to `SNAP_DIGITS` (45) significant
digits: a result whose exact value lies on a half (25.615) rounds as it would by hand, even when a non-terminating
intermediate left it at 25.61499...9 (50 digits). The snap moves a value by at most 5 units of its 46th significant
digit (a relative 5e-45), and only a value that needs more than 45 significant digits is moved at all: every value
that marks, weights and sums give exactly within 45 digits rounds as itself (2.675 - 1e-25 is 2.67, not 2.68).
Nothing is ever shown or ranked with a sign on zero: -0.001 rounds to 0.00, and two such entrants share a rank.
"""

from __future__ import annotations

import math
import re
from contextlib import AbstractContextManager
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

from contest.scoring.messages import Message

CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
SNAP_DIGITS = 45  # significant digits kept before rounding: the last 5 of the 50 carried hold division noise
ZERO = Decimal(0)
ONE = Decimal(1)

# ASCII digits only: `\d` and Decimal() also take Arabic-Indic and full-width digits, and Decimal() takes 8_0
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_PLAIN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_WHOLE = re.compile(r"[0-9]{1,10}")
LARGEST = Decimal("1e15")  # a mark, limit or weight is smaller than this in size
MAX_PLACES = 12  # and has at most this many decimal places
MAX_ITEM = 1000  # items of a round (and so the item number of a mark) run from 1 to this
INT32 = 2**31 - 1  # the largest value of an Integer column on every database
_QUANTA = {d: Decimal(1).scaleb(-d) for d in range(0, 11)}


def precise() -> AbstractContextManager[Context]:
    """Run the enclosed arithmetic in `CONTEXT` (thread-local: safe in a server's worker threads)."""
    return localcontext(CONTEXT)


def snap(value: Decimal) -> Decimal:
    """The value to `SNAP_DIGITS` significant digits: carried-division noise in the last digits snapped off."""
    if not value or len(value.as_tuple().digits) <= SNAP_DIGITS:
        return value
    return value.quantize(Decimal(1).scaleb(value.adjusted() - SNAP_DIGITS + 1, CONTEXT), ROUND_HALF_EVEN, CONTEXT)


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """Round to `decimals` places, half away from zero, after snapping off carried-division noise; never -0."""
    rounded = snap(value).quantize(_QUANTA[decimals], rounding=ROUND_HALF_UP, context=CONTEXT)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def units(value: Decimal, decimals: int) -> int:
    """`round_half_up(value, decimals)` counted in units of its last place (78.395 at 2 decimals -> 7840)."""
    return int(round_half_up(value, decimals).scaleb(decimals, CONTEXT))


def parse_decimal(raw: object) -> Decimal:
    """A finite Decimal from a TOML/CSV/JSON value; raises ValueError with a readable reason.

    Text is a plain ASCII decimal (``8``, ``-8.5``, ``.5``), optionally with Excel's thousands separators
    (``1,234.5``): no exponent, underscore, Arabic-Indic or full-width digit. Floats are taken by their shortest
    repr (TOML ``0.1`` means one tenth, not the binary float). Booleans, NaN and infinities are refused, and so
    is a value of 10^15 or more in size or with more than 12 decimal places. ``-0`` is 0.
    """
    if isinstance(raw, bool):
        raise ValueError(Message("expected a number, got true/false"))
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError(Message("expected a finite number"))
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        if not text:
            raise ValueError(Message("expected a number, got an empty value"))
        if text.lstrip("+-").lower() in ("nan", "snan", "inf", "infinity"):
            raise ValueError(Message("expected a finite number, got {raw!r}", raw=raw))
        if not _PLAIN.fullmatch(text):
            if any(ch.isdigit() or ch == "_" for ch in text):  # 8_0, ٨٠, １００, 1e3: looks like a number, is not plain
                raise ValueError(
                    Message("expected a number written with the digits 0-9 (such as 8 or 8.5), got {raw!r}", raw=raw)
                )
            raise ValueError(Message("expected a number, got {raw!r}", raw=raw))
        value = Decimal(text)
    else:
        raise ValueError(Message("expected a number, got {kind}", kind=type(raw).__name__))
    if not value.is_finite():
        raise ValueError(Message("expected a finite number, got {raw!r}", raw=raw))
    exponent = value.as_tuple().exponent
    if abs(value) >= LARGEST or (isinstance(exponent, int) and exponent < -MAX_PLACES):
        raise ValueError(Message("must be smaller than 10^15 with at most 12 decimal places, got {value}", value=value))
    if value.is_zero():
        value = value.copy_abs()  # -0 is 0
    return value


def parse_whole(raw: object, *, low: int = 1, high: int = INT32, text: bool = True) -> int:
    """A whole number from `low` to `high`: a JSON integer, or (unless `text` is False) text of only the digits 0-9
    from a file or a query string; raises ValueError with a readable reason. Every whole number that reaches an
    Integer column is bounded here first (an item of 2^31 or 2^63 overflows PostgreSQL's and SQLite's)."""
    number: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif text and isinstance(raw, str) and _WHOLE.fullmatch(raw):
        number = int(raw)
    if number is None or not low <= number <= high:
        raise ValueError(
            Message("expected a whole number from {low} to {high}, got {raw!r}", low=low, high=high, raw=raw)
        )
    return number


def format_decimal(value: Decimal, decimals: int) -> str:
    """The value rounded half-up and written with exactly `decimals` places (``78.40``)."""
    return f"{round_half_up(value, decimals):f}"


def plain(value: Decimal) -> str:
    """A value as explanations show it: no exponent, no trailing zeros (``2.5``, ``10``), and a value that does
    not end within 6 places cut there (not rounded) with an ellipsis (``2.666666…`` for 8/3). No sign on a zero."""
    if value == value.to_integral_value():
        whole = value.quantize(ONE, context=CONTEXT)
        return f"{whole.copy_abs() if whole.is_zero() else whole:f}"
    text = f"{value.normalize(CONTEXT):f}"
    if len(text) - text.index(".") - 1 > 6:
        cut = value.quantize(_QUANTA[6], rounding=ROUND_DOWN, context=CONTEXT)
        return f"{cut.copy_abs() if cut.is_zero() else cut:f}…"
    return text
