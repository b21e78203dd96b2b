"""The board: one round's standings, built once from all marks and kept current one entrant at a time.

`Board(definition, round_key, entrants, sheet)` scores every entrant with marks in that round and keeps each
group's complete entrants in a sorted list of keys. After marks of some entrants change in the sheet,
`board.update(codes)` rescores just those entrants and moves their keys (a bisect, not a sort), unless the field's
best value of a relative criterion moved, which rescores that group. `rows(limit=50)` then ranks and awards only
the rows asked for.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from contest.scoring.awards import advance_count, award_ranges
from contest.scoring.definition import ContestDefinition
from contest.scoring.entrants import Entrant
from contest.scoring.errors import ScoringError
from contest.scoring.fast import FastStanding, Numerators
from contest.scoring.field_best import Best, FieldBest, Measured, measured
from contest.scoring.item_panels import inferred_panel
from contest.scoring.marks import MarkSheet
from contest.scoring.messages import Message
from contest.scoring.normalize import Scale, sheet_scale
from contest.scoring.numbers import precise, round_half_up
from contest.scoring.ranking import SortKey, key_maker, rank_at, same_place, sort_key
from contest.scoring.rows import Change as Change
from contest.scoring.rows import Row as Row
from contest.scoring.rows import diff_rows as diff_rows
from contest.scoring.standing import EntrantResult, StandingPlan
from contest.scoring.totals import RoundPlan, Trace


@dataclass
class _Group:
    keys: list[SortKey]
    incomplete: set[str]


class Board:
    def __init__(
        self,
        definition: ContestDefinition,
        round_key: str,
        entrants: Sequence[Entrant],
        sheet: MarkSheet,
        *,
        panels: Mapping[str, Sequence[str]] | None = None,
        version: int = 0,
    ) -> None:
        if not definition.has_round(round_key):
            known = ", ".join(r.key for r in definition.rounds)
            raise ScoringError(Message("no round {round!r}; rounds: {known}", round=round_key, known=known))
        self.definition = definition
        self.round = definition.round(round_key)
        self.sheet = sheet
        self.version = version
        self.entrants: dict[str, Entrant] = {e.code: e for e in entrants}
        self._order = {code: i for i, code in enumerate(self.entrants)}
        self._group_first: dict[str, int] = {}
        for entrant in entrants:
            self._group_first.setdefault(entrant.group, self._order[entrant.code])
        rounds = definition.standing_rounds(round_key)
        self.standing = StandingPlan(definition, round_key, {key: self._panel(key, panels) for key in rounds})
        self.plans = self.standing.plans
        self._breakers, self._decimals = key_maker(definition)
        self._separate = definition.ranking.groups == "separate"
        self._relative = any(plan.relative for plan in self.plans.values())
        self._fast = FastStanding.of(definition, self.standing)
        self._final = round_key == definition.rounds[-1].key
        # every entrant with marks in the round: its result, or the fast path's numerators until a row needs it
        self._scores: dict[str, EntrantResult | Numerators] = {}
        self._keys: dict[str, SortKey] = {}  # the sort key of every entrant with a total
        # rounded totals as shown, per entrant, kept until the entrant is rescored
        self._shown: dict[str, tuple[EntrantResult, dict[str, Decimal | None], Decimal | None]] = {}
        self._groups: dict[str, _Group] = {}
        self._field = FieldBest(
            {
                (key, crit): definition.criterion(crit).better == "lower"
                for key, plan in self.plans.items()
                for crit in plan.relative
            }
        )
        self._best: dict[str, Best] = {}  # group -> round -> criterion -> the field's best
        self._measured_of: dict[str, Measured] = {}  # entrant -> its relative values, as the field counts them
        # normalised rounds: their scale depends on every mark of the round, so a change rescores the board
        self._normalised = [plan for plan in self.plans.values() if plan.normalize != "none"]
        self._rebuild(None)

    def _panel(self, key: str, panels: Mapping[str, Sequence[str]] | None) -> tuple[str, ...]:
        """The round's panel: the contest's named one; else inferred, aspect teams' members out (anyone with
        `panel_size`), from `panels` when given (the server: every judge it registered, marked or not) or else from
        whoever marked (offline): so the server waits for a registered judge who has not marked; compute does not."""
        named = self.definition.panel(key)
        if named:
            return named
        there = panels[key] if panels and key in panels else self.sheet.judges(key)
        return inferred_panel(self.definition, self.definition.round(key), there)

    def _scale(self, plan: RoundPlan) -> Scale:
        with precise():
            return sheet_scale(self.definition, plan.round, plan.rules, self.sheet)

    def _rescaled(self) -> set[str] | None:
        """Recompute the normalised rounds' scales; the entrants marked by a judge whose normalised values moved
        (None: too many to say, rescore everyone)."""
        moved: set[str] = set()
        for plan in self._normalised:
            scale = self._scale(plan)
            before = plan.scale
            if before == scale:
                continue
            plan.scale = scale
            if before is None:
                return None
            old, new = before.table, scale.table
            changed = {at for at in old.keys() | new.keys() if old.get(at) != new.get(at)}
            key = plan.round.key
            for code in self.sheet.entrants():
                marks = self.sheet.entrant(code).get(key, {})
                if any((criterion, judge) in changed for (_, criterion), given in marks.items() for judge in given):
                    moved.add(code)
        return moved

    def group_of(self, code: str) -> str:
        entrant = self.entrants.get(code)
        return entrant.group if entrant and self._separate else ""

    @property
    def groups(self) -> list[str]:
        """The groups with entrants on this board, in the order the entrant list first names them."""
        if not self._separate:
            return list(self._groups)
        first = self._group_first
        return sorted(self._groups, key=lambda g: (first.get(g, 1 << 30), g))

    # -- building and updating --------------------------------------------------------------------------------

    def _rebuild(self, group: str | None, *, rescale: bool = True) -> None:
        codes = [
            code
            for code in self.sheet.entrants()
            if self.sheet.entrant(code).get(self.round.key) and (group is None or self.group_of(code) == group)
        ]
        if group is None:
            self._scores.clear()
            self._keys.clear()
            self._groups.clear()
            self._best.clear()
            for plan in self._normalised if rescale else ():
                plan.scale = self._scale(plan)
        else:
            for code in [c for c in self._scores if self.group_of(c) == group]:
                del self._scores[code]
                self._keys.pop(code, None)
            self._groups.pop(group, None)
        if self._relative:
            self._field.clear(group)
            for code in self.sheet.entrants():
                g = self.group_of(code)
                if group is None or g == group:
                    self._measured_of[code] = measured = self._measured(code)
                    self._field.add(g, measured)
            # every group the field counts, not only those with marks in this round yet: an entrant scored
            # later (its first mark in this round) is scored against the best the field already holds
            for g in {self.group_of(c) for c in self.sheet.entrants()} if group is None else {group}:
                self._best[g] = self._field.best(g)
        fresh: defaultdict[str, list[SortKey]] = defaultdict(list)
        separate = self._separate
        with self._arithmetic():
            for code in codes:
                score, key = self._scored(code)
                self._scores[code] = score
                g = self.group_of(code) if separate else ""
                entry = self._groups.get(g) or self._groups.setdefault(g, _Group([], set()))
                if key is None:
                    entry.incomplete.add(code)
                else:
                    self._keys[code] = key
                    fresh[g].append(key)
        for g, keys in fresh.items():
            keys.sort()
            self._groups[g].keys = keys

    def _arithmetic(self) -> AbstractContextManager[Context]:
        """The decimal context scoring runs in: the fast path's when there is one, else `precise()`."""
        return localcontext(self._fast.context) if self._fast is not None else precise()

    def _scored(self, code: str) -> tuple[EntrantResult | Numerators, SortKey | None]:
        """The entrant's score and, when it has a total, its sort key (inside `_arithmetic()`)."""
        if self._fast is not None:
            scored = self._fast.score(code, self.sheet.entrant(code))
            if scored is not None:
                return scored
            with precise():
                result = self._score(code)
        else:
            result = self._score(code)
        return result, None if result.total is None else self._key(result)

    def _score(self, code: str, trace: Trace | None = None) -> EntrantResult:
        """The Decimal path (inside `precise()`): every case, and the steps of an explanation."""
        try:
            return self.standing.score(code, self.sheet.entrant(code), self._best.get(self.group_of(code), {}), trace)
        except ScoringError as exc:
            raise ScoringError(Message("entrant {code}, {why}", code=code, why=exc.message)) from None

    def result(self, code: str) -> EntrantResult | None:
        """The entrant's result in this standing; None when it has no marks in the round."""
        return self._result(code) if code in self._scores else None

    def _result(self, code: str) -> EntrantResult:
        score = self._scores[code]
        if isinstance(score, EntrantResult):
            return score
        assert self._fast is not None
        result = self._scores[code] = self._fast.result(code, score)
        return result

    def _key(self, result: EntrantResult) -> SortKey:
        return sort_key(result, self._breakers, self._decimals)

    def _measured(self, code: str) -> Measured:
        """This entrant's values of the relative criteria, as the sheet has them now (defaults included)."""
        return measured(self.plans, self.sheet.entrant(code))

    def update(self, codes: Iterable[str], *, version: int | None = None) -> None:
        """Rescore these entrants after their marks changed in the sheet."""
        if version is not None:
            self.version = version
        codes = set(codes)
        if self._normalised:
            # a mark of a normalised round can move its scale (O(marks of the round) to recompute): every entrant
            # marked by a judge whose values moved is rescored; with z-scores that is nearly always everyone, and
            # the board is rebuilt (O(entrants)); see README "Per-round scoring, panels and modules"
            moved = self._rescaled()
            if moved is None or 2 * len(moved) > len(self._scores):
                self._rebuild(None, rescale=False)
                return
            codes |= moved
        with self._arithmetic():
            for code in codes:
                self._update(code)

    def _update(self, code: str) -> None:
        group = self.group_of(code)
        if self._relative:
            # only a changed measured value can move the field's best; then look at the whole group
            mine = self._measured(code)
            before = self._measured_of.get(code, ())
            if mine != before:
                self._measured_of[code] = mine
                moved = self._field.remove(group, before)
                moved = self._field.add(group, mine) or moved
                if moved and self._field.best(group) != self._best.get(group, {}):
                    self._rebuild(group)
                    return
        self._remove(code)
        if not self.sheet.entrant(code).get(self.round.key):
            return
        score, key = self._scored(code)
        self._scores[code] = score
        entry = self._groups.setdefault(group, _Group([], set()))
        if key is None:
            entry.incomplete.add(code)
        else:
            self._keys[code] = key
            bisect.insort(entry.keys, key)

    def add_entrants(self, entrants: Iterable[Entrant]) -> None:
        """Register or rename entrants (their scores do not change; a changed group rebuilds the board)."""
        regroup = False
        for entrant in entrants:
            before = self.group_of(entrant.code)
            self.entrants[entrant.code] = entrant
            # an entrant with marks (even one registered only now) scored in one group must move to the other
            regroup = regroup or (before != self.group_of(entrant.code) and bool(self.sheet.entrant(entrant.code)))
            self._order.setdefault(entrant.code, len(self._order))
            self._group_first.setdefault(entrant.group, self._order[entrant.code])
        if regroup:
            self._group_first = {}
            for code, entrant in self.entrants.items():  # groups are shown in the order the list first names them
                self._group_first.setdefault(entrant.group, self._order[code])
            self._rebuild(None)

    def _remove(self, code: str) -> None:
        if self._scores.pop(code, None) is None:
            return
        entry = self._groups[self.group_of(code)]
        key = self._keys.pop(code, None)
        if key is None:
            entry.incomplete.discard(code)
        else:
            del entry.keys[bisect.bisect_left(entry.keys, key)]

    # -- reading ------------------------------------------------------------------------------------------------

    def rows(self, *, group: str | None = None, limit: int | None = None, entrant: str | None = None) -> list[Row]:
        """Ranked rows (by group, then rank), then the incomplete ones; `entrant`'s row is added if cut off."""
        if group is not None and not self._separate:  # one ranking: the group only filters the rows shown
            ranked = [r for r in self.rows() if r.group == group]
            shown = ranked if limit is None else ranked[:limit]
            extra = [r for r in ranked if r.entrant == entrant and r not in shown]
            return shown + extra
        out: list[Row] = []
        wanted = [group] if group is not None else self.groups
        for g in wanted:
            entry = self._groups.get(g)
            if entry is None:
                continue
            out.extend(self._group_rows(g, entry, None if limit is None else max(0, limit - len(out))))
            if limit is not None and len(out) >= limit:
                break
        if entrant is not None and all(r.entrant != entrant for r in out):
            found = self.row(entrant)
            if found is not None and (group is None or found.group == group):
                out.append(found)
        return out

    def row(self, code: str) -> Row | None:
        result = self.result(code)
        if result is None:
            return None
        group = self.group_of(code)
        entry = self._groups[group]
        key = self._keys.get(code)
        if key is None:
            return self._row(result, group, None, None, False)
        position = bisect.bisect_left(entry.keys, key)
        award, advances = self._standing_extras(entry.keys, position)
        return self._row(result, group, rank_at(entry.keys, position), award, advances)

    def _group_rows(self, group: str, entry: _Group, limit: int | None) -> list[Row]:
        keys = entry.keys
        count = len(keys) if limit is None else min(limit, len(keys))
        ranges = award_ranges(self.definition.awards, keys, self._decimals) if self._final else []
        advancing = advance_count(self.round.advance, keys) if self.round.advance else 0
        rows: list[Row] = []
        rank = 0
        for position in range(count):
            if position == 0 or not same_place(keys[position - 1], keys[position]):
                rank = position + 1
            code = keys[position][-1]
            assert isinstance(code, str)
            award = next((name for start, end, name in ranges if start <= position < end), None)
            rows.append(self._row(self._result(code), group, rank, award, position < advancing))
        if limit is None or len(rows) < limit:
            room = None if limit is None else limit - len(rows)
            for code in sorted(entry.incomplete, key=lambda c: (self._order.get(c, 1 << 30), c))[:room]:
                rows.append(self._row(self._result(code), group, None, None, False))
        return rows

    def _standing_extras(self, keys: list[SortKey], position: int) -> tuple[str | None, bool]:
        award = None
        if self._final:
            award = next(
                (
                    name
                    for start, end, name in award_ranges(self.definition.awards, keys, self._decimals)
                    if start <= position < end
                ),
                None,
            )
        advances = bool(self.round.advance) and position < advance_count(self.round.advance or 0, keys)
        return award, advances

    def _row(self, result: EntrantResult, group: str, rank: int | None, award: str | None, advances: bool) -> Row:
        entrant = self.entrants.get(result.entrant) or Entrant(result.entrant)
        shown = self._shown.get(result.entrant)
        if shown is None or shown[0] is not result:
            d = self._decimals
            rounds = {k: None if v is None else round_half_up(v, d) for k, v in result.rounds.items()}
            total = None if result.total is None else round_half_up(result.total, d)
            shown = (result, rounds, total)
            self._shown[result.entrant] = shown
        return Row(
            rank=rank,
            entrant=result.entrant,
            name=entrant.name,
            organization=entrant.organization,
            group=entrant.group,
            rounds=dict(shown[1]),
            total=shown[2],
            award=award,
            advances=advances,
            complete=result.complete,
            issues=result.issues,
        )

    def trace(self, code: str) -> tuple[EntrantResult, Trace]:
        """Score one entrant again, recording every step, for an explanation."""
        steps: Trace = []
        with precise():
            return self._score(code, steps), steps
