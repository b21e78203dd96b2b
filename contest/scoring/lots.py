"""Drawing lots (抽签加密), the pure part: the codes a layer hands out and how a drawn permutation reads.

A draw gives every entrant one code of a layer, at random. The randomness is the caller's (`shuffle`, `sample`:
contest/services/draws.py passes `secrets.SystemRandom`'s), so this module stays pure and a test can replay a draw.

- Layer 1 (一次加密): seat or workstation numbers 01..N (工位号), zero-padded to the width of N, optionally with a
  prefix; the entrants know theirs (they sit there), the judges see only the number.
- Layer 2 (二次加密): a sealed code for the judged work (the tea sample, the written piece): distinct random
  numbers of `digits` digits (at least 3, and wide enough that at most a tenth of the numbers are used), so that
  one code says nothing about another, nor about the seat.

A drawn layer is a list of pairs (code before, code after), one per entrant, in the entrants' order: a
permutation of the layer's codes onto the entrants. Two layers compose: entrant -> seat -> sealed code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

LAYERS = (1, 2)
MAX_PREFIX = 8
Pairs = list[tuple[str, str]]
Shuffle = Callable[[list[Any]], None]
Sample = Callable[[range, int], list[int]]


def seat_codes(count: int, prefix: str = "") -> list[str]:
    """The seat numbers of a field of `count`: 01..N (width of N, at least 2 digits)."""
    width = max(2, len(str(count)))
    return [f"{prefix}{n:0{width}d}" for n in range(1, count + 1)]


def sealed_digits(count: int) -> int:
    """The digits of a sealed code: at least 3, and at most a tenth of the numbers of that width in use."""
    digits = 3
    while 9 * 10 ** (digits - 1) < 10 * count:
        digits += 1
    return digits


def sealed_codes(count: int, sample: Sample, prefix: str = "") -> list[str]:
    """`count` distinct random numbers of `sealed_digits(count)` digits (no leading zero), in ascending order."""
    digits = sealed_digits(count)
    numbers = sample(range(10 ** (digits - 1), 10**digits), count)
    return [f"{prefix}{n}" for n in sorted(numbers)]


def assign(before: Sequence[str], codes: Sequence[str], shuffle: Shuffle) -> Pairs:
    """Deal `codes` to the entrants known by `before` in a random order: the drawn pairs (before, after)."""
    if len(before) != len(codes):
        raise ValueError(f"{len(before)} entrants but {len(codes)} codes")
    if len(set(codes)) != len(codes) or len(set(before)) != len(before):
        raise ValueError("codes must be distinct")
    dealt = list(codes)
    shuffle(dealt)
    return list(zip(before, dealt, strict=True))


def compose(first: Pairs, second: Pairs) -> list[tuple[str, str, str]]:
    """Two drawn layers as (entrant's own code, layer-1 code, layer-2 code), in the first layer's order."""
    after = dict(second)
    if set(after) != {code for _, code in first}:
        raise ValueError("the second layer does not cover the first layer's codes")
    return [(own, seat, after[seat]) for own, seat in first]


def is_permutation(pairs: Pairs, before: Sequence[str]) -> bool:
    """Whether `pairs` gives each of `before` exactly one code and no code twice."""
    olds = [old for old, _ in pairs]
    news = [new for _, new in pairs]
    return sorted(olds) == sorted(before) and len(set(news)) == len(news) == len(before)
