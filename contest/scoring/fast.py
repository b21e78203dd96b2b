"""The board's fast path: weighted sums of panel sums, exact without a single division.

It also covers drawn panels (`panel_size`, an item's panel being whoever of the pool marked it): the kept sum of
exactly `panel_size` marks over the same divisor; an item with any other count goes to the Decimal path. And
normalised rounds: each mark is replaced by its normalised value from the round's scale (rounded to 10 places, so
the sums stay exact; a value the context cannot hold exactly sends the entrant to the Decimal path).

In the common contest (judged criteria combined by a panel mean, sum, trimmed mean or trimmed sum, items that are
weighted sums of those criteria, a standing that is a weighted sum of rounds) every figure of an entrant is N / K:
N an exact Decimal made of the marks the panel keeps, weighted and added up, nothing divided, and K a whole number
known before any mark is read (the judges kept, the items averaged, the rounds' common denominator). The sort key
comes from rounding N / K half-up in integers; the exact values rows show are divided out only when a row asks.

`FastStanding.of(definition, standing)` prepares this when every round of the standing fits, else gives None.
`score` gives None for an entrant it does not cover (a missing mark, a value its context refuses, a total of
exactly zero, whose sign the Decimal path decides); the board then scores it with `StandingPlan.score`.

Why the figures are the Decimal path's: `score` runs in `context`, where an inexact result or one of 10**16 or more
raises, so every N is exact with a denominator of at most 10**(prec - 1), and `prec` is chosen so that
10**decimals * 10**(prec - 1) * K <= 10**22. An exact value x = N / K is then either on a rounding half or more
than 5e-23 away from one. The Decimal path carries x to 50 significant digits (its division noise in the last
few) and `round_half_up` snaps it to 45 significant digits before rounding (a move of at most a relative 5e-45,
which puts a noisy half back on the half), so both round x to the same figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from operator import add, itemgetter, mul
from typing import NamedTuple

from contest.scoring.definition import ContestDefinition
from contest.scoring.formula import weighted_sum
from contest.scoring.marks import ItemMarks
from contest.scoring.numbers import CONTEXT, ONE, ZERO
from contest.scoring.panel import Kept, kept_sum
from contest.scoring.ranking import SortKey, key_maker
from contest.scoring.standing import EntrantResult, StandingPlan
from contest.scoring.totals import RoundPlan

Picker = Callable[[Mapping[str, Decimal]], Collection[Decimal]]
# (item, criterion), its picker, weight, tie slot or -1, tie factor
Term = tuple[tuple[int, str], Picker, Decimal, int, Decimal]
# of each round, of the total, of each tie-breaker; tuples, which the collector stops tracking (lists it walks)
Numerators = tuple[tuple[Decimal, ...], Decimal, tuple[Decimal, ...]]


class _Round(NamedTuple):
    key: str
    kept: Kept  # the sum of the marks the panel method keeps
    items: tuple[tuple[Term, ...], ...]
    combine: Callable[[Decimal, Decimal], Decimal]  # two items' numerators: add, or max for the best item
    divisor: int  # round total = numerator / divisor


class _Tie(NamedTuple):
    name: str
    source: str  # "criterion" (summed over rounds and items), "round" (its total) or "" (none here: 0)
    at: int  # tie slot or round position
    divisor: int


class _Parts(NamedTuple):
    kept: Kept
    weights: dict[str, Decimal]  # of the item formula
    panel: int  # a criterion's panel value = kept sum / panel
    divisor: int  # the round total = numerator / divisor (panel, times the items when they are averaged)


class FastStanding:
    """Scores complete entrants of one standing exactly, without the Decimal path's divisions."""

    def __init__(
        self,
        definition: ContestDefinition,
        rounds: tuple[_Round, ...],
        factors: tuple[Decimal, ...],
        divisor: int,
        ties: Mapping[str, _Tie],
        context: Context,
    ) -> None:
        self.rounds = rounds
        self.factors = factors  # total = sum(factor * round numerator) / divisor
        self.divisor = divisor
        self.context = context
        self.scale: int = 10**definition.decimals
        self.tie_slots = sum(t.source == "criterion" for t in ties.values())
        self.result_ties = tuple(ties.values())  # in the order `StandingPlan.score` fills `breakers`
        absent = _Tie("", "", 0, 1)  # a tie-breaker this standing has no value for: 0
        self.key_ties = tuple((ties.get(name, absent), lower) for name, lower in key_maker(definition)[0])

    @classmethod
    def of(cls, definition: ContestDefinition, standing: StandingPlan) -> FastStanding | None:
        """The fast path for this standing, or None when a round or the standing formula does not fit it."""
        found = [_parts(plan) for plan in standing.plans.values()]
        weights = weighted_sum(standing.formula) if standing.formula is not None else {standing.key: ONE}
        parts = [p for p in found if p is not None]
        if len(parts) < len(found) or weights is None:
            return None
        names = definition.ranking.tie_breakers
        judged = [set(plan.judged) for plan in standing.plans.values()]
        if any(n in standing.tie_rounds and any(n in j for j in judged) for n in names):
            return None  # a round named like a criterion: left to the Decimal path
        ties: dict[str, _Tie] = {}
        for name in _ordered(standing, names):
            if name in standing.tie_rounds:
                at = standing.rounds.index(name)
                ties[name] = _Tie(name, "round", at, parts[at].divisor)
            else:
                common = math.lcm(*(p.panel for p, j in zip(parts, judged, strict=True) if name in j))
                slot = sum(t.source == "criterion" for t in ties.values())
                ties[name] = _Tie(name, "criterion", slot, common)
        divisor = math.lcm(*(p.divisor for p in parts))
        biggest = max(divisor, *(p.divisor for p in parts), *(t.divisor for t in ties.values()))
        prec = 23 - definition.decimals - len(str(biggest))
        if prec < 6:
            return None
        context = Context(prec=prec, Emin=0, Emax=15, traps=[Inexact, Overflow, InvalidOperation, DivisionByZero])
        try:
            factors = tuple(
                context.multiply(weights[k], divisor // p.divisor) for k, p in zip(standing.rounds, parts, strict=True)
            )
            rounds = tuple(
                _round(plan, part, ties, context) for plan, part in zip(standing.plans.values(), parts, strict=True)
            )
        except ArithmeticError:
            return None
        return cls(definition, rounds, factors, divisor, ties, context)

    def score(self, code: str, marks: Mapping[str, ItemMarks]) -> tuple[Numerators, SortKey] | None:
        """The entrant's numerators (for `result`) and sort key, or None to leave it to `StandingPlan.score`;
        call it inside `localcontext(self.context)`."""
        ties = [ZERO] * self.tie_slots
        rounds: list[Decimal] = []
        try:
            for rnd in self.rounds:
                own = marks.get(rnd.key)
                if not own:
                    return None
                kept = rnd.kept
                total: Decimal | None = None
                for terms in rnd.items:
                    value = ZERO
                    for at, pick, weight, slot, factor in terms:
                        kept_sum = kept(pick(own[at]))
                        value += weight * kept_sum
                        if slot >= 0:
                            ties[slot] += factor * kept_sum
                    total = value if total is None else rnd.combine(total, value)
                if not total:
                    return None
                rounds.append(total)
            total = sum(map(mul, self.factors, rounds))
        except (KeyError, ArithmeticError):
            return None
        if not total:
            return None
        key: list[object] = [-self._units(total, self.divisor)]
        for tie, lower in self.key_ties:
            if tie.source == "criterion":
                units = self._units(ties[tie.at], tie.divisor)
            elif tie.source == "round":
                units = self._units(rounds[tie.at], tie.divisor)
            else:
                units = 0
            key.append(units if lower else -units)
        key.append(code)
        return (tuple(rounds), total, tuple(ties)), tuple(key)

    def result(self, code: str, numerators: Numerators) -> EntrantResult:
        """The entrant's result from what `score` gave: the same values `StandingPlan.score` gives."""
        rounds, total, ties = numerators
        divide = CONTEXT.divide
        totals = {r.key: divide(n, r.divisor) for r, n in zip(self.rounds, rounds, strict=True)}
        breakers = {
            t.name: divide(ties[t.at], t.divisor) if t.source == "criterion" else totals[t.name]
            for t in self.result_ties
        }
        return EntrantResult(code, totals, divide(total, self.divisor), True, (), breakers)

    def _units(self, numerator: Decimal, divisor: int) -> int:
        """numerator / divisor rounded half-up to the contest's decimals, in units of the last place."""
        top, bottom = numerator.as_integer_ratio()
        top *= self.scale
        bottom *= divisor
        if top >= 0:
            return (2 * top + bottom) // (2 * bottom)
        return -((bottom - 2 * top) // (2 * bottom))


def _parts(plan: RoundPlan) -> _Parts | None:
    if not plan.fast or plan.relative:
        return None
    kept = kept_sum(plan.method, plan.drop, plan.panel_size or len(plan.panel))
    weights = weighted_sum(plan.item)
    if kept is None or weights is None or not set(weights) <= set(plan.judged):
        return None
    items = plan.round.items if plan.combine_items == "mean" else 1
    return _Parts(kept[0], weights, kept[1], kept[1] * items)


def _round(plan: RoundPlan, part: _Parts, ties: Mapping[str, _Tie], context: Context) -> _Round:
    pick = _drawn(plan.panel_size, frozenset(plan.panel)) if plan.panel_size else _picker(plan.panel)
    items = tuple(
        tuple(
            (
                at,
                _normalising(plan, key) if plan.normalize != "none" else pick,
                part.weights.get(key, ZERO),
                ties[key].at if key in ties else -1,
                context.create_decimal(ties[key].divisor // part.panel if key in ties else 1),
            )
            for key, at in plan.judged_at[item]
        )
        for item in range(1, plan.round.items + 1)
    )
    return _Round(
        plan.round.key,
        part.kept,
        items,
        max if plan.combine_items == "best" else add,
        part.divisor,
    )


def _picker(panel: tuple[str, ...]) -> Picker:
    if len(panel) == 1:
        only = panel[0]
        return lambda given: (given[only],)
    return itemgetter(*panel)


def _drawn(size: int, pool: frozenset[str]) -> Picker:
    """Each item's own panel (panel_size): exactly `size` marks, all from the pool (empty: anyone), else KeyError
    (the Decimal path then says what is missing or too many)."""
    if not pool:

        def anyone(given: Mapping[str, Decimal]) -> Collection[Decimal]:
            if len(given) != size:
                raise KeyError(size)
            return given.values()

        return anyone

    def pooled(given: Mapping[str, Decimal]) -> Collection[Decimal]:
        if len(given) != size or not pool.issuperset(given):
            raise KeyError(size)
        return given.values()

    return pooled


def _normalising(plan: RoundPlan, criterion: str) -> Picker:
    """A normalised round's panel values of one criterion: each judge's mark looked up in the round's scale (which
    the board replaces as marks change); KeyError (the Decimal path) for an incomplete panel or an unknown mark."""
    size, pool, panel = plan.panel_size, frozenset(plan.panel), plan.panel

    def pick(given: Mapping[str, Decimal]) -> Collection[Decimal]:
        if plan.scale is None:
            raise KeyError(criterion)
        table = plan.scale.table
        if size is None:
            return [table[(criterion, judge)][given[judge]] for judge in panel]
        if len(given) != size or (pool and not pool.issuperset(given)):
            raise KeyError(size)
        return [table[(criterion, judge)][value] for judge, value in given.items()]

    return pick


def _ordered(standing: StandingPlan, names: Sequence[str]) -> list[str]:
    """The tie-breakers this standing has values for, in the order `StandingPlan.score` fills `breakers`."""
    order: list[str] = []
    for key, plan in standing.plans.items():
        order.extend(k for k in plan.judged if k in names and k not in order)
        if key in standing.tie_rounds and key in names:
            order.append(key)
    return order
