"""The contest definition: frozen, typed values parsed from one TOML file and validated as a whole.

`parse_definition(text)` returns a `ContestDefinition` or raises `DefinitionError` listing every problem at once,
each with its key path (arrays counted from 1), its line where it can be found, and what was expected.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from contest.scoring.errors import DefinitionError, Problem
from contest.scoring.formula import Formula
from contest.scoring.messages import Message
from contest.scoring.numbers import CONTEXT, ZERO
from contest.scoring.panels import Panels
from contest.scoring.toml_reader import LineIndex, Reader

PanelMethod = Literal["mean", "median", "sum", "trimmed_mean", "trimmed_sum"]
Combine = Literal["sum", "mean", "best"]
MissingItems = Literal["incomplete", "zero"]
Normalize = Literal["none", "zscore", "rank"]
NORMALIZE: tuple[str, ...] = ("none", "zscore", "rank")
PANEL_METHODS: tuple[str, ...] = ("mean", "median", "sum", "trimmed_mean", "trimmed_sum")
COMBINE: tuple[str, ...] = ("sum", "mean", "best")
PANEL = "panel"  # the name under which the panel's combination of judge totals enters item formulas
MAX_PLACES = 12  # a mark with more decimal places is a typo or an attack, never a score
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KEY = re.compile(r"^[^\W\d]\w{0,63}$")


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    min: Decimal
    max: Decimal
    step: Decimal | None = None
    judged: bool = True
    default: Decimal | None = None
    deduction: bool = False  # subtracted from the item after its formula; entered by the chief judge
    better: Literal["higher", "lower"] = "higher"
    relative: bool = False  # formulas see value/best (lower is better: best/value) over the field
    description: str = ""
    judges: tuple[str, ...] | None = None  # its own team (aspect judges) in every round; None: the round's panel

    def problem_with(self, value: Decimal) -> str | None:
        """Why `value` cannot be a mark for this criterion, or None when it can."""
        if not value.is_finite():
            return Message("must be a finite number")
        if value.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
            return Message("has more than {places} decimal places", places=MAX_PLACES)
        if value < self.min or value > self.max:
            return Message("must be from {min} to {max}, got {value}", min=self.min, max=self.max, value=value)
        if self.step is not None and CONTEXT.remainder(value - self.min, self.step) != ZERO:
            return Message(
                "must be a multiple of {step} from {min}, got {value}", step=self.step, min=self.min, value=value
            )
        return None


@dataclass(frozen=True)
class Scoring:
    """How one round turns marks into item scores and a round total."""

    panel: PanelMethod = "mean"
    drop: int | Mapping[int, int] = 0  # trimmed_*: per side; a table maps panel size -> drop
    judge: Formula | None = None  # each judge's own total, then the panel combines those totals
    subtotals: tuple[tuple[str, Formula], ...] = ()  # named steps, in evaluation order
    item: Formula | None = None
    combine: Combine = "sum"
    missing_items: MissingItems = "incomplete"
    round_steps: bool = False  # round every step (judge total, panel, item, round) to `decimals`
    panel_size: int | None = None  # each item is judged by this many of the round's judges (its own panel)
    normalize: Normalize = "none"  # rescale each judge's marks (per criterion, in the round) before combining

    def drop_for(self, panel_size: int) -> int | None:
        if isinstance(self.drop, int):
            return self.drop
        return self.drop.get(panel_size)


@dataclass(frozen=True)
class Round:
    key: str
    label: str
    items: int
    criteria: tuple[str, ...]
    scoring: Scoring
    standing: Formula | None = None  # over round keys; None: this round alone
    judges: tuple[str, ...] | None = None  # the panel; None: the contest's, else whoever marked
    advance: int | None = None  # the top N of this round's standing go on to the next round
    criterion_judges: Mapping[str, tuple[str, ...]] | None = None  # criterion -> its own team in this round

    def team(self, criterion: Criterion) -> tuple[str, ...] | None:
        """The judges of this criterion in this round when it has its own team (aspect judges), else None."""
        own = (self.criterion_judges or {}).get(criterion.key)
        return own if own is not None else criterion.judges

    @property
    def standing_rounds(self) -> tuple[str, ...]:
        return tuple(sorted(self.standing.names)) if self.standing else (self.key,)


@dataclass(frozen=True)
class Award:
    name: str
    top: int | None = None
    share: Decimal | None = None
    rounding: Literal["down", "half_up", "up"] = "down"
    min_total: Decimal | None = None


@dataclass(frozen=True)
class Ranking:
    tie_breakers: tuple[str, ...] = ()
    groups: Literal["separate", "together"] = "separate"
    incomplete: Literal["unranked", "rank"] = "unranked"


@dataclass(frozen=True)
class Review:
    """What the chief judge's page flags: a judge's mark more than `spread` from the panel's median."""

    spread: Decimal = Decimal(2)


@dataclass(frozen=True)
class ContestDefinition:
    slug: str
    title: str
    decimals: int
    blind: bool
    criteria: tuple[Criterion, ...]
    rounds: tuple[Round, ...]
    ranking: Ranking
    awards: tuple[Award, ...]
    judges: tuple[str, ...] | None = None
    review: Review = Review()
    panels: Panels = field(default_factory=Panels)  # named panels, assignments and recusal (contest/scoring/panels.py)

    def criterion(self, key: str) -> Criterion:
        return next(c for c in self.criteria if c.key == key)

    def round(self, key: str) -> Round:
        return next(r for r in self.rounds if r.key == key)

    def has_round(self, key: str) -> bool:
        return any(r.key == key for r in self.rounds)

    def panel(self, round_key: str) -> tuple[str, ...] | None:
        return self.round(round_key).judges or self.judges

    def standing_rounds(self, round_key: str) -> tuple[str, ...]:
        """The rounds a standing adds up, in the order the contest declares them."""
        names = set(self.round(round_key).standing_rounds)
        return tuple(r.key for r in self.rounds if r.key in names)


def parse_definition(text: str) -> ContestDefinition:
    """Parse and validate a contest file; raise DefinitionError with every problem found."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        problem = Problem("", Message("not valid {format}: nested too deeply", format="TOML"))
        raise DefinitionError([problem], title=Message("invalid contest file")) from None
    except tomllib.TOMLDecodeError as exc:
        line = _line_of(str(exc))
        problem = Problem("", Message("not valid {format}: {error}", format="TOML", error=str(exc)), line)
        raise DefinitionError([problem], title=Message("invalid contest file")) from None
    from contest.scoring.definition_reader import DefinitionReader  # reads into the types above

    problems: list[Problem] = []
    definition = DefinitionReader(Reader(data, "", problems, LineIndex(text))).parse()
    if problems or definition is None:
        raise DefinitionError(problems, title=Message("invalid contest file"))
    return definition


def _line_of(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None
