"""From one entrant's marks to item scores, round totals and a standing total.

A `RoundPlan` is prepared once per round (its panel, combiner and formulas) and then scores any number of
entrants. Passing a `trace` list records every step (each judge's mark, what was dropped, each formula with its
values), so an explanation is the very computation that produced the board, not a second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from contest.scoring.definition import PANEL, ContestDefinition, Round
from contest.scoring.errors import ScoringError
from contest.scoring.formula import Formula, FormulaEvalError
from contest.scoring.marks import ItemMarks
from contest.scoring.numbers import CONTEXT, ZERO, dsum, plain, round_half_up
from contest.scoring.panel import combine_detail, combiner

Trace = list["Step"]


@dataclass(frozen=True, slots=True)
class Step:
    """One line of an explanation: what was computed (`label`), how (`detail`) and the result."""

    label: str
    detail: str
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class RoundScore:
    total: Decimal | None  # None: incomplete (see issues) and not counted
    complete: bool
    issues: tuple[str, ...]
    breakers: Mapping[str, Decimal]  # criterion and subtotal values summed over the items, for tie-breaks


class RoundPlan:
    """Everything needed to score one round, prepared once."""

    def __init__(self, definition: ContestDefinition, rnd: Round, panel: tuple[str, ...]) -> None:
        scoring = rnd.scoring
        self.round = rnd
        self.decimals = definition.decimals
        self.panel = panel
        self.method = scoring.panel
        drop = scoring.drop_for(len(panel)) if panel else 0
        criteria = [definition.criterion(k) for k in rnd.criteria]
        self.judged = tuple(c.key for c in criteria if c.judged)
        if self.judged and panel:
            if drop is None:
                raise ScoringError(
                    f"round {rnd.key!r}: scoring.drop has no entry for a panel of {len(panel)} judges "
                    f"({', '.join(panel)})"
                )
            if self.method.startswith("trimmed") and 2 * drop >= len(panel):
                raise ScoringError(
                    f"round {rnd.key!r}: a panel of {len(panel)} judges ({', '.join(panel)}) cannot drop "
                    f"{drop} highest and {drop} lowest; name the panel (judges = [...]) or lower scoring.drop"
                )
        self.drop = drop or 0
        self.combine = combiner(self.method, self.drop)
        self.entered = tuple(c for c in criteria if not c.judged and not c.deduction)
        self.deductions = tuple(c for c in criteria if c.deduction)
        self.relative = tuple(c.key for c in criteria if c.relative)
        self.judge = scoring.judge
        self.subtotals = scoring.subtotals
        assert scoring.item is not None, "validated: every round has an item formula"
        self.item = scoring.item
        self.steps = scoring.round_steps
        self.items = range(1, rnd.items + 1)
        self.missing_zero = scoring.missing_items == "zero"
        self.combine_items = scoring.combine
        self.breaker_keys = (*self.judged, *(c.key for c in criteria if not c.judged), *(n for n, _ in self.subtotals))

    def _q(self, value: Decimal) -> Decimal:
        return round_half_up(value, self.decimals) if self.steps else value

    def score(
        self, marks: ItemMarks, best: Mapping[str, Decimal], trace: Trace | None = None, *, partial: bool = False
    ) -> RoundScore:
        """Score one entrant's marks in this round. `best` holds the field's best value of each relative
        criterion. `partial`: count incomplete items as 0 instead of leaving the round incomplete."""
        values: list[Decimal] = []
        issues: list[str] = []
        breakers: dict[str, Decimal] = {}
        complete = True
        for item in self.items:
            if not any((item, c) in marks for c in self.round.criteria):
                if self.missing_zero:
                    values.append(ZERO)
                    if trace is not None:
                        trace.append(
                            Step(self._item_label(item), "not performed: scores 0 (missing_items = zero)", ZERO)
                        )
                else:
                    complete = False
                    issues.append(f"{self.round.key} item {item}: no marks yet")
                continue
            value, missing = self._score_item(item, marks, best, breakers, trace)
            if value is None:
                complete = False
                issues.extend(missing)
                if partial:
                    values.append(ZERO)
                continue
            values.append(value)
        total = self._combine_items(values, trace) if (complete or partial) and values else None
        return RoundScore(total, complete, tuple(issues), breakers)

    def _item_label(self, item: int) -> str:
        return self.round.key if len(self.items) == 1 else f"{self.round.key} item {item}"

    def _score_item(
        self,
        item: int,
        marks: ItemMarks,
        best: Mapping[str, Decimal],
        breakers: dict[str, Decimal],
        trace: Trace | None,
    ) -> tuple[Decimal | None, list[str]]:
        env: dict[str, Decimal] = {}
        missing: list[str] = []
        label = self._item_label(item)
        panel = self.panel
        for key in self.judged:
            given = marks.get((item, key))
            row = [given.get(j) for j in panel] if given else [None] * len(panel)
            if None in row or not panel:
                absent = [j for j, v in zip(panel, row, strict=True) if v is None]
                missing.append(f"{label}: {key} not marked by {', '.join(absent) or 'any judge'}")
                continue
            present = cast(list[Decimal], row)
            value = self._q(self.combine(present))
            env[key] = value
            if trace is not None:
                trace.append(self._panel_step(f"{label} · {key}", list(zip(panel, present, strict=True)), value))
        if self.judge is not None and not missing:
            totals: list[Decimal] = []
            for judge in panel:
                own = {key: marks[(item, key)][judge] for key in self.judge.names}
                totals.append(self._q(self._evaluate(self.judge, own, label)))
                if trace is not None:
                    trace.append(Step(f"{label} · {judge}", f"{self.judge} = {self.judge.substitute(own)}", totals[-1]))
            env[PANEL] = self._q(self.combine(totals))
            if trace is not None:
                trace.append(self._panel_step(f"{label} · {PANEL}", list(zip(panel, totals, strict=True)), env[PANEL]))
        for crit in self.entered:
            given = marks.get((item, crit.key))
            raw = given.get("") if given else None
            if raw is None:
                raw = crit.default
            if raw is None:
                missing.append(f"{label}: {crit.key} not entered")
                continue
            breakers[crit.key] = breakers.get(crit.key, ZERO) + raw
            if crit.relative:
                top = best.get(crit.key, ZERO)
                if crit.better == "higher":
                    value = CONTEXT.divide(raw, top) if top else ZERO
                    how = f"{plain(raw)} / best {plain(top)}"
                else:
                    value = CONTEXT.divide(top, raw)
                    how = f"best {plain(top)} / {plain(raw)}"
                env[crit.key] = value
                if trace is not None:
                    trace.append(Step(f"{label} · {crit.key}", f"relative to the field: {how}", value))
            else:
                env[crit.key] = raw
                if trace is not None:
                    trace.append(Step(f"{label} · {crit.key}", "entered", raw))
        if missing:
            return None, missing
        for key in self.judged:
            breakers[key] = breakers.get(key, ZERO) + env[key]
        for name, formula in self.subtotals:
            env[name] = self._q(self._evaluate(formula, env, label))
            breakers[name] = breakers.get(name, ZERO) + env[name]
            if trace is not None:
                trace.append(Step(f"{label} · {name}", f"{formula} = {formula.substitute(env)}", env[name]))
        value = self._evaluate(self.item, env, label)
        if trace is not None:
            trace.append(Step(label, f"{self.item} = {self.item.substitute(env)}", value))
        for crit in self.deductions:
            given = marks.get((item, crit.key))
            amount = given.get("", crit.default or ZERO) if given else (crit.default or ZERO)
            if amount:
                value = CONTEXT.subtract(value, amount)
                if trace is not None:
                    trace.append(Step(label, f"deduction {crit.key} − {plain(amount)}", value))
        return self._q(value), []

    def _evaluate(self, formula: Formula, env: Mapping[str, Decimal], label: str) -> Decimal:
        return evaluate(formula, env, label)

    def _panel_step(self, label: str, marks: list[tuple[str, Decimal]], value: Decimal) -> Step:
        _, high, low = combine_detail(self.method, self.drop, marks)
        shown = ", ".join(f"{j} {plain(v)}" for j, v in marks)
        dropped = ""
        if high or low:
            dropped = f"; dropped highest {', '.join(high)} and lowest {', '.join(low)}"
        return Step(label, f"{shown}{dropped}; {self.method} = {plain(value)}", value)

    def _combine_items(self, values: list[Decimal], trace: Trace | None) -> Decimal:
        if len(values) == 1:
            total = values[0]
        elif self.combine_items == "sum":
            total = dsum(values)
        elif self.combine_items == "mean":
            total = CONTEXT.divide(dsum(values), len(values))
        else:
            total = max(values)
        total = self._q(total)
        if trace is not None and len(values) > 1:
            shown = " + ".join(plain(v) for v in values)
            how = {
                "sum": shown,
                "mean": f"({shown}) / {len(values)}",
                "best": f"best of {', '.join(map(plain, values))}",
            }
            trace.append(Step(self.round.key, f"round = {how[self.combine_items]}", total))
        return total


def evaluate(formula: Formula, env: Mapping[str, Decimal], label: str) -> Decimal:
    try:
        return formula.evaluate(env)
    except FormulaEvalError as exc:
        raise ScoringError(f"{label}: {formula} — {exc} ({formula.substitute(env)})") from None


@dataclass(frozen=True, slots=True)
class EntrantResult:
    """One entrant in one standing: the totals of the rounds it adds up and the standing total."""

    entrant: str
    rounds: Mapping[str, Decimal | None]
    total: Decimal | None  # exact; None when incomplete (and not ranked partially)
    complete: bool
    issues: tuple[str, ...]
    breakers: Mapping[str, Decimal]


def score_standing(
    definition: ContestDefinition,
    round_key: str,
    plans: Mapping[str, RoundPlan],
    entrant: str,
    marks: Mapping[str, ItemMarks],
    best: Mapping[str, Mapping[str, Decimal]],
    trace: Trace | None = None,
) -> EntrantResult:
    """Score `entrant` in the standing of `round_key` (which may add up several rounds)."""
    partial = definition.ranking.incomplete == "rank"
    rnd = definition.round(round_key)
    totals: dict[str, Decimal | None] = {}
    issues: list[str] = []
    breakers: dict[str, Decimal] = {}
    complete = True
    for key in definition.standing_rounds(round_key):
        own = marks.get(key)
        if not own:
            totals[key] = ZERO if partial else None
            complete = False
            issues.append(f"{key}: no marks")
            continue
        result = plans[key].score(own, best.get(key, {}), trace, partial=partial)
        totals[key] = result.total
        complete = complete and result.complete
        issues.extend(result.issues)
        for name, value in result.breakers.items():
            breakers[name] = breakers.get(name, ZERO) + value
        if result.total is not None:
            breakers[key] = result.total
    total: Decimal | None = None
    if complete or partial:
        if rnd.standing is None:
            total = totals[round_key]
        else:
            env = {k: v for k, v in totals.items() if v is not None}
            total = evaluate(rnd.standing, env, f"{round_key} standing")
            if trace is not None:
                trace.append(Step("standing", f"{rnd.standing} = {rnd.standing.substitute(env)}", total))
    return EntrantResult(entrant, totals, total, complete, tuple(issues), breakers)
