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

Slot = tuple[str, str]  # (round, criterion)
Measured = tuple[tuple[Slot, Decimal], ...]  # one entrant's relative values, each with its round and criterion
Best = dict[str, dict[str, Decimal]]  # round -> criterion -> the field's best: what `StandingPlan.score` reads


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
