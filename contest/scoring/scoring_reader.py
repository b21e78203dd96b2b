"""Reading a round's scoring (its own `[rounds.scoring]` over the contest's `[scoring]`): the panel method and
how many marks it drops, the per-judge formula, subtotals, the item formula, how items and rounds combine, and
the checks on formulas and their weights. Problems are collected on the readers, as everywhere in the file's checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import cast

from contest.scoring.definition import (
    COMBINE,
    KEY,
    NORMALIZE,
    PANEL,
    PANEL_METHODS,
    Combine,
    Criterion,
    MissingItems,
    Normalize,
    PanelMethod,
    Scoring,
)
from contest.scoring.formula import FUNCTIONS, Formula, FormulaSyntaxError, linear_weights, normalize, parse_formula
from contest.scoring.messages import Message, reason
from contest.scoring.numbers import ZERO
from contest.scoring.toml_reader import Reader

SCORING_KEYS = (
    "panel",
    "drop",
    "judge",
    "subtotals",
    "item",
    "round",
    "missing_items",
    "round_steps",
    "panel_size",
    "normalize",
)


def read_scoring(
    own: Reader | None, base: Reader | None, criteria: list[Criterion], judges: tuple[str, ...] | None
) -> Scoring:
    def pick(key: str) -> Reader | None:
        if own is not None and own.has(key):
            return own
        if base is not None and base.has(key):
            return base
        return None

    def choice(key: str, default: str, options: tuple[str, ...]) -> str:
        src = pick(key)
        return src.choice(key, default, options) if src else default

    panel = choice("panel", "mean", PANEL_METHODS)
    src = pick("panel_size")
    panel_size = src.integer("panel_size", None, low=1, high=1000) if src else None
    if src is not None and panel_size is not None and judges is not None and panel_size > len(judges):
        src.problem(
            "panel_size",
            Message("a panel of {size} cannot be drawn from {count} judges", size=panel_size, count=len(judges)),
        )
    if (
        own is not None
        and own.has("panel")
        and not own.has("drop")
        and base is not None
        and base.has("drop")
        and base.table["drop"]
        and not panel.startswith("trimmed")
    ):  # the round's own panel drops nothing: say so at the round, not at the [scoring] it inherits from
        own.problem(
            "panel",
            Message(
                "{panel} drops no marks, but this round inherits {setting} from {table}: add {fix} to this round's "
                "scoring",
                panel=panel,
                setting="drop",
                table="[scoring]",
                fix="drop = 0",
            ),
        )
        drop: int | Mapping[int, int] = 0
    else:
        drop = _drop(pick("drop"), panel, (None,) * panel_size if panel_size else judges)
    judged = [c.key for c in criteria if c.judged]
    usable = [c.key for c in criteria if not c.deduction]
    src = pick("judge")
    judge = read_formula(src, "judge", allowed=set(judged), what=Message("judged criteria")) if src else None
    # subtotals: named formulas over criteria, `panel` and each other, evaluated in dependency order
    names_ok = {*usable, *([PANEL] if judge else [])}
    subtotals = _subtotals(pick("subtotals"), names_ok)
    src = pick("item")
    allowed = names_ok | {name for name, _ in subtotals}
    if src:
        what = Message("criteria of this round, subtotals or {panel}", panel=PANEL)
        item = read_formula(src, "item", allowed=allowed, what=what)
    else:
        default = PANEL if judge else " + ".join(usable) or "0"
        item = parse_formula(default) if usable or judge else None
    if item is not None and src is not None:
        check_weights(src, "item", item)
    src = pick("round")
    combine = src.choice("round", "sum", COMBINE) if src else "sum"
    src = pick("missing_items")
    missing = src.choice("missing_items", "incomplete", ("incomplete", "zero")) if src else "incomplete"
    src = pick("round_steps")
    round_steps = src.boolean("round_steps", False) if src else False
    normalized = choice("normalize", "none", NORMALIZE)
    return Scoring(
        panel=cast(PanelMethod, panel),
        drop=drop,
        judge=judge,
        subtotals=subtotals,
        item=item,
        combine=cast(Combine, combine),
        missing_items=cast(MissingItems, missing),
        round_steps=round_steps,
        panel_size=panel_size,
        normalize=cast(Normalize, normalized),
    )


def _drop(src: Reader | None, panel: str, judges: tuple[str | None, ...] | None) -> int | Mapping[int, int]:
    """The drop (a number, or a table by panel size), checked against the panel: the named judges, or a panel
    of `panel_size` (then `judges` holds that many Nones)."""
    if src is None:
        return 1 if panel.startswith("trimmed") else 0  # 去掉一个最高分和一个最低分
    raw = src.table["drop"]
    drop: int | dict[int, int]
    if isinstance(raw, dict):
        drop = {}
        for size, value in raw.items():
            if (
                not re.fullmatch(r"[0-9]{1,3}", str(size))
                or isinstance(value, bool)
                or not isinstance(value, int)
                or value < 0
            ):
                src.problem(
                    "drop",
                    Message("a drop table maps panel sizes to whole numbers: {example}", example="{ 5 = 1, 7 = 2 }"),
                )
                return 0
            if 2 * value >= int(size):
                src.problem(
                    "drop",
                    Message("a panel of {size} cannot drop {drop} highest and {drop} lowest", size=size, drop=value),
                )
            drop[int(size)] = value
    else:
        drop = src.integer("drop", 0, low=0, high=50) or 0
    if not panel.startswith("trimmed") and drop:
        src.problem(
            "drop",
            Message(
                "only {trimmed_mean} and {trimmed_sum} drop marks, not {panel}",
                trimmed_mean="trimmed_mean",
                trimmed_sum="trimmed_sum",
                panel=panel,
            ),
        )
    if judges is not None and panel.startswith("trimmed"):
        n = len(judges)
        d = drop if isinstance(drop, int) else drop.get(n)
        if d is None:
            src.problem("drop", Message("the drop table has no entry for this panel of {size} judges", size=n))
        elif 2 * d >= n:
            src.problem(
                "drop",
                Message("a panel of {size} judges cannot drop {drop} highest and {drop} lowest", size=n, drop=d),
            )
    return drop


def _subtotals(src: Reader | None, names_ok: set[str]) -> tuple[tuple[str, Formula], ...]:
    if src is None:
        return ()
    table = src.table_at("subtotals")
    if table is None:
        return ()
    parsed: dict[str, Formula] = {}
    for name in table.table:
        if not KEY.match(name) or normalize(name) in FUNCTIONS or normalize(name) == PANEL:
            table.problem(
                name, Message("a subtotal name must be a word (letters, digits, _) not starting with a digit")
            )
            continue
        if name in names_ok:
            table.problem(name, Message("{name!r} is already a criterion key", name=name))
            continue
        formula = read_formula(table, name, allowed=names_ok | set(table.table), what=Message("criteria or subtotals"))
        if formula is not None:
            parsed[name] = formula
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join([*trail[trail.index(name) :], name])
            table.problem(name, Message("subtotals refer to each other in a cycle: {cycle}", cycle=cycle))
            return
        state[name] = 1
        for dep in sorted(parsed[name].names & parsed.keys()):
            visit(dep, [*trail, name])
        state[name] = 2
        order.append(name)

    for name in parsed:
        visit(name, [])
    return tuple((name, parsed[name]) for name in order)


def read_formula(src: Reader | None, key: str, *, allowed: set[str], what: str) -> Formula | None:
    if src is None or not src.has(key):
        return None
    text = src.text(key, required=True, max_length=2000)
    if not text:
        return None
    try:
        formula = parse_formula(text)
    except FormulaSyntaxError as exc:
        src.problem(key, reason(exc))
        return None
    unknown = sorted(formula.names - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or Message("none")
        names = ", ".join(map(repr, unknown))
        if len(unknown) == 1:
            src.problem(
                key,
                Message("names unknown key {names}; it may use {what}: {known}", names=names, what=what, known=known),
            )
        else:
            src.problem(
                key,
                Message("names unknown keys {names}; it may use {what}: {known}", names=names, what=what, known=known),
            )
        return None
    if not formula.names:
        src.problem(key, Message("uses no key, so it would give every entrant the same score"))
        return None
    return formula


def check_weights(src: Reader, key: str, formula: Formula) -> None:
    weights = linear_weights(formula)
    if not weights:
        return
    for name, weight in weights.items():
        if weight <= 0:
            src.problem(
                key,
                Message("gives {name!r} the weight {weight}; weights must be greater than 0", name=name, weight=weight),
            )
    total = sum(weights.values(), ZERO)
    if len(weights) > 1 and all(0 < w < 1 for w in weights.values()) and total != 1 and total > Decimal("0.5"):
        terms = " + ".join(f"{w:f}" for w in weights.values())
        src.problem(key, Message("weights add up to {total:f}, not 1 (100%): {terms}", total=total, terms=terms))
