"""The field's best value of each relative criterion, per group, kept current as measured values change.

A relative criterion scores ``value / best`` (``best / value`` when lower is better), so when one entrant's sales
figure changes the board must know whether the best moved. Counting how many entrants hold each value tells it at
once, without looking at the rest of the field: a value better than the best moves it, and so does the last copy
of the best leaving. Only then is the best looked for again (and the group rescored, which costs far more).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contest.scoring.marks import ItemMarks
    from contest.scoring.totals import RoundPlan

Slot = tuple[str, str]  # (round, criterion)
Measured = tuple[tuple[Slot, Decimal], ...]  # one entrant's relative values, each with its round and criterion
Best = dict[str, dict[str, Decimal]]  # round -> criterion -> the field's best: what `StandingPlan.score` reads


def measured(plans: Mapping[str, RoundPlan], marks: Mapping[str, ItemMarks]) -> Measured:
    """One entrant's values of the relative criteria of these rounds, as the field counts them: each value entered,
    and a criterion's `default` for each item the entrant performed (any mark of the item) without a value, which
    the item is scored with. So an entrant on the default is part of the best it is measured against, and never
    scores more than the best (README: the top seller gets 100)."""
    found: list[tuple[Slot, Decimal]] = []
    for key, plan in plans.items():
        own = marks.get(key)
        if not plan.relative or not own:
            continue
        found.extend(
            ((key, criterion), value[""])
            for (_, criterion), value in sorted(own.items())
            if criterion in plan.relative and "" in value
        )
        defaults = [(c.key, c.default) for c in plan.entered if c.relative and c.default is not None]
        if not defaults:
            continue
        present = own.keys()
        for item, keys in plan.item_keys:
            if present.isdisjoint(keys):
                continue  # not performed: nothing to measure
            for criterion, default in defaults:
                given = own.get((item, criterion))
                if given is None or "" not in given:
                    found.append(((key, criterion), default))
    return tuple(found)


class FieldBest:
    def __init__(self, lower_is_better: Mapping[Slot, bool]) -> None:
        self._lower = dict(lower_is_better)
        self._counts: dict[str, dict[Slot, Counter[Decimal]]] = {}
        self._best: dict[str, dict[Slot, Decimal]] = {}

    def clear(self, group: str | None = None) -> None:
        """Forget one group's values, or every group's."""
        if group is None:
            self._counts.clear()
            self._best.clear()
        else:
            self._counts.pop(group, None)
            self._best.pop(group, None)

    def add(self, group: str, measured: Measured) -> bool:
        """Count an entrant's values; True when the group's best moved."""
        counts = self._counts.setdefault(group, {})
        best = self._best.setdefault(group, {})
        moved = False
        for slot, value in measured:
            counts.setdefault(slot, Counter())[value] += 1
            now = best.get(slot)
            if now is None or (value < now if self._lower[slot] else value > now):
                best[slot] = value
                moved = True
        return moved

    def remove(self, group: str, measured: Measured) -> bool:
        """Stop counting an entrant's values (as `add` counted them); True when the group's best moved."""
        if not measured:
            return False
        counts = self._counts[group]
        best = self._best[group]
        moved = False
        for slot, value in measured:
            held = counts[slot]
            held[value] -= 1
            if held[value]:
                continue
            del held[value]
            if value == best[slot]:  # the last copy of the best left: look for the next one
                moved = True
                if held:
                    best[slot] = min(held) if self._lower[slot] else max(held)
                else:
                    del best[slot]
        return moved

    def best(self, group: str) -> Best:
        out: Best = {}
        for (round_key, criterion), value in self._best.get(group, {}).items():
            out.setdefault(round_key, {})[criterion] = value
        return out
