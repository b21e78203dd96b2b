"""A balanced random draw of who judges whom (评委分组抽签), reproducible from its seed.

`draw(entrants, units, size, seed, recused)` gives each entrant `size` distinct units (judges, or named panels with
size 1) such that no unit is recused for that entrant (回避: same organization, declared conflict) and every unit's
load (entrants it judges) is within one of every other's. The randomness is a small deterministic generator
(SplitMix64) seeded by the caller: the same entrants, units, size and seed give the same draw, on any machine.

How: entrants are taken most constrained first (fewest eligible units, ties in random order), each given the
`size` least-loaded eligible units (ties at random); then, while two loads differ by more than one, an entrant is
moved along a chain of units from the heaviest towards the lightest. A draw that cannot be made raises
`DrawError` naming the entrant (too few eligible units) or the units whose loads cannot be evened.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from contest.scoring.messages import Message
from contest.scoring.panels import Assigned, Panel, Recusal

MASK = (1 << 64) - 1


class DrawError(ValueError):
    """A draw that cannot be made; the message names the entrant or the judges."""


class SplitMix64:
    """A tiny, well-mixed, seedable generator (Steele, Lea & Flood 2014): pure, and the same everywhere."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """A uniform number in 0..n-1 (rejection sampling, no modulo bias)."""
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            value = self.next()
            if value < limit:
                return value % n

    def shuffle(self, items: list[object]) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


Recused = Callable[[str, str], bool]  # (unit, entrant) -> must not meet


def draw(
    entrants: Sequence[str], units: Sequence[str], size: int, seed: int, recused: Recused
) -> dict[str, tuple[str, ...]]:
    """entrant -> its `size` units, in the units' order; see the module's docstring."""
    if size < 1:
        raise DrawError(Message("a panel needs at least one judge"))
    if len(set(units)) != len(units) or len(set(entrants)) != len(entrants):
        raise DrawError(Message("judges and entrants must be listed once each"))
    if size > len(units):
        raise DrawError(Message("panels of {size} cannot be drawn from {count} judges", size=size, count=len(units)))
    rng = SplitMix64(seed)
    eligible = {e: [u for u in units if not recused(u, e)] for e in entrants}
    for entrant in entrants:
        if len(eligible[entrant]) < size:
            raise DrawError(
                Message(
                    "entrant {entrant} can be judged by only {count} of the judges ({judges}) after recusal "
                    "(回避); {size} are needed",
                    entrant=entrant,
                    count=len(eligible[entrant]),
                    judges=", ".join(eligible[entrant]) or "-",
                    size=size,
                )
            )
    tie = {e: rng.next() for e in entrants}
    order = sorted(entrants, key=lambda e: (len(eligible[e]), tie[e]))
    load = dict.fromkeys(units, 0)
    chosen: dict[str, set[str]] = {}
    for entrant in order:
        ranked = sorted(eligible[entrant], key=lambda u: (load[u], rng.next()))
        picked = set(ranked[:size])
        for unit in picked:
            load[unit] += 1
        chosen[entrant] = picked
    _even_out(chosen, eligible, load, units)
    position = {u: i for i, u in enumerate(units)}
    return {e: tuple(sorted(chosen[e], key=position.__getitem__)) for e in entrants}


def _even_out(
    chosen: dict[str, set[str]], eligible: dict[str, list[str]], load: dict[str, int], units: Sequence[str]
) -> None:
    """Move entrants along chains of units until every load is within one of every other (or say it cannot be)."""
    holders: dict[str, list[str]] = {u: [] for u in units}
    for entrant, picked in chosen.items():
        for unit in picked:
            holders[unit].append(entrant)
    while max(load.values()) - min(load.values()) > 1:
        heavy = max(load.values())
        path = _chain(chosen, eligible, load, holders, [u for u in units if load[u] == heavy], heavy - 2)
        if path is None:
            light = [u for u in units if load[u] == min(load.values())]
            raise DrawError(
                Message(
                    "the judges' loads cannot be kept within one of each other after recusal (回避): "
                    "{heavy} would judge more entrants than {light}",
                    heavy=", ".join(u for u in units if load[u] == heavy),
                    light=", ".join(light),
                )
            )
        for entrant, source, target in path:
            chosen[entrant].remove(source)
            chosen[entrant].add(target)
            holders[source].remove(entrant)
            holders[target].append(entrant)
        load[path[0][1]] -= 1
        load[path[-1][2]] += 1


def _chain(
    chosen: dict[str, set[str]],
    eligible: dict[str, list[str]],
    load: dict[str, int],
    holders: dict[str, list[str]],
    starts: list[str],
    at_most: int,
) -> list[tuple[str, str, str]] | None:
    """A shortest chain of moves (entrant, from unit, to unit) from a heaviest unit to one with load <= at_most."""
    came: dict[str, tuple[str, str] | None] = dict.fromkeys(starts)
    queue = deque(starts)
    while queue:
        unit = queue.popleft()
        for entrant in holders[unit]:
            for other in eligible[entrant]:
                if other in came or other in chosen[entrant]:
                    continue
                came[other] = (entrant, unit)
                if load[other] <= at_most:
                    path: list[tuple[str, str, str]] = []
                    at: str = other
                    while (step := came[at]) is not None:
                        path.append((step[0], step[1], at))
                        at = step[1]
                    return path[::-1]
                queue.append(other)
    return None


def loads(assigned: dict[str, tuple[str, ...]], units: Sequence[str]) -> dict[str, int]:
    """How many entrants each unit judges in a draw."""
    count = dict.fromkeys(units, 0)
    for picked in assigned.values():
        for unit in picked:
            count[unit] += 1
    return count


def draw_judges(
    round_key: str,
    entrants: Sequence[tuple[str, str]],
    judges: Sequence[str],
    size: int,
    seed: int,
    recusal: Recusal,
) -> list[Assigned]:
    """Each (code, organization) entrant gets `size` of `judges` for every item and criterion of the round."""
    organization = dict(entrants)
    drawn = draw([c for c, _ in entrants], judges, size, seed, lambda j, e: recusal.recused(j, e, organization[e]))
    return [Assigned(entrant, round_key, judge) for entrant, picked in drawn.items() for judge in picked]


def draw_panels(
    round_key: str, entrants: Sequence[tuple[str, str]], panels: Sequence[Panel], seed: int, recusal: Recusal
) -> list[Assigned]:
    """Each (code, organization) entrant gets one of `panels` (none with a judge recused for them), the panels'
    loads within one of each other."""
    organization = dict(entrants)
    members = {p.key: p.judges for p in panels}

    def recused(panel: str, entrant: str) -> bool:
        return any(recusal.recused(j, entrant, organization[entrant]) for j in members[panel])

    drawn = draw([c for c, _ in entrants], list(members), 1, seed, recused)
    return [
        Assigned(entrant, round_key, judge, panel=picked[0])
        for entrant, picked in drawn.items()
        for judge in members[picked[0]]
    ]
