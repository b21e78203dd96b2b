"""Reading a parsed contest file into a `ContestDefinition`, checking every key and collecting every problem.

`parse_definition` (in definition.py) is the entry point; this module holds the checks, section by section.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import cast

from contest.scoring.definition import (
    COMBINE,
    KEY,
    PANEL,
    PANEL_METHODS,
    SLUG,
    Award,
    Combine,
    ContestDefinition,
    Criterion,
    MissingItems,
    PanelMethod,
    Ranking,
    Review,
    Round,
    Scoring,
)
from contest.scoring.formula import FUNCTIONS, Formula, FormulaSyntaxError, linear_weights, normalize, parse_formula
from contest.scoring.numbers import CONTEXT, ONE, ZERO
from contest.scoring.toml_reader import Reader

SCORING_KEYS = ("panel", "drop", "judge", "subtotals", "item", "round", "missing_items", "round_steps")


class DefinitionReader:
    def __init__(self, root: Reader) -> None:
        self.root = root

    def parse(self) -> ContestDefinition | None:
        root = self.root
        root.check_keys(("contest", "criteria", "scoring", "rounds", "ranking", "awards", "review"))
        head = root.table_at("contest")
        if head is None:
            root.problem("contest", "is required: a [contest] table with slug and title")
            return None
        head.check_keys(("slug", "title", "decimals", "blind", "judges", "description"))
        slug = head.text("slug", required=True)
        if slug and not SLUG.match(slug):
            head.problem("slug", f"expected lowercase letters, digits and - (like 'tea-2026'), got {slug!r}")
        title = head.text("title", required=True)
        head.text("description", max_length=5000)
        decimals = head.integer("decimals", 2, low=0, high=6) or 0
        blind = head.boolean("blind", False)
        judges = head.text_list("judges")

        criteria = self._criteria()
        keys = {c.key for c in criteria}
        base = root.table_at("scoring")
        rounds = self._rounds(criteria, base, judges)
        round_keys = {r.key for r in rounds}
        for clash in sorted(keys & round_keys):
            root.problem("rounds", f"{clash!r} names both a criterion and a round; keys must differ")
        ranking = self._ranking(keys, round_keys, rounds)
        awards = self._awards()
        review = self._review()
        return ContestDefinition(
            slug=slug,
            title=title,
            decimals=decimals,
            blind=blind,
            criteria=tuple(criteria),
            rounds=tuple(rounds),
            ranking=ranking,
            awards=tuple(awards),
            judges=judges,
            review=review,
        )

    # -- criteria ---------------------------------------------------------------------------------------------

    def _criteria(self) -> list[Criterion]:
        tables = self.root.tables("criteria")
        if not tables:
            if "criteria" not in self.root.table:
                self.root.problem("criteria", "is required: at least one [[criteria]] table")
            return []
        found: list[Criterion] = []
        seen: set[str] = set()
        for t in tables:
            t.check_keys(
                (
                    "key",
                    "label",
                    "description",
                    "min",
                    "max",
                    "step",
                    "judged",
                    "default",
                    "deduction",
                    "better",
                    "relative",
                )
            )
            key = _key(t, "key")
            if key and key in seen:
                t.problem("key", f"{key!r} is used by another criterion")
            judged = t.boolean("judged", True)
            deduction = t.boolean("deduction", False)
            relative = t.boolean("relative", False)
            if deduction and judged:
                t.problem("deduction", "a deduction is entered once by the chief judge: add judged = false")
            if relative and judged:
                t.problem("relative", "a relative (measured) criterion is entered once: add judged = false")
            if deduction and relative:
                t.problem("relative", "a deduction cannot also be relative")
            low = _bounded(t, "min", t.number("min", required=True))
            high = _bounded(t, "max", t.number("max", required=True))
            step = _bounded(t, "step", t.number("step"))
            default = _bounded(t, "default", t.number("default"))
            better = t.choice("better", "higher", ("higher", "lower"))
            if low is not None and high is not None and low >= high:
                t.problem("max", f"must be greater than min ({low}), got {high}")
            if step is not None and step <= 0:
                t.problem("step", f"must be greater than 0, got {step}")
                step = None
            ranged = low is not None and high is not None and low < high
            if step is not None and ranged and CONTEXT.remainder(high - low, step) != ZERO:  # type: ignore[operator]
                t.problem("step", f"{step} does not divide the range {low} to {high} into whole steps")
            if relative and better == "lower" and low is not None and low <= 0:
                t.problem("min", "a lower-is-better relative value (a time) must have min greater than 0")
            if default is not None and judged:
                t.problem("default", "only criteria with judged = false have a default")
                default = None
            if deduction and default is None and "default" not in t.table:
                default = ZERO
            if key is None:
                continue
            if low is None or high is None or low >= high:
                low, high, step, default = ZERO, ONE, None, None  # reported above; keeps the key known to formulas
            crit = Criterion(
                key=key,
                label=t.text("label", key),
                min=low,
                max=high,
                step=step,
                judged=judged,
                default=default,
                deduction=deduction,
                better=better,  # type: ignore[arg-type]
                relative=relative,
                description=t.text("description", max_length=2000),
            )
            if default is not None and (why := crit.problem_with(default)):
                t.problem("default", why)
            seen.add(key)
            found.append(crit)
        return found

    # -- rounds and their scoring -----------------------------------------------------------------------------

    def _rounds(self, criteria: list[Criterion], base: Reader | None, judges: tuple[str, ...] | None) -> list[Round]:
        tables = self.root.tables("rounds")
        if base is not None:
            base.check_keys(SCORING_KEYS)
        if not tables:
            tables = [Reader({"key": "main"}, "rounds[1]", self.root.problems, self.root.index)]
        rounds: list[Round] = []
        by_key = {c.key: c for c in criteria}
        for t in tables:
            t.check_keys(("key", "label", "items", "criteria", "standing", "judges", "advance", "scoring"))
            key = _key(t, "key")
            if key and any(r.key == key for r in rounds):
                t.problem("key", f"{key!r} is used by another round")
            items = t.integer("items", 1, low=1, high=1000) or 1
            listed = t.text_list("criteria")
            if listed is None:
                names = tuple(c.key for c in criteria)
            else:
                for name in listed:
                    if name not in by_key:
                        t.problem("criteria", f"{name!r} is not a criterion key; known: {', '.join(by_key)}")
                names = tuple(n for n in listed if n in by_key)
                if not listed:
                    t.problem("criteria", "a round needs at least one criterion")
            own = t.table_at("scoring")
            if own is not None:
                own.check_keys(SCORING_KEYS)
            own_judges = t.text_list("judges")
            scoring = self._scoring(own, base, [by_key[n] for n in names], own_judges or judges)
            if not any(not by_key[n].deduction for n in names):
                t.problem("criteria", "this round has nothing to score: it needs a criterion that is not a deduction")
            elif scoring.item is not None:
                used = set(scoring.item.names).union(*(f.names for _, f in scoring.subtotals))
                if scoring.judge is not None:
                    used |= scoring.judge.names
                for name in names:
                    if name not in used and not by_key[name].deduction and name not in self._tie_breakers():
                        t.problem("criteria", f"{name!r} is entered in this round but no formula uses it")
            earlier = [r.key for r in rounds]
            standing = self._formula(
                t,
                "standing",
                allowed={*earlier, *([key] if key else [])},
                what="round keys of this round and earlier ones",
            )
            if standing is not None:
                self._check_weights(t, "standing", standing)
            advance = t.integer("advance", None, low=1, high=1_000_000)
            if key is None:
                continue
            rounds.append(
                Round(
                    key=key,
                    label=t.text("label", key),
                    items=items,
                    criteria=names,
                    scoring=scoring,
                    standing=standing,
                    judges=own_judges,
                    advance=advance,
                )
            )
        if rounds and rounds[-1].advance is not None:
            self.root.problem(f"rounds[{len(rounds)}].advance", "the last round has no next round to advance to")
        return rounds

    def _scoring(
        self, own: Reader | None, base: Reader | None, criteria: list[Criterion], judges: tuple[str, ...] | None
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
        drop = self._drop(pick("drop"), panel, judges)
        judged = [c.key for c in criteria if c.judged]
        usable = [c.key for c in criteria if not c.deduction]
        src = pick("judge")
        judge = self._formula(src, "judge", allowed=set(judged), what="judged criteria") if src else None
        # subtotals: named formulas over criteria, `panel` and each other, evaluated in dependency order
        names_ok = {*usable, *([PANEL] if judge else [])}
        subtotals = self._subtotals(pick("subtotals"), names_ok)
        src = pick("item")
        allowed = names_ok | {name for name, _ in subtotals}
        if src:
            item = self._formula(src, "item", allowed=allowed, what="criteria of this round, subtotals or panel")
        else:
            default = PANEL if judge else " + ".join(usable) or "0"
            item = parse_formula(default) if usable or judge else None
        if item is not None and src is not None:
            self._check_weights(src, "item", item)
        src = pick("round")
        combine = src.choice("round", "sum", COMBINE) if src else "sum"
        src = pick("missing_items")
        missing = src.choice("missing_items", "incomplete", ("incomplete", "zero")) if src else "incomplete"
        src = pick("round_steps")
        round_steps = src.boolean("round_steps", False) if src else False
        return Scoring(
            panel=cast(PanelMethod, panel),
            drop=drop,
            judge=judge,
            subtotals=subtotals,
            item=item,
            combine=cast(Combine, combine),
            missing_items=cast(MissingItems, missing),
            round_steps=round_steps,
        )

    def _drop(self, src: Reader | None, panel: str, judges: tuple[str, ...] | None) -> int | Mapping[int, int]:
        if src is None:
            return 1 if panel.startswith("trimmed") else 0  # 去掉一个最高分和一个最低分
        raw = src.table["drop"]
        drop: int | dict[int, int]
        if isinstance(raw, dict):
            drop = {}
            for size, value in raw.items():
                if not str(size).isdigit() or isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    src.problem("drop", "a drop table maps panel sizes to whole numbers: { 5 = 1, 7 = 2 }")
                    return 0
                if 2 * value >= int(size):
                    src.problem("drop", f"a panel of {size} cannot drop {value} highest and {value} lowest")
                drop[int(size)] = value
        else:
            drop = src.integer("drop", 0, low=0, high=50) or 0
        if not panel.startswith("trimmed") and drop:
            src.problem("drop", f"only trimmed_mean and trimmed_sum drop marks, not {panel}")
        if judges is not None and panel.startswith("trimmed"):
            n = len(judges)
            d = drop if isinstance(drop, int) else drop.get(n)
            if d is None:
                src.problem("drop", f"the drop table has no entry for this panel of {n} judges")
            elif 2 * d >= n:
                src.problem("drop", f"a panel of {n} judges cannot drop {d} highest and {d} lowest")
        return drop

    def _subtotals(self, src: Reader | None, names_ok: set[str]) -> tuple[tuple[str, Formula], ...]:
        if src is None:
            return ()
        table = src.table_at("subtotals")
        if table is None:
            return ()
        parsed: dict[str, Formula] = {}
        for name in table.table:
            if not KEY.match(normalize(name)) or name in FUNCTIONS or name == PANEL:
                table.problem(name, "a subtotal name must be a word (letters, digits, _) not starting with a digit")
                continue
            if name in names_ok:
                table.problem(name, f"{name!r} is already a criterion key")
                continue
            formula = self._formula(table, name, allowed=names_ok | set(table.table), what="criteria or subtotals")
            if formula is not None:
                parsed[name] = formula
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str, trail: list[str]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                cycle = " -> ".join([*trail[trail.index(name) :], name])
                table.problem(name, f"subtotals refer to each other in a cycle: {cycle}")
                return
            state[name] = 1
            for dep in sorted(parsed[name].names & parsed.keys()):
                visit(dep, [*trail, name])
            state[name] = 2
            order.append(name)

        for name in parsed:
            visit(name, [])
        return tuple((name, parsed[name]) for name in order)

    def _formula(self, src: Reader | None, key: str, *, allowed: set[str], what: str) -> Formula | None:
        if src is None or not src.has(key):
            return None
        text = src.text(key, required=True, max_length=2000)
        if not text:
            return None
        try:
            formula = parse_formula(text)
        except FormulaSyntaxError as exc:
            src.problem(key, str(exc))
            return None
        unknown = sorted(formula.names - allowed)
        if unknown:
            known = ", ".join(sorted(allowed)) or "none"
            src.problem(
                key,
                f"names unknown {'key' if len(unknown) == 1 else 'keys'} "
                f"{', '.join(map(repr, unknown))}; it may use {what}: {known}",
            )
            return None
        if not formula.names:
            src.problem(key, "uses no key, so it would give every entrant the same score")
            return None
        return formula

    def _check_weights(self, src: Reader, key: str, formula: Formula) -> None:
        weights = linear_weights(formula)
        if not weights:
            return
        for name, weight in weights.items():
            if weight <= 0:
                src.problem(key, f"gives {name!r} the weight {weight}; weights must be greater than 0")
        total = sum(weights.values(), ZERO)
        if len(weights) > 1 and all(0 < w < 1 for w in weights.values()) and total != 1 and total > Decimal("0.5"):
            src.problem(
                key, f"weights add up to {total:f}, not 1 (100%): " + " + ".join(f"{w:f}" for w in weights.values())
            )

    def _tie_breakers(self) -> list[object]:
        ranking = self.root.table.get("ranking")
        found = ranking.get("tie_breakers") if isinstance(ranking, dict) else None
        return found if isinstance(found, list) else []

    # -- ranking and awards -----------------------------------------------------------------------------------

    def _ranking(self, criteria: set[str], round_keys: set[str], rounds: list[Round]) -> Ranking:
        t = self.root.table_at("ranking")
        if t is None:
            return Ranking()
        t.check_keys(("tie_breakers", "groups", "incomplete"))
        subtotals = {name for r in rounds for name, _ in r.scoring.subtotals}
        breakers = t.text_list("tie_breakers") or ()
        for name in breakers:
            if name not in criteria | round_keys | subtotals:
                t.problem("tie_breakers", f"{name!r} is neither a round, a criterion nor a subtotal key")
        groups = t.choice("groups", "separate", ("separate", "together"))
        incomplete = t.choice("incomplete", "unranked", ("unranked", "rank"))
        return Ranking(tie_breakers=breakers, groups=groups, incomplete=incomplete)  # type: ignore[arg-type]

    def _review(self) -> Review:
        t = self.root.table_at("review")
        if t is None:
            return Review()
        t.check_keys(("spread",))
        spread = t.number("spread", Review.spread)
        if spread is not None and spread <= 0:
            t.problem("spread", f"must be greater than 0, got {spread}")
            spread = Review.spread
        return Review(spread=spread or Review.spread)

    def _awards(self) -> list[Award]:
        awards: list[Award] = []
        for t in self.root.tables("awards"):
            t.check_keys(("name", "top", "share", "rounding", "min_total"))
            name = t.text("name", required=True, max_length=100)
            if name and any(a.name == name for a in awards):
                t.problem("name", f"{name!r} is used by another award")
            top = t.integer("top", None, low=1, high=1_000_000)
            share = t.number("share")
            if not t.has("top") and not t.has("share"):
                t.problem("top", "an award needs top = N or share = 0.1 (a fraction of the ranked entrants)")
            elif t.has("top") and t.has("share"):
                t.problem("share", "give either top or share, not both")
            if share is not None and not ZERO < share <= 1:
                t.problem("share", f"must be greater than 0 and at most 1 (0.1 = 10%), got {share}")
            rounding = t.choice("rounding", "down", ("down", "half_up", "up"))
            min_total = t.number("min_total")
            if name:
                awards.append(
                    Award(
                        name=name,
                        top=top,
                        share=share,
                        rounding=rounding,  # type: ignore[arg-type]
                        min_total=min_total,
                    )
                )
        return awards


def _key(t: Reader, field: str) -> str | None:
    raw = t.text(field, required=True, max_length=64)
    if not raw:
        return None
    key = normalize(raw)
    if not KEY.match(key) or key in FUNCTIONS or key == PANEL:
        t.problem(
            field,
            f"{raw!r} is not a usable key: a word of letters (Chinese too), digits and _, "
            "not starting with a digit, and not min, max, abs or panel",
        )
        return None
    return key


LIMIT = Decimal("1e15")


def _bounded(t: Reader, key: str, value: Decimal | None) -> Decimal | None:
    """A number a score can be: below 10^15 in size and with at most 12 decimal places; else a problem, None."""
    if value is None:
        return None
    if abs(value) >= LIMIT or value.as_tuple().exponent < -12:  # type: ignore[operator]
        t.problem(key, f"must be smaller than 10^15 with at most 12 decimal places, got {value}")
        return None
    return value
