"""Combining a panel's values (one per judge) into one: mean, median, sum, trimmed mean, trimmed sum.

`combiner` gives the fast function used to build boards (run it inside `precise()`, as the board does);
`combine_detail` also says which judges' values were dropped, for explanations. Both give the same value.
`kept_sum` splits the combination into a sum and a divisor, for the board's exact fast path (fast.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PanelDetail:
    """What one panel combination took and gave, as scoring did it (a trace step carries it): the round, item and
    part (a criterion's key, or PANEL for the judges' own totals), each judge's value in panel order, the result
    (None: incomplete; `marks` then holds those given) and the judges whose values were dropped."""

    round: str
    item: int
    part: str
    marks: tuple[tuple[str, Decimal], ...]
    value: Decimal | None
    high: tuple[str, ...] = ()
    low: tuple[str, ...] = ()


Combiner = Callable[[Collection[Decimal]], Decimal]  # a list or a dict's values view
_TWO = Decimal(2)
_ZERO = Decimal(0)


def _mean(values: Collection[Decimal]) -> Decimal:
    return sum(values, _ZERO) / len(values)


def _sum(values: Collection[Decimal]) -> Decimal:
    return sum(values, _ZERO)


def _median(values: Collection[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / _TWO


_DIVISORS = tuple(Decimal(n) for n in range(200))


def _trimmed_mean_1(values: Collection[Decimal]) -> Decimal:
    # 去掉一个最高分和一个最低分: the common case, on the board's hot path
    ordered = sorted(values)
    if len(ordered) == 5:
        return (ordered[1] + ordered[2] + ordered[3]) / _DIVISORS[3]
    return sum(ordered[1:-1], _ZERO) / _DIVISORS[len(ordered) - 2]


def _trimmed_sum_1(values: Collection[Decimal]) -> Decimal:
    return sum(values, _ZERO) - max(values) - min(values)


def combiner(method: str, drop: int) -> Combiner:
    """The function that combines a panel's values; `drop` highest and `drop` lowest for trimmed methods."""
    if method == "mean" or (method == "trimmed_mean" and drop == 0):
        return _mean
    if method == "sum" or (method == "trimmed_sum" and drop == 0):
        return _sum
    if method == "median":
        return _median
    if method == "trimmed_mean":
        if drop == 1:
            return _trimmed_mean_1

        def trimmed_mean(values: Collection[Decimal]) -> Decimal:
            kept = sorted(values)[drop:-drop]
            return sum(kept, _ZERO) / len(kept)

        return trimmed_mean
    if method == "trimmed_sum":
        if drop == 1:
            return _trimmed_sum_1

        def trimmed_sum(values: Collection[Decimal]) -> Decimal:
            return sum(sorted(values)[drop:-drop], _ZERO)

        return trimmed_sum
    raise ValueError(f"unknown panel method {method!r}")


Kept = Callable[[Collection[Decimal]], Decimal]


def _middle_three(values: Collection[Decimal]) -> Decimal:
    ordered = sorted(values)
    return ordered[1] + ordered[2] + ordered[3]


def kept_sum(method: str, drop: int, size: int) -> tuple[Kept, int] | None:
    """For a complete panel of `size` judges: (the sum of the values the method keeps, the number that sum is
    divided by), so that the combined value is exactly ``kept(values) / divisor``; None for the median."""
    if method == "median":
        return None
    trimmed = method.startswith("trimmed") and drop > 0
    divisor = (size - 2 * drop if trimmed else size) if method.endswith("mean") else 1
    if not trimmed:
        return _sum, divisor
    if drop == 1 and size == 5:
        return _middle_three, divisor

    def kept(values: Collection[Decimal]) -> Decimal:
        return sum(sorted(values)[drop : size - drop], _ZERO)

    return kept, divisor


def combine_detail(
    method: str, drop: int, marks: Sequence[tuple[str, Decimal]]
) -> tuple[Decimal, tuple[str, ...], tuple[str, ...]]:
    """(value, judges dropped as highest, judges dropped as lowest). Among equal values the later judge code
    (in the order given) is dropped as highest and the earlier as lowest; the value does not depend on it."""
    value = combiner(method, drop)([v for _, v in marks])
    if not method.startswith("trimmed") or drop == 0:
        return value, (), ()
    order = sorted(range(len(marks)), key=lambda i: (marks[i][1], i))
    low = tuple(marks[i][0] for i in order[:drop])
    high = tuple(marks[i][0] for i in order[-drop:])
    return value, high, low
