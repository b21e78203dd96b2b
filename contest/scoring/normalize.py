"""Normalising judges' marks within a round (`normalize = "zscore" | "rank"`), before each item's panel combines them.

Each judge's marks are rescaled per criterion, over every mark that judge gave on that criterion in the round (all
entrants and items, all groups), so that a harsh judge and a lenient one, or panels over two halves of the field,
rank on one scale. A normalised value depends only on the judge, the criterion and the raw value, so the scale of
a round is a table (criterion, judge) -> raw value -> normalised value.

- zscore: z = (x - m) / s with m and s the mean and standard deviation of that judge's marks (population: divided
  by their count n), mapped back to the round's scale: M + S * z, where M and S are the mean and (population)
  standard deviation of all the round's marks on that criterion, every judge's together. Computed as
  M + S * (n*x - sum) / (n * s); a judge with one mark, or with all marks equal (s = 0), gives M for each; a round
  whose marks are all equal (S = 0) gives M to everyone. Values are not clipped to the criterion's min and max.
- rank: the judge's marks ranked from lowest (1) to highest (n), tied marks sharing the mean of the ranks they
  span, then placed on the criterion's scale: min + (max - min) * (rank - 1) / (n - 1). The judge's lowest mark
  becomes the criterion's min, the highest its max; a judge with one mark, or all marks equal, gives the midpoint.

Arithmetic: sums of marks are exact; the square roots (`Decimal.sqrt`) and divisions run in the core's 50-digit
`CONTEXT`, and each normalised value is then rounded half-up to `PLACES` (10) decimal places: that rounded value
is what the panel combines, what `--explain` shows, and the same offline and on the board.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from contest.scoring.definition import ContestDefinition, Round
from contest.scoring.item_panels import CriterionPanel
from contest.scoring.marks import MarkSheet
from contest.scoring.messages import Message
from contest.scoring.numbers import CONTEXT, ZERO, plain

PLACES = 10
QUANTUM = Decimal(1).scaleb(-PLACES)
_TWO = Decimal(2)

Table = dict[tuple[str, str], dict[Decimal, Decimal]]  # (criterion, judge) -> raw -> normalised


@dataclass(frozen=True)
class Scale:
    """One round's normalisation: every judge's raw marks and what they become, per criterion."""

    method: str
    table: Table = field(default_factory=dict)

    def apply(self, criterion: str, given: Mapping[str, Decimal] | None) -> dict[str, Decimal] | None:
        """The judges' normalised values of one item's criterion (a judge the table does not know: as given)."""
        if given is None:
            return None
        table = self.table
        out: dict[str, Decimal] = {}
        for judge, value in given.items():
            own = table.get((criterion, judge))
            out[judge] = own.get(value, value) if own is not None else value
        return out


def _q(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT)


Sums = tuple[int, Decimal, Decimal]  # n, sum of x, sum of x^2: exact for marks (at most 12 places, below 10^15)


def _sums(values: list[Decimal]) -> Sums:
    with localcontext(CONTEXT):
        return len(values), sum(values, ZERO), sum([x * x for x in values], ZERO)


def _deviation(sums: Sums) -> Decimal:
    """The population standard deviation, the variance from exact sums: (n * sum(x^2) - sum(x)^2) / n^2."""
    n, total, squares = sums
    spread = CONTEXT.subtract(CONTEXT.multiply(n, squares), CONTEXT.multiply(total, total))
    variance = CONTEXT.divide(spread, n * n)
    return CONTEXT.sqrt(variance) if variance > 0 else ZERO


def _zscores(values: list[Decimal], sums: Sums, mean: Decimal, deviation: Decimal) -> dict[Decimal, Decimal]:
    n, total, _ = sums
    own = _deviation(sums)
    if own == 0:
        return dict.fromkeys(values, _q(mean))
    scale = CONTEXT.multiply(n, own)
    return {
        x: _q(
            CONTEXT.add(
                mean,
                CONTEXT.divide(CONTEXT.multiply(deviation, CONTEXT.subtract(CONTEXT.multiply(n, x), total)), scale),
            )
        )
        for x in set(values)  # each distinct value once: a judge gives the same mark to many
    }


def _ranks(values: list[Decimal], low: Decimal, high: Decimal) -> dict[Decimal, Decimal]:
    """values sorted ascending; the mid-rank of each distinct value placed on [low, high]."""
    n = len(values)
    width = high - low
    if n == 1:
        return {values[0]: _q(CONTEXT.divide(low + high, _TWO))}
    out: dict[Decimal, Decimal] = {}
    start = 0
    while start < n:
        end = start
        while end + 1 < n and values[end + 1] == values[start]:
            end += 1
        # ranks start+1 .. end+1 share their mean; (rank - 1) = (start + end) / 2
        position = CONTEXT.divide(Decimal(start + end), Decimal(2 * (n - 1)))
        out[values[start]] = _q(CONTEXT.add(low, CONTEXT.multiply(width, position)))
        start = end + 1
    return out


def round_scale(
    method: str,
    bounds: Mapping[str, tuple[Decimal, Decimal]],
    marks: Iterable[tuple[str, str, Decimal]],
) -> Scale:
    """The scale of one round from its marks, (criterion, judge, value) each; `bounds` gives each judged
    criterion's (min, max), the scale of rank normalisation."""
    by_judge: dict[tuple[str, str], list[Decimal]] = {}
    for criterion, judge, value in marks:
        by_judge.setdefault((criterion, judge), []).append(value)
    for values in by_judge.values():
        values.sort()
    table: Table = {}
    if method == "zscore":
        sums = {at: _sums(values) for at, values in by_judge.items()}
        moments: dict[str, tuple[Decimal, Decimal]] = {}
        for criterion in {c for c, _ in by_judge}:
            # the round's marks on the criterion: every judge's sums added up, in judge order
            parts = [sums[at] for at in sorted(by_judge) if at[0] == criterion]
            with localcontext(CONTEXT):
                whole = (sum(p[0] for p in parts), sum([p[1] for p in parts], ZERO), sum([p[2] for p in parts], ZERO))
            moments[criterion] = (CONTEXT.divide(whole[1], whole[0]), _deviation(whole))
        for at, values in by_judge.items():
            mean, deviation = moments[at[0]]
            table[at] = _zscores(values, sums[at], mean, deviation)
    elif method == "rank":
        for (criterion, judge), values in by_judge.items():
            low, high = bounds[criterion]
            table[(criterion, judge)] = _ranks(values, low, high)
    return Scale(method, table)


def normalised_detail(
    method: str, panel: Iterable[str], raw: Mapping[str, Decimal], given: Mapping[str, Decimal]
) -> str:
    """An explanation's line for one item's criterion: each judge's raw mark and its normalised value."""
    shown = ", ".join(f"{j} {plain(raw[j])} → {plain(given[j])}" for j in panel)
    return Message("normalised ({method}): {marks}", method=method, marks=shown)


def sheet_scale(
    definition: ContestDefinition, rnd: Round, rules: Mapping[str, CriterionPanel], sheet: MarkSheet
) -> Scale:
    """The scale of a normalised round from every mark the sheet holds in it (of judges on each criterion's
    panel or pool)."""

    def marks() -> Iterator[tuple[str, str, Decimal]]:
        for code in sheet.entrants():
            for (_, criterion), given in sheet.entrant(code).get(rnd.key, {}).items():
                rule = rules.get(criterion)
                if rule is None:
                    continue
                for judge, value in given.items():
                    if judge and (not rule.members or judge in rule.members):
                        yield criterion, judge, value

    bounds = {key: (definition.criterion(key).min, definition.criterion(key).max) for key in rules}
    return round_scale(rnd.scoring.normalize, bounds, marks())
