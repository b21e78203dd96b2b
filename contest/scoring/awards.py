"""Award tiers and advancement over one group's ranked order.

Awards are granted in the order the contest lists them, walking down the ranking. Each takes `top` entrants, or
`share` of the ranked entrants (rounded down by default; ``rounding = "half_up"`` or ``"up"``). Entrants tied at
the edge all get the award: ties are never split, so a tier can come out larger than its count. An award with
`min_total` stops at the first entrant below it; its remaining places stay empty (空缺) and are not passed on, and
the next award starts from that entrant. Advancement takes the top N the same way, ties at the cut included.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from contest.scoring.definition import Award
from contest.scoring.numbers import CONTEXT
from contest.scoring.ranking import SortKey, same_place

_ROUNDING = {"down": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "up": ROUND_CEILING}


def award_count(award: Award, ranked: int) -> int:
    if award.top is not None:
        return award.top
    assert award.share is not None
    exact = CONTEXT.multiply(award.share, Decimal(ranked))
    return int(exact.quantize(Decimal(1), rounding=_ROUNDING[award.rounding]))


def _extend_ties(keys: Sequence[SortKey], end: int) -> int:
    while 0 < end < len(keys) and same_place(keys[end - 1], keys[end]):
        end += 1
    return end


def award_ranges(awards: Sequence[Award], keys: Sequence[SortKey], decimals: int) -> list[tuple[int, int, str]]:
    """[(start, end, name)]: positions start..end-1 of the sorted `keys` receive award `name`."""
    ranges: list[tuple[int, int, str]] = []
    start = 0
    n = len(keys)
    for award in awards:
        if start >= n:
            break
        count = award_count(award, n)
        if count <= 0:
            continue
        end = _extend_ties(keys, min(start + count, n))
        if award.min_total is not None:
            # keys hold -total in units of the last place first: entrants at or above min_total come first
            cut = bisect_right(keys, -award.min_total.scaleb(decimals, CONTEXT), lo=start, hi=end, key=lambda k: k[0])  # type: ignore[arg-type, return-value]
            if cut < end:
                if cut > start:
                    ranges.append((start, cut, award.name))
                start = cut
                continue
        ranges.append((start, end, award.name))
        start = end
    return ranges


def advance_count(top: int, keys: Sequence[SortKey]) -> int:
    """How many of the sorted entrants advance when the top `top` do (ties at the cut go through together)."""
    return _extend_ties(keys, min(top, len(keys)))
