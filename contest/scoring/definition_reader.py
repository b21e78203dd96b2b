"""Reading a parsed contest file into a `ContestDefinition`, checking every key and collecting every problem.

`parse_definition` (in definition.py) is the entry point; this module holds the checks, section by section.
"""

from __future__ import annotations

from decimal import Decimal

from contest.scoring.definition import (
    KEY,
    PANEL,
    SLUG,
    Award,
    ContestDefinition,
    Criterion,
    Ranking,
    Review,
    Round,
)
from contest.scoring.formula import FUNCTIONS, normalize
from contest.scoring.messages import Message
from contest.scoring.numbers import CONTEXT, MAX_ITEM, ONE, ZERO
from contest.scoring.panels_reader import TOP_KEYS as PANEL_KEYS
from contest.scoring.panels_reader import read_panels
from contest.scoring.scoring_reader import SCORING_KEYS, check_weights, read_formula, read_scoring
from contest.scoring.teams_reader import check_teams_on_panels, read_team, read_teams
from contest.scoring.toml_reader import Reader


class DefinitionReader:
    def __init__(self, root: Reader) -> None:
        self.root = root

    def parse(self) -> ContestDefinition | None:
        root = self.root
        root.check_keys(("contest", "criteria", "scoring", "rounds", "ranking", "awards", "review", *PANEL_KEYS))
        head = root.table_at("contest")
        if head is None:
            root.problem(
                "contest",
                Message(
                    "is required: a {table} table with {slug} and {title}",
                    table="[contest]",
                    slug="slug",
                    title="title",
                ),
            )
            return None
        head.check_keys(("slug", "title", "decimals", "blind", "judges", "description"))
        slug = head.text("slug", required=True)
        if slug and not SLUG.match(slug):
            head.problem(
                "slug",
                Message(
                    "expected lowercase letters, digits and - (like {example!r}), got {slug!r}",
                    example="tea-2026",
                    slug=slug,
                ),
            )
        title = head.text("title", required=True)
        head.text("description", max_length=5000, lines=True)
        decimals = head.integer("decimals", 2, low=0, high=6) or 0
        blind = head.boolean("blind", False)
        judges = head.text_list("judges")

        criteria = self._criteria()
        keys = {c.key for c in criteria}
        base = root.table_at("scoring")
        rounds = self._rounds(criteria, base, judges)
        round_keys = {r.key for r in rounds}
        for clash in sorted({normalize(k) for k in keys} & {normalize(k) for k in round_keys}):  # 外形１ is 外形1
            root.problem("rounds", Message("{key!r} names both a criterion and a round; keys must differ", key=clash))
        ranking = self._ranking(keys, round_keys, rounds)
        awards = self._awards()
        review = self._review()
        panels = read_panels(root, rounds, criteria, judges)
        check_teams_on_panels(root, criteria, rounds, judges)
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
            panels=panels,
        )

    # -- criteria ---------------------------------------------------------------------------------------------

    def _criteria(self) -> list[Criterion]:
        tables = self.root.tables("criteria")
        if not tables:
            if "criteria" not in self.root.table:
                self.root.problem("criteria", Message("is required: at least one {table} table", table="[[criteria]]"))
            return []
        found: list[Criterion] = []
        seen: set[str] = set()
        folded: dict[str, str] = {}  # NFKC form -> the key: 外形１ and 外形1 read alike, so both are refused
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
                    "judges",
                )
            )
            key = _key(t, "key")
            if key and key in seen:
                t.problem("key", Message("{key!r} is used by another criterion", key=key))
            elif key and normalize(key) in folded:
                twin = folded[normalize(key)]
                t.problem(
                    "key",
                    Message(
                        "{key!r} and the key {other!r} differ only in full-width or compatibility characters; "
                        "keys must differ in more than that",
                        key=key,
                        other=twin,
                    ),
                )
            judged = t.boolean("judged", True)
            deduction = t.boolean("deduction", False)
            relative = t.boolean("relative", False)
            if deduction and judged:
                t.problem(
                    "deduction",
                    Message("a deduction is entered once by the chief judge: add {fix}", fix="judged = false"),
                )
            if relative and judged:
                t.problem(
                    "relative",
                    Message("a relative (measured) criterion is entered once: add {fix}", fix="judged = false"),
                )
            if deduction and relative:
                t.problem("relative", Message("a deduction cannot also be relative"))
            low = _bounded(t, "min", t.number("min", required=True))
            high = _bounded(t, "max", t.number("max", required=True))
            step = _bounded(t, "step", t.number("step"))
            default = _bounded(t, "default", t.number("default"))
            better = t.choice("better", "higher", ("higher", "lower"))
            if low is not None and high is not None and low >= high:
                t.problem("max", Message("must be greater than min ({min}), got {value}", min=low, value=high))
            if step is not None and step <= 0:
                t.problem("step", Message("must be greater than 0, got {value}", value=step))
                step = None
            ranged = low is not None and high is not None and low < high
            if step is not None and ranged and CONTEXT.remainder(high - low, step) != ZERO:  # type: ignore[operator]
                t.problem(
                    "step",
                    Message(
                        "{step} does not divide the range {min} to {max} into whole steps", step=step, min=low, max=high
                    ),
                )
            if relative and better == "lower" and low is not None and low <= 0:
                t.problem(
                    "min",
                    Message("a lower-is-better relative value (a time) must have {key} greater than 0", key="min"),
                )
            if default is not None and judged:
                t.problem("default", Message("only criteria with {setting} have a default", setting="judged = false"))
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
                description=t.text("description", max_length=2000, lines=True),
                judges=read_team(t, "judges", judged),
            )
            if default is not None and (why := crit.problem_with(default)):
                t.problem("default", why)
            seen.add(key)
            folded.setdefault(normalize(key), key)
            found.append(crit)
        return found

    # -- rounds and their scoring -----------------------------------------------------------------------------

    def _rounds(self, criteria: list[Criterion], base: Reader | None, judges: tuple[str, ...] | None) -> list[Round]:
        tables = self.root.tables("rounds")
        if base is not None:
            base.check_keys(SCORING_KEYS)
        implicit = not tables  # a contest of one round names none: its round is `main`, labelled for people
        if implicit:
            tables = [Reader({"key": "main"}, "rounds[1]", self.root.problems, self.root.index)]
        rounds: list[Round] = []
        by_key = {c.key: c for c in criteria}
        for t in tables:
            t.check_keys(
                ("key", "label", "items", "criteria", "standing", "judges", "advance", "scoring", "criterion_judges")
            )
            key = _key(t, "key")
            if key and any(normalize(r.key) == normalize(key) for r in rounds):
                t.problem("key", Message("{key!r} is used by another round", key=key))
            items = t.integer("items", 1, low=1, high=MAX_ITEM) or 1
            listed = t.text_list("criteria")
            if listed is None:
                names = tuple(c.key for c in criteria)
            else:
                for name in listed:
                    if name not in by_key:
                        t.problem(
                            "criteria",
                            Message(
                                "{name!r} is not a criterion key; known: {known}", name=name, known=", ".join(by_key)
                            ),
                        )
                names = tuple(n for n in listed if n in by_key)
                if not listed:
                    t.problem("criteria", Message("a round needs at least one criterion"))
            own = t.table_at("scoring")
            if own is not None:
                own.check_keys(SCORING_KEYS)
            own_judges = t.text_list("judges")
            scoring = read_scoring(own, base, [by_key[n] for n in names], own_judges or judges)
            teams = read_teams(t, [by_key[n] for n in names], scoring)
            if not any(not by_key[n].deduction for n in names):
                t.problem(
                    "criteria",
                    Message("this round has nothing to score: it needs a criterion that is not a deduction"),
                )
            elif scoring.item is not None:
                used = set(scoring.item.names).union(*(f.names for _, f in scoring.subtotals))
                if scoring.judge is not None:
                    used |= scoring.judge.names
                for name in names:
                    if name not in used and not by_key[name].deduction and name not in self._tie_breakers():
                        t.problem(
                            "criteria", Message("{name!r} is entered in this round but no formula uses it", name=name)
                        )
            earlier = [r.key for r in rounds]
            standing = read_formula(
                t,
                "standing",
                allowed={*earlier, *([key] if key else [])},
                what=Message("round keys of this round and earlier ones"),
            )
            if standing is not None:
                check_weights(t, "standing", standing)
            advance = t.integer("advance", None, low=1, high=1_000_000)
            if key is None:
                continue
            rounds.append(
                Round(
                    key=key,
                    label=Message("Score") if implicit else t.text("label", key),
                    items=items,
                    criteria=names,
                    scoring=scoring,
                    standing=standing,
                    judges=own_judges,
                    advance=advance,
                    criterion_judges=teams,
                )
            )
        if rounds and rounds[-1].advance is not None:
            self.root.problem(
                f"rounds[{len(rounds)}].advance", Message("the last round has no next round to advance to")
            )
        return rounds

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
                t.problem(
                    "tie_breakers", Message("{name!r} is neither a round, a criterion nor a subtotal key", name=name)
                )
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
            t.problem("spread", Message("must be greater than 0, got {value}", value=spread))
            spread = Review.spread
        return Review(spread=spread or Review.spread)

    def _awards(self) -> list[Award]:
        awards: list[Award] = []
        for t in self.root.tables("awards"):
            t.check_keys(("name", "top", "share", "rounding", "min_total"))
            name = t.text("name", required=True, max_length=100)
            if name and any(a.name == name for a in awards):
                t.problem("name", Message("{name!r} is used by another award", name=name))
            top = t.integer("top", None, low=1, high=1_000_000)
            share = t.number("share")
            if not t.has("top") and not t.has("share"):
                t.problem(
                    "top",
                    Message(
                        "an award needs {top} or {share} (a fraction of the ranked entrants)",
                        top="top = N",
                        share="share = 0.1",
                    ),
                )
            elif t.has("top") and t.has("share"):
                t.problem("share", Message("give either {top} or {share}, not both", top="top", share="share"))
            if share is not None and not ZERO < share <= 1:
                t.problem(
                    "share", Message("must be greater than 0 and at most 1 (0.1 = 10%), got {value}", value=share)
                )
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
    key = raw  # as written: formulas and marks name it so (only checks compare NFKC forms: ｍｉｎ is min)
    if not KEY.match(key) or normalize(key) in FUNCTIONS or normalize(key) == PANEL:
        t.problem(
            field,
            Message(
                "{key!r} is not a usable key: a word of letters (Chinese too), digits and _, "
                "not starting with a digit, and not {min}, {max}, {abs} or {panel}",
                key=raw,
                min="min",
                max="max",
                abs="abs",
                panel=PANEL,
            ),
        )
        return None
    return key


LIMIT = Decimal("1e15")


def _bounded(t: Reader, key: str, value: Decimal | None) -> Decimal | None:
    """A number a score can be: below 10^15 in size and with at most 12 decimal places; else a problem, None."""
    if value is None:
        return None
    if abs(value) >= LIMIT or value.as_tuple().exponent < -12:  # type: ignore[operator]
        t.problem(key, Message("must be smaller than 10^15 with at most 12 decimal places, got {value}", value=value))
        return None
    return value
