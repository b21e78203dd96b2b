"""Combining a panel's values (one per judge) into one: mean, median, sum, trimmed mean, trimmed sum.

`combine` is the fast path used to build boards; `combine_detail` also says which judges' values were dropped,
for explanations. Both give the same value for the same input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from contest.scoring.numbers import CONTEXT, dsum

Combiner = Callable[[list[Decimal]], Decimal]
_TWO = Decimal(2)


def _mean(values: list[Decimal]) -> Decimal:
    return CONTEXT.divide(dsum(values), len(values))


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return CONTEXT.divide(CONTEXT.add(ordered[middle - 1], ordered[middle]), _TWO)


def combiner(method: str, drop: int) -> Combiner:
    """The function that combines a panel's values; `drop` highest and `drop` lowest for trimmed methods."""
    if method == "mean":
        return _mean
    if method == "median":
        return _median
    if method == "sum":
        return dsum
    if method in ("trimmed_mean", "trimmed_sum"):
        if drop == 0:
            return _mean if method == "trimmed_mean" else combiner("sum", 0)
        end = -drop
        if method == "trimmed_mean":

            def trimmed_mean(values: list[Decimal]) -> Decimal:
                kept = sorted(values)[drop:end]
                return CONTEXT.divide(dsum(kept), len(kept))

            return trimmed_mean

        def trimmed_sum(values: list[Decimal]) -> Decimal:
            return dsum(sorted(values)[drop:end])

        return trimmed_sum
    raise ValueError(f"unknown panel method {method!r}")


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
