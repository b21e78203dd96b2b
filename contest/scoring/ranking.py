"""Ordering entrants: sort keys from totals and tie-breakers, and shared ranks (1, 2, 2, 4).

Totals and tie-break values are compared as shown, rounded half-up to the contest's decimals (and kept in the key
as whole numbers of the last place: 78.40 is 7840, cheaper to compare than decimals). Higher wins,
except for a criterion declared ``better = "lower"``. Entrants still equal after every tie-breaker share a rank
and the next rank skips. The entrant code is the last element of each key only to make the order stable; it
never decides a rank.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from contest.scoring.definition import ContestDefinition
from contest.scoring.numbers import ZERO, units
from contest.scoring.standing import EntrantResult

SortKey = tuple[object, ...]


def key_maker(definition: ContestDefinition) -> tuple[Sequence[tuple[str, bool]], int]:
    """(tie-breakers as (key, lower_is_better), decimals)."""
    lower = {c.key for c in definition.criteria if c.better == "lower"}
    return tuple((k, k in lower) for k in definition.ranking.tie_breakers), definition.decimals


def sort_key(result: EntrantResult, breakers: Sequence[tuple[str, bool]], decimals: int) -> SortKey:
    assert result.total is not None
    parts: list[object] = [-units(result.total, decimals)]
    for name, lower in breakers:
        value = units(result.breakers.get(name, ZERO), decimals)
        parts.append(value if lower else -value)
    parts.append(result.entrant)
    return tuple(parts)


def rank_at(keys: Sequence[SortKey], position: int) -> int:
    """The shared rank of the entrant at `position` of sorted `keys`: 1 + how many are strictly ahead."""
    return bisect_left(keys, keys[position][:-1]) + 1


def same_place(a: SortKey, b: SortKey) -> bool:
    return a[:-1] == b[:-1]
