"""From one entrant's marks to item scores and round totals (standing.py adds rounds up into a standing).

A `RoundPlan` is prepared once per round (its panel, combiner and formulas) and then scores any number of
entrants. Passing a `trace` list records every step (each judge's mark, what was dropped, each formula with its
values), so an explanation is the very computation that produced the board, not a second one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from contest.scoring.definition import PANEL, ContestDefinition, Criterion, Round
from contest.scoring.errors import ScoringError
from contest.scoring.formula import Formula, FormulaEvalError
from contest.scoring.item_panels import criterion_panels
from contest.scoring.marks import ItemMarks
from contest.scoring.messages import Message, reason
from contest.scoring.normalize import Scale, normalised_detail
from contest.scoring.numbers import ZERO, plain, round_half_up
from contest.scoring.panel import PanelDetail, combine_detail, combiner

Trace = list["Step"]


# a panel method as explanations name it: the contest file's own word, which a catalog may translate
METHODS = {
    "mean": Message("mean"),
    "median": Message("median"),
    "sum": Message("sum"),
    "trimmed_mean": Message("trimmed_mean"),
    "trimmed_sum": Message("trimmed_sum"),
}


@dataclass(frozen=True, slots=True)
class Step:
    """One line of an explanation: what was computed (`label`), how (`detail`) and the result."""

    label: str
    detail: str
    value: Decimal | None
    panel: PanelDetail | None = None  # a panel's combination: each judge's value and who was dropped (score sheets)


class RoundScore(NamedTuple):
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
        self.panel_set = frozenset(panel)
        self._labels = {  # made once: scoring passes them along for error messages
            item: Message("{round} item {item}", round=rnd.key, item=item) for item in range(1, rnd.items + 1)
        }
        self.method = scoring.panel
        criteria = [definition.criterion(k) for k in rnd.criteria]
        self.judged = tuple(c.key for c in criteria if c.judged)
        self.judged_at = {
            item: tuple((c.key, (item, c.key)) for c in criteria if c.judged) for item in range(1, rnd.items + 1)
        }
        # each judged criterion's panel: the round's, its aspect team's, or each item's own (panel_size)
        self.rules = criterion_panels(definition, rnd, panel)
        self.panel_size = scoring.panel_size
        self.normalize = scoring.normalize
        self.scale: Scale | None = None  # a normalised round's scale, set by the board from all its marks
        sizes = {self.panel_size} if self.panel_size else {len(r.fixed) for r in self.rules.values()}
        self._drops: dict[int, int] = {0: 0}
        for size in sorted(sizes - {0}):
            judges = (
                "panel_size"
                if self.panel_size
                else ", ".join(next(r.fixed for r in self.rules.values() if len(r.fixed) == size))
            )
            drop = scoring.drop_for(size)
            if drop is None:
                raise ScoringError(
                    f"round {rnd.key!r}: scoring.drop has no entry for a panel of {size} judges ({judges})"
                )
            if self.method.startswith("trimmed") and 2 * drop >= size:
                raise ScoringError(
                    f"round {rnd.key!r}: a panel of {size} judges ({judges}) cannot drop "
                    f"{drop} highest and {drop} lowest; name the panel (judges = [...]) or lower scoring.drop"
                )
            self._drops[size] = drop
        self._combiners = {size: combiner(self.method, drop) for size, drop in self._drops.items()}
        self.drop = self._drops.get(self.panel_size or len(panel), 0)
        self.combine = combiner(self.method, self.drop)
        # one panel (or pool) for every criterion, no aspect teams; and raw marks too: the quick path applies
        self.teamless = all(r.fixed == panel for r in self.rules.values())
        self.uniform = self.panel_size is None and self.normalize == "none" and self.teamless
        self.entered = tuple(c for c in criteria if not c.judged and not c.deduction)
        self.deductions = tuple(c for c in criteria if c.deduction)
        self.relative = tuple(c.key for c in criteria if c.relative)
        self.judge = scoring.judge
        self.subtotals = scoring.subtotals
        assert scoring.item is not None, "validated: every round has an item formula"
        self.item = scoring.item
        self.steps = scoring.round_steps
        self.item_keys = tuple((item, frozenset((item, c) for c in rnd.criteria)) for item in range(1, rnd.items + 1))
        self.missing_zero = scoring.missing_items == "zero"
        self.combine_items = scoring.combine
        # tie-break values are collected only for the keys the ranking names
        self.tie_keys = frozenset(definition.ranking.tie_breakers)
        self.plain = not (self.judge or scoring.subtotals or self.entered or self.deductions or self.steps)
        self.quick = self.uniform and bool(self.panel) and self.plain
        # weighted sums of panel sums (drawn or normalised panels too): the board's fast path applies (fast.py)
        self.fast = self.plain and self.teamless and bool(self.panel_size or self.panel)
        self.judged_tie_keys = tuple(k for k in (*self.judged, *(n for n, _ in self.subtotals)) if k in self.tie_keys)

    def _q(self, value: Decimal) -> Decimal:
        return round_half_up(value, self.decimals) if self.steps else value

    def score(
        self, marks: ItemMarks, best: Mapping[str, Decimal], trace: Trace | None = None, *, partial: bool = False
    ) -> RoundScore:
        """Score one entrant's marks in this round (inside `precise()`). `best` holds the field's best value of
        each relative criterion. `partial`: count incomplete items as 0 instead of leaving the round incomplete."""
        if trace is None and self.quick:
            quick = self._quick(marks)
            if quick is not None:
                return quick
        values: list[Decimal] = []
        issues: list[str] = []
        breakers: dict[str, Decimal] = {}
        complete = True
        present = marks.keys()
        for item, keys in self.item_keys:
            if present.isdisjoint(keys):
                if self.missing_zero:
                    values.append(ZERO)
                    if trace is not None:
                        balked = Message("not performed: scores 0 (missing_items = zero)")
                        trace.append(Step(self._item_label(item), balked, ZERO))
                else:
                    complete = False
                    issues.append(Message("{item}: no marks yet", item=self._item_label(item, always=True)))
                    if partial:
                        values.append(ZERO)
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

    def _quick(self, marks: ItemMarks) -> RoundScore | None:
        """The common case on the hot path of a board build: judged criteria only, every mark there. Gives the
        same result as the full path below, or None to let that path handle (and explain) anything else."""
        size = len(self.panel)
        members = self.panel_set
        combine = self.combine
        item_formula = self.item
        values = []
        breakers: dict[str, Decimal] = {}
        for pairs in self.judged_at.values():
            env = {}
            for key, at in pairs:
                given = marks.get(at)
                if given is None or len(given) != size or not given.keys() >= members:
                    return None
                env[key] = combine(given.values())
            try:
                values.append(item_formula.compute(env))
            except FormulaEvalError:
                return None
            for key in self.judged_tie_keys:
                breakers[key] = breakers[key] + env[key] if key in breakers else env[key]
        total = values[0] if len(values) == 1 else self._combine_items(values, None)
        return RoundScore(total, True, (), breakers)

    def _item_label(self, item: int, *, always: bool = False) -> str:
        """The round's key, with the item's number when the round has several (or `always`)."""
        if len(self.item_keys) == 1 and not always:
            return self.round.key
        return self._labels[item]

    def _part_label(self, item: int, part: str) -> str:
        """An explanation line's label for one criterion, judge or subtotal of an item."""
        return Message("{item} · {part}", item=self._item_label(item), part=part)

    def _score_item(
        self,
        item: int,
        marks: ItemMarks,
        best: Mapping[str, Decimal],
        breakers: dict[str, Decimal],
        trace: Trace | None,
    ) -> tuple[Decimal | None, list[str]]:
        """The item's score, or None and what keeps it from being scored (a missing mark, a division by zero:
        the entrant is shown incomplete with the reason; the rest of the board is unaffected)."""
        try:
            return self._score_item_marks(item, marks, best, breakers, trace)
        except ScoringError as exc:
            return None, [exc.message]

    def _score_item_marks(
        self,
        item: int,
        marks: ItemMarks,
        best: Mapping[str, Decimal],
        breakers: dict[str, Decimal],
        trace: Trace | None,
    ) -> tuple[Decimal | None, list[str]]:
        env: dict[str, Decimal] = {}
        missing: list[str] = []
        seen: dict[str, tuple[tuple[str, ...], Mapping[str, Decimal]]] = {}  # each criterion's panel and values
        q = self._q if self.steps else None
        scale = self.scale
        for key, at in self.judged_at[item]:
            as_marked = marks.get(at)
            given = scale.apply(key, as_marked) if scale is not None else as_marked
            rule = self.rules[key]
            panel = rule.judges(given)
            size = len(panel)
            why = rule.shortfall(given, panel, self._item_label(item))
            if trace is not None and scale is not None and as_marked is not None and given is not None:
                shown = [j for j in panel if j in as_marked]
                how = normalised_detail(scale.method, shown, as_marked, given)
                trace.append(Step(self._part_label(item, key), how, None))
            if why is not None:
                missing.append(why)
                if trace is not None:
                    so_far = ", ".join(f"{j} {plain(given[j]) if given and j in given else '—'}" for j in panel)
                    given_now = tuple((j, given[j]) for j in panel if given and j in given)
                    detail = PanelDetail(self.round.key, item, key, given_now, None)
                    incomplete = Message("{marks}; incomplete", marks=so_far)
                    trace.append(Step(self._part_label(item, key), incomplete, None, detail))
                continue
            assert given is not None
            row: Collection[Decimal] = given.values() if len(given) == size else [given[j] for j in panel]
            value = self._combiners[size](row)
            if q is not None:
                value = q(value)
            env[key] = value
            seen[key] = (panel, given)
            if trace is not None:
                marked = [(j, given[j]) for j in panel]
                trace.append(self._panel_step(self._part_label(item, key), marked, value, item, key))
        if self.judge is not None and not missing:
            self._judge_totals(item, seen, env, trace)
        for crit in self.entered:
            given = marks.get((item, crit.key))
            raw = given.get("") if given else None
            if raw is None:
                raw = crit.default
            if raw is None:
                missing.append(Message("{item}: {key} not entered", item=self._item_label(item), key=crit.key))
                continue
            env[crit.key] = self._relative(crit, raw, best, item, trace) if crit.relative else raw
            if crit.key in self.tie_keys:
                breakers[crit.key] = breakers.get(crit.key, ZERO) + raw
            if trace is not None and not crit.relative:
                trace.append(Step(self._part_label(item, crit.key), Message("entered"), raw))
        if missing:
            return None, missing
        for name, formula in self.subtotals:
            env[name] = self._q(evaluate(formula, env, self._item_label(item)))
            if trace is not None:
                trace.append(Step(self._part_label(item, name), f"{formula} = {formula.substitute(env)}", env[name]))
        for key in self.judged_tie_keys:
            breakers[key] = breakers.get(key, ZERO) + env[key]
        value = evaluate(self.item, env, self._item_label(item))
        if trace is not None:
            trace.append(Step(self._item_label(item), f"{self.item} = {self.item.substitute(env)}", value))
        for crit in self.deductions:
            given = marks.get((item, crit.key))
            amount = given.get("", crit.default or ZERO) if given else (crit.default or ZERO)
            if amount:
                value = value - amount
                if trace is not None:
                    deduction = Message("deduction {key} − {amount}", key=crit.key, amount=plain(amount))
                    trace.append(Step(self._item_label(item), deduction, value))
        return (q(value) if q else value), []

    def _judge_totals(
        self,
        item: int,
        seen: Mapping[str, tuple[tuple[str, ...], Mapping[str, Decimal]]],
        env: dict[str, Decimal],
        trace: Trace | None,
    ) -> None:
        assert self.judge is not None
        label = self._item_label(item)
        names = sorted(self.judge.names)
        panel = seen[names[0]][0]
        if any(seen[name][0] != panel for name in names):
            raise ScoringError(
                Message("{item}: {names} were not marked by the same judges", item=label, names=", ".join(names))
            )
        totals: list[Decimal] = []
        for judge in panel:
            own = {key: seen[key][1][judge] for key in names}
            totals.append(self._q(evaluate(self.judge, own, label)))
            if trace is not None:
                trace.append(
                    Step(self._part_label(item, judge), f"{self.judge} = {self.judge.substitute(own)}", totals[-1])
                )
        env[PANEL] = self._q(self._combiners[len(panel)](totals))
        if trace is not None:
            marked = list(zip(panel, totals, strict=True))
            trace.append(self._panel_step(self._part_label(item, PANEL), marked, env[PANEL], item, PANEL))

    def _relative(
        self, crit: Criterion, raw: Decimal, best: Mapping[str, Decimal], item: int, trace: Trace | None
    ) -> Decimal:
        top = best.get(crit.key, ZERO)
        higher = crit.better == "higher"
        value = (raw / top if top else ZERO) if higher else top / raw
        if trace is not None:
            if higher:
                how = Message("relative to the field: {value} / best {best}", value=plain(raw), best=plain(top))
            else:
                how = Message("relative to the field: best {best} / {value}", value=plain(raw), best=plain(top))
            trace.append(Step(self._part_label(item, crit.key), how, value))
        return value

    def _panel_step(self, label: str, marks: list[tuple[str, Decimal]], value: Decimal, item: int, part: str) -> Step:
        _, high, low = combine_detail(self.method, self._drops.get(len(marks), 0), marks)
        panel = PanelDetail(self.round.key, item, part, tuple(marks), value, high, low)
        shown = ", ".join(f"{j} {plain(v)}" for j, v in marks)
        method = METHODS[self.method]
        if high or low:
            detail = Message(
                "{marks}; dropped highest {high} and lowest {low}; {method} = {value}",
                marks=shown,
                high=", ".join(high),
                low=", ".join(low),
                method=method,
                value=plain(value),
            )
        else:
            detail = Message("{marks}; {method} = {value}", marks=shown, method=method, value=plain(value))
        return Step(label, detail, value, panel)

    def _combine_items(self, values: list[Decimal], trace: Trace | None) -> Decimal:
        if len(values) == 1:
            total = values[0]
        elif self.combine_items == "sum":
            total = sum(values, ZERO)
        elif self.combine_items == "mean":
            total = sum(values, ZERO) / len(values)
        else:
            total = max(values)
        total = self._q(total)
        if trace is not None and len(values) > 1:
            shown = " + ".join(plain(v) for v in values)
            how = {
                "sum": Message("round = {values}", values=shown),
                "mean": Message("round = {values}", values=f"({shown}) / {len(values)}"),
                "best": Message("round = best of {values}", values=", ".join(map(plain, values))),
            }
            trace.append(Step(self.round.key, how[self.combine_items], total))
        return total


def evaluate(formula: Formula, env: Mapping[str, Decimal], label: str) -> Decimal:
    """A formula's value inside the board's `precise()` context; a division by zero names where it happened."""
    try:
        return formula.compute(env)
    except FormulaEvalError as exc:
        where = Message(
            "{label}: {formula} — {why} ({values})",
            label=label,
            formula=str(formula),
            why=reason(exc),
            values=formula.substitute(env),
        )
        raise ScoringError(where) from None
