"""What the chief judge reviews: marks far from the rest of the panel."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from contest.scoring.panel import combiner


def spread_flags(marks: Mapping[str, Decimal], spread: Decimal) -> tuple[Decimal | None, tuple[str, ...]]:
    """(the panel's median, the judges whose mark is more than `spread` away from it, in the order given)."""
    if not marks:
        return None, ()
    median = combiner("median", 0)(list(marks.values()))
    return median, tuple(judge for judge, value in marks.items() if abs(value - median) > spread)
