"""Whose marks make up an item's panel, criterion by criterion: a fixed panel (the round's judges, or a criterion's
own aspect team), or, with `panel_size`, whoever of the pool marked that item (panels that rotate between items or
split the field). Also the marks-file check that refuses more marks on an item than its panel has seats.

The rules, as the README states them:
- a criterion with its own judges (`judges = [...]` on the criterion, or the round's `criterion_judges`) is judged
  by that team; the round's other judged criteria by the round's panel (named, else everyone who marked the round
  and sits on none of its teams);
- with `panel_size = N`, the pool is that panel or team (anyone, when the contest names no judges), and an item's
  panel is the judges of the pool who marked it: fewer than N leaves the item incomplete ("3 of 5 marks"), more is
  an error in the marks file (and, should it reach a board, leaves the item incomplete);
- a trimmed method drops by the size of each item's own panel (`drop = { 5 = 1, 7 = 2 }`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from contest.scoring.definition import ContestDefinition, Round
from contest.scoring.entrants import Entrant
from contest.scoring.errors import Problem
from contest.scoring.marks import Mark
from contest.scoring.messages import Message

_DIGITS = re.compile(r"([0-9]+)")


@dataclass(frozen=True, slots=True)
class CriterionPanel:
    """The panel rule of one judged criterion in one round."""

    key: str
    fixed: tuple[str, ...]  # the panel (size None) or the pool (size N; empty: anyone)
    size: int | None  # panel_size: each item's panel is N of the pool
    members: frozenset[str] = frozenset()  # the judges of `fixed`

    def judges(self, given: Mapping[str, Decimal] | None) -> tuple[str, ...]:
        """The item's panel, in judge-code order for a drawn panel: the pool's judges who marked it."""
        if self.size is None:
            return self.fixed
        if not given:
            return ()
        pool = self.members
        return tuple(sorted((j for j in given if j and (not pool or j in pool)), key=judge_order))

    def shortfall(self, given: Mapping[str, Decimal] | None, panel: tuple[str, ...], item: str) -> str | None:
        """Why this item's criterion cannot be combined (`panel`: `judges(given)`), or None when it can."""
        count = len(panel)
        if self.size is not None:
            if count < self.size:
                return Message(
                    "{item}: {key} {count} of {size} marks", item=item, key=self.key, count=count, size=self.size
                )
            if count > self.size:
                return Message(
                    "{item}: {key} has {count} marks, more than {setting} {size}",
                    item=item,
                    key=self.key,
                    count=count,
                    size=self.size,
                    setting="panel_size",
                )
            return None
        if not count:
            return Message("{item}: {key} has no panel (nobody marked this round)", item=item, key=self.key)
        if not given or not given.keys() >= self.members:
            absent = ", ".join(j for j in panel if not given or j not in given)
            return Message("{item}: {key} not marked by {judges}", item=item, key=self.key, judges=absent)
        return None


@lru_cache(maxsize=4096)
def judge_order(code: str) -> tuple[tuple[int, str, int], ...]:
    """Judge codes in the order people count them: J2 before J10."""
    return tuple((0, part, 0) if not part.isdigit() else (1, "", int(part)) for part in _DIGITS.split(code))


def teams(definition: ContestDefinition, rnd: Round) -> dict[str, tuple[str, ...]]:
    """The round's judged criteria that have their own judges (aspect teams): criterion key -> judges."""
    found: dict[str, tuple[str, ...]] = {}
    for key in rnd.criteria:
        crit = definition.criterion(key)
        team = rnd.team(crit) if crit.judged else None
        if team is not None:
            found[key] = team
    return found


def inferred_panel(definition: ContestDefinition, rnd: Round, marked: Iterable[str]) -> tuple[str, ...]:
    """The round's panel when the contest names none: with `panel_size`, anyone (the empty pool); else everyone
    who marked the round (`marked`) and sits on none of its aspect teams."""
    if rnd.scoring.panel_size is not None:
        return ()
    taken = {j for team in teams(definition, rnd).values() for j in team}
    return tuple(j for j in marked if j not in taken)


def criterion_panels(definition: ContestDefinition, rnd: Round, panel: tuple[str, ...]) -> dict[str, CriterionPanel]:
    """Each judged criterion's panel rule in this round, given the round's panel."""
    own = teams(definition, rnd)
    size = rnd.scoring.panel_size
    return {
        key: CriterionPanel(key, own.get(key, panel), size, frozenset(own.get(key, panel)))
        for key in rnd.criteria
        if definition.criterion(key).judged
    }


def panel_problems(
    definition: ContestDefinition, marks: Iterable[Mark], entrants: Iterable[Entrant] | None = None
) -> list[Problem]:
    """What the panels refuse in a marks file, as the server refuses it at the door: a judge marking a criterion
    outside its aspect team; a team member marking a criterion without a team while the round names no panel; a
    recused judge's mark (回避: a declared conflict, or the entrant's organization when `entrants` are given); and
    more marks on one item's criterion than `panel_size`. Each problem names entrant, round, item (and criterion)."""
    problems: list[Problem] = []
    counts: dict[tuple[str, str, int, str], int] = {}
    rules: dict[str, dict[str, CriterionPanel]] = {}
    teamed: dict[str, dict[str, tuple[str, ...]]] = {}
    recusal = definition.panels.recusal
    organization = {e.code: e.organization for e in entrants or ()}
    for mark in marks:
        if not mark.judge or not definition.has_round(mark.round):
            continue
        rnd = definition.round(mark.round)
        if rnd.key not in rules:
            rules[rnd.key] = criterion_panels(definition, rnd, ())
            teamed[rnd.key] = teams(definition, rnd)
        rule = rules[rnd.key].get(mark.criterion)
        if rule is None:
            continue
        where = Message(
            "entrant {entrant}, round {round}, item {item}", entrant=mark.entrant, round=rnd.key, item=mark.item
        )
        own = teamed[rnd.key]
        if rule.key in own and mark.judge not in rule.fixed:
            why = Message(
                "{key} is judged by {judges}, not by {judge}",
                key=rule.key,
                judges=", ".join(rule.fixed),
                judge=mark.judge,
            )
            problems.append(Problem(where, why))
            continue
        if rule.key not in own and not definition.panel(rnd.key):
            aspects = [key for key, team in own.items() if mark.judge in team]
            if aspects:  # the core leaves team members out of an unnamed panel: their other marks never count
                at = Message(
                    "entrant {entrant}, round {round}, item {item}, criterion {criterion}",
                    entrant=mark.entrant,
                    round=rnd.key,
                    item=mark.item,
                    criterion=rule.key,
                )
                why = Message(
                    "judge {judge} marks {criteria} only (aspect team)", judge=mark.judge, criteria=", ".join(aspects)
                )
                problems.append(Problem(at, why))
                continue
        recused = recusal.why(mark.judge, mark.entrant, organization.get(mark.entrant, ""))
        if recused is not None:
            problems.append(Problem(where, Message("{why}: recused (回避)", why=recused)))
            continue
        if rule.size is not None:
            at_item = (mark.entrant, rnd.key, mark.item, mark.criterion)
            counts[at_item] = counts.get(at_item, 0) + 1
            if counts[at_item] == rule.size + 1:
                why = Message(
                    "{key} has more than {size} marks ({setting} = {size})",
                    key=mark.criterion,
                    size=rule.size,
                    setting="panel_size",
                )
                problems.append(Problem(where, why))
    return problems
