"""One round's standing: the rounds it adds up (each scored by its `RoundPlan`), the standing formula over their
totals, and one entrant's result with what keeps it incomplete and its tie-break values.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from contest.scoring.definition import ContestDefinition
from contest.scoring.errors import ScoringError
from contest.scoring.marks import ItemMarks
from contest.scoring.messages import Message
from contest.scoring.numbers import ZERO
from contest.scoring.totals import RoundPlan, Step, Trace, evaluate


class EntrantResult(NamedTuple):
    """One entrant in one standing: the totals of the rounds it adds up and the standing total."""

    entrant: str
    rounds: Mapping[str, Decimal | None]
    total: Decimal | None  # exact; None when incomplete (and not ranked partially)
    complete: bool
    issues: tuple[str, ...]
    breakers: Mapping[str, Decimal]


class StandingPlan:
    """Scores entrants in the standing of one round, which may add up several rounds."""

    def __init__(self, definition: ContestDefinition, round_key: str, panels: Mapping[str, tuple[str, ...]]) -> None:
        self.key = round_key
        self.rounds = definition.standing_rounds(round_key)
        self.plans = {key: RoundPlan(definition, definition.round(key), panels[key]) for key in self.rounds}
        self.formula = definition.round(round_key).standing
        self.partial = definition.ranking.incomplete == "rank"
        self.tie_rounds = frozenset(definition.ranking.tie_breakers) & set(self.rounds)

    def score(
        self,
        entrant: str,
        marks: Mapping[str, ItemMarks],
        best: Mapping[str, Mapping[str, Decimal]],
        trace: Trace | None = None,
    ) -> EntrantResult:
        partial = self.partial
        totals: dict[str, Decimal | None] = {}
        issues: list[str] = []
        breakers: dict[str, Decimal] = {}
        complete = True
        for key in self.rounds:
            own = marks.get(key)
            if not own:
                totals[key] = ZERO if partial else None
                complete = False
                issues.append(Message("{round}: no marks", round=key))
                continue
            result = self.plans[key].score(own, best.get(key, {}), trace, partial=partial)
            totals[key] = result.total
            if not result.complete:
                complete = False
                issues.extend(result.issues)
            for name, value in result.breakers.items():
                breakers[name] = breakers.get(name, ZERO) + value
            if key in self.tie_rounds and result.total is not None:
                breakers[key] = result.total
        total: Decimal | None = None
        if complete or partial:
            if self.formula is None:
                total = totals[self.key]
            else:
                env = {k: v for k, v in totals.items() if v is not None}
                try:
                    total = evaluate(self.formula, env, f"{self.key} standing")
                except ScoringError as exc:
                    total, complete = None, False
                    issues.append(exc.message)
                if trace is not None and total is not None:
                    formula = f"{self.formula} = {self.formula.substitute(env)}"
                    trace.append(Step(Message("standing"), formula, total))
        return EntrantResult(entrant, totals, total, complete, tuple(issues), breakers)
