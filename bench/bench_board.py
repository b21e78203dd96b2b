"""Board speed: building a standing from all marks, and reflecting one new mark on the top-50 screen.

A synthetic contest (5 judges, 5 judged criteria 0-10 step 0.5, trimmed mean dropping 1 high and 1 low, a
weighted item, rounds r1 and r2 with the standing r1*0.4 + r2*0.6, one tie-breaker, three awards) with
deterministic random marks. For each size it times

* MarkSheet(marks)                         -- stands for loading the marks from the database
* Board(definition, "r2", entrants, sheet) -- the headline figure
* one new mark reflected: sheet.put(mark); board.update([code]); board.rows(limit=50); json.dumps(top 50)

and the same for a contest with a relative criterion (sales / best of the field), where a new best rescores the
whole group. It checks the board as it goes: rows sorted and ranked, totals equal to an independent exact
computation (fractions), and after the updates a fresh Board equal, row for row, to the incrementally updated one.

    .venv/bin/python bench/bench_board.py                       # 1,000 / 10,000 / 100,000 entrants
    .venv/bin/python bench/bench_board.py --sizes 1000,10000 --json out.json
    .venv/bin/python bench/bench_board.py --help

Exit status 1 when a correctness check fails (the message says how to reproduce it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import partial
from operator import itemgetter
from typing import Any

from contest.exports.tables import as_json
from contest.scoring import Board, Entrant, Mark, MarkSheet, Row, parse_definition
from contest.scoring.definition import ContestDefinition

JUDGES = ("J1", "J2", "J3", "J4", "J5")
CRITERIA = ("c1", "c2", "c3", "c4", "c5")
WEIGHTS = {
    "c1": Fraction("0.3"),
    "c2": Fraction("0.2"),
    "c3": Fraction("0.2"),
    "c4": Fraction("0.2"),
    "c5": Fraction("0.1"),
}
REL_WEIGHTS = {
    "c1": Fraction("0.3"),
    "c2": Fraction("0.2"),
    "c3": Fraction("0.2"),
    "c4": Fraction("0.1"),
    "c5": Fraction("0.1"),
}
ROUNDS = ("r1", "r2")
STANDING = {"r1": Fraction("0.4"), "r2": Fraction("0.6")}
STEP_VALUES = [Decimal(f"{i / 2:.1f}") for i in range(21)]  # 0.0, 0.5, ... 10.0

_CRITERIA_TOML = "".join(
    f"""
[[criteria]]
key = "{key}"
label = "Criterion {key}"
min = 0
max = 10
step = 0.5
"""
    for key in CRITERIA
)

CONTEST_TOML = f"""
[contest]
slug = "bench-board"
title = "Synthetic contest for bench_board.py"
decimals = 2
judges = ["J1", "J2", "J3", "J4", "J5"]
{_CRITERIA_TOML}
[scoring]
panel = "trimmed_mean"
drop = 1
item = "0.3*c1 + 0.2*c2 + 0.2*c3 + 0.2*c4 + 0.1*c5"

[[rounds]]
key = "r1"
items = 1

[[rounds]]
key = "r2"
items = 1
standing = "r1*0.4 + r2*0.6"

[ranking]
tie_breakers = ["c1"]

[[awards]]
name = "gold"
top = 1

[[awards]]
name = "silver"
share = 0.1

[[awards]]
name = "bronze"
share = 0.2
"""

# The same contest, except that r2 also scores sales relative to the best of the field (value / best, 0..1).
RELATIVE_TOML = (
    CONTEST_TOML.replace('slug = "bench-board"', 'slug = "bench-board-relative"')
    .replace(
        "\n[scoring]",
        """
[[criteria]]
key = "sales"
label = "Sales (relative to the best)"
judged = false
relative = true
min = 0
max = 100000000
step = 0.01

[scoring]""",
    )
    .replace(
        'key = "r1"\nitems = 1\n',
        'key = "r1"\nitems = 1\ncriteria = ["c1", "c2", "c3", "c4", "c5"]\n',
    )
    .replace(
        'standing = "r1*0.4 + r2*0.6"\n',
        'standing = "r1*0.4 + r2*0.6"\n[rounds.scoring]\nitem = "0.3*c1 + 0.2*c2 + 0.2*c3 + 0.1*c4 + 0.1*c5 + sales"\n',
    )
)


def relative_definition() -> ContestDefinition:
    """RELATIVE_TOML parsed, making sure the text substitutions above all took."""
    definition = parse_definition(RELATIVE_TOML)
    assert definition.round("r1").criteria == CRITERIA, "r1 must not score sales"
    assert definition.round("r2").criteria == (*CRITERIA, "sales"), "r2 must score sales"
    assert definition.criterion("sales").relative
    item = definition.round("r2").scoring.item
    assert item is not None and "sales" in item.names
    return definition


# -- synthetic data ------------------------------------------------------------------------------------------


@dataclass
class Field:
    """The synthetic entrants and their marks, and what the update generator needs to know about them."""

    entrants: list[Entrant]
    marks: list[Mark]
    missing: dict[str, Mark]  # entrant -> the one r2 mark it lacks (incomplete on the board)
    no_r2: list[str]  # entrants with r1 marks only (not on the r2 board)
    values: dict[tuple[str, str, str, str], Decimal]  # (entrant, round, criterion, judge) -> current value
    best_sales: Decimal = Decimal(0)


def make_field(n: int, seed: int, *, relative: bool, groups: Sequence[str] = ("",)) -> Field:
    """n entrants; about 1% miss one r2 mark, about 0.5% have no r2 marks at all (r1 only)."""
    rng = random.Random(seed)
    entrants: list[Entrant] = []
    marks: list[Mark] = []
    missing: dict[str, Mark] = {}
    no_r2: list[str] = []
    values: dict[tuple[str, str, str, str], Decimal] = {}
    best = Decimal(0)
    for i in range(n):
        code = f"E{i:06d}"
        entrants.append(Entrant(code, f"选手{i}", f"单位{i % 300:03d}", groups[i % len(groups)]))
        skill = rng.gauss(6.5, 1.2)
        skip_r2 = rng.random() < 0.005
        hole = rng.randrange(25) if not skip_r2 and rng.random() < 0.01 else -1
        for rnd in ROUNDS:
            if rnd == "r2" and skip_r2:
                no_r2.append(code)
                continue
            slot = 0
            for crit in CRITERIA:
                bias = rng.gauss(0, 0.6)
                for judge in JUDGES:
                    step = round(2 * (skill + bias + rng.gauss(0, 0.7)))
                    mark = Mark(code, rnd, 1, crit, judge, STEP_VALUES[min(20, max(0, step))])
                    if rnd == "r2" and slot == hole:
                        missing[code] = mark
                    else:
                        marks.append(mark)
                        values[(code, rnd, crit, judge)] = mark.value
                    slot += 1
            if relative and rnd == "r2":
                sales = Decimal(f"{rng.lognormvariate(10, 1):.2f}")
                best = max(best, sales)
                marks.append(Mark(code, rnd, 1, "sales", "", sales))
                values[(code, rnd, "sales", "")] = sales
    return Field(entrants, marks, missing, no_r2, values, best)


@dataclass
class Update:
    kind: str
    mark: Mark


def judged_change(rng: random.Random, fld: Field, n: int) -> Update:
    """A judge corrects one mark of a random entrant (any round it has marks in)."""
    while True:
        code = f"E{rng.randrange(n):06d}"
        rnd = rng.choice(ROUNDS)
        crit, judge = rng.choice(CRITERIA), rng.choice(JUDGES)
        old = fld.values.get((code, rnd, crit, judge))
        if old is None:
            continue
        new = rng.choice([v for v in STEP_VALUES if v != old])
        fld.values[(code, rnd, crit, judge)] = new
        return Update("judged mark changed", Mark(code, rnd, 1, crit, judge, new))


def main_updates(rng: random.Random, fld: Field, n: int, count: int) -> list[Update]:
    """90% corrections, 5% a missing mark filled in (entrant completes), 5% a first r2 mark (entrant appears)."""
    out: list[Update] = []
    holes = sorted(fld.missing)
    rng.shuffle(holes)
    newcomers = list(fld.no_r2)
    rng.shuffle(newcomers)
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05 and holes:
            mark = fld.missing.pop(holes.pop())
            fld.values[(mark.entrant, mark.round, mark.criterion, mark.judge)] = mark.value
            out.append(Update("missing mark filled", mark))
        elif roll < 0.10 and newcomers:
            code = newcomers.pop()
            mark = Mark(code, "r2", 1, rng.choice(CRITERIA), rng.choice(JUDGES), rng.choice(STEP_VALUES))
            fld.values[(code, "r2", mark.criterion, mark.judge)] = mark.value
            out.append(Update("first r2 mark", mark))
        else:
            out.append(judged_change(rng, fld, n))
    return out


def sales_update(rng: random.Random, fld: Field, n: int, *, new_best: bool) -> Update:
    while True:
        code = f"E{rng.randrange(n):06d}"
        key = (code, "r2", "sales", "")
        old = fld.values.get(key)
        if old is None or old == fld.best_sales:
            continue
        if new_best:
            new = fld.best_sales + Decimal("1.00")
            fld.best_sales = new
        else:
            new = Decimal(f"{rng.uniform(0, float(fld.best_sales) * 0.9):.2f}")
        fld.values[key] = new
        return Update(
            "sales: new best (group rebuilt)" if new_best else "sales below the best",
            Mark(*key[:2], 1, "sales", "", new),
        )


def best_corrected_down(fld: Field, members: set[str]) -> Mark:
    """The best sales figure among `members` halved: the best falls to the next holder."""
    value, code = max((v, c) for (c, _, k, _), v in fld.values.items() if k == "sales" and c in members)
    lower = (value / 2).quantize(Decimal("0.01"))
    fld.values[(code, "r2", "sales", "")] = lower
    return Mark(code, "r2", 1, "sales", "", lower)


# -- reference: the same standing computed independently with fractions ---------------------------------------


def half_up(x: Fraction, places: int = 2) -> Decimal:
    scaled = x * 10**places
    whole = (scaled + Fraction(1, 2)).__floor__() if scaled >= 0 else -((-scaled + Fraction(1, 2)).__floor__())
    return Decimal(whole).scaleb(-places)


def reference_rows(sheet: MarkSheet, relative: bool) -> tuple[list[tuple[str, Decimal, Decimal]], set[str]]:
    """(ranked [(code, total, c1 breaker)] in expected order, incomplete codes) for the r2 standing."""
    best = Fraction(0)
    if relative:
        for code in sheet.entrants():
            figure = sheet.entrant(code).get("r2", {}).get((1, "sales"), {}).get("")
            if figure is not None:
                best = max(best, Fraction(figure))
    ranked: list[tuple[tuple[Decimal, Decimal, str], str, Decimal, Decimal]] = []
    incomplete: set[str] = set()
    for code in sheet.entrants():
        marks = sheet.entrant(code)
        if not marks.get("r2"):
            continue
        totals: dict[str, Fraction] = {}
        c1 = Fraction(0)
        complete = True
        for rnd in ROUNDS:
            own = marks.get(rnd, {})
            item = Fraction(0)
            for crit in CRITERIA:
                given = own.get((1, crit), {})
                row = [given.get(j) for j in JUDGES]
                if any(v is None for v in row):
                    complete = False
                    break
                kept = sorted(Fraction(v) for v in row if v is not None)[1:-1]
                value = sum(kept, Fraction(0)) / len(kept)
                item += (REL_WEIGHTS if relative and rnd == "r2" else WEIGHTS)[crit] * value
                if crit == "c1":
                    c1 += value
            if complete and relative and rnd == "r2":
                sales = own.get((1, "sales"), {}).get("")
                if sales is None:
                    complete = False
                else:
                    item += Fraction(sales) / best if best else Fraction(0)
            if not complete:
                break
            totals[rnd] = item
        if not complete:
            incomplete.add(code)
            continue
        total = half_up(sum((STANDING[r] * totals[r] for r in ROUNDS), Fraction(0)))
        breaker = half_up(c1)
        ranked.append(((-total, -breaker, code), code, total, breaker))
    ranked.sort()
    return [(code, total, breaker) for _, code, total, breaker in ranked], incomplete


def expected_awards(places: Sequence[tuple[Decimal, Decimal]]) -> list[str | None]:
    """gold top 1, silver 10%, bronze 20% (rounded down), walking down; ties at an edge all get the award."""
    n = len(places)
    out: list[str | None] = [None] * n
    start = 0
    for name, count in (("gold", 1), ("silver", int(n * Fraction(1, 10))), ("bronze", int(n * Fraction(2, 10)))):
        if start >= n:
            break
        if count <= 0:
            continue
        end = min(start + count, n)
        while 0 < end < n and places[end - 1] == places[end]:
            end += 1
        for i in range(start, end):
            out[i] = name
        start = end
    return out


# -- checks ----------------------------------------------------------------------------------------------------


class CheckFailed(AssertionError):
    pass


def check_structure(rows: Sequence[Row]) -> None:
    """Ranked rows first, totals descending, shared ranks 1, 2, 2, 4; then incomplete rows without rank."""
    ranked = [r for r in rows if r.rank is not None]
    if rows[: len(ranked)] != ranked:
        raise CheckFailed("an unranked row comes before a ranked one")
    for i, row in enumerate(ranked):
        assert row.total is not None
        if i == 0:
            if row.rank != 1:
                raise CheckFailed(f"first row has rank {row.rank}")
            continue
        prev = ranked[i - 1]
        assert prev.total is not None
        if row.total > prev.total:
            raise CheckFailed(f"row {i + 1} ({row.entrant} {row.total}) is above its predecessor's total {prev.total}")
        expected_rank = prev.rank if row.total == prev.total and row.rank == prev.rank else i + 1
        if row.rank not in (expected_rank, i + 1) or (row.total < prev.total and row.rank != i + 1):
            raise CheckFailed(f"row {i + 1} ({row.entrant}) has rank {row.rank}")
    for row in rows[len(ranked) :]:
        if row.total is not None or row.complete:
            raise CheckFailed(f"unranked row {row.entrant} has a total or is complete")


def check_reference(rows: Sequence[Row], sheet: MarkSheet, relative: bool) -> None:
    """Every ranked row equals the independent fraction computation: order, totals, ranks, awards."""
    expected, incomplete = reference_rows(sheet, relative)
    ranked = [r for r in rows if r.rank is not None]
    if len(ranked) != len(expected):
        raise CheckFailed(f"{len(ranked)} ranked rows, the reference ranks {len(expected)}")
    places = [(t, b) for _, t, b in expected]
    awards = expected_awards(places)
    rank = 0
    for i, (row, (code, total, breaker)) in enumerate(zip(ranked, expected, strict=True)):
        if i == 0 or places[i - 1] != places[i]:
            rank = i + 1  # 1 + how many are strictly ahead; equals share it
        if (row.entrant, row.total, row.rank, row.award) != (code, total, rank, awards[i]):
            raise CheckFailed(
                f"position {i + 1}: board has {row.entrant} total {row.total} rank {row.rank} award {row.award}; "
                f"reference has {code} total {total} (c1 {breaker}) rank {rank} award {awards[i]}"
            )
    unranked = {r.entrant for r in rows if r.rank is None}
    if unranked != incomplete:
        raise CheckFailed(
            f"incomplete entrants differ: board only {sorted(unranked - incomplete)[:5]}, "
            f"reference only {sorted(incomplete - unranked)[:5]}"
        )


def first_difference(a: Sequence[Row], b: Sequence[Row]) -> str:
    head = f"{len(a)} rows vs {len(b)} rows; " if len(a) != len(b) else ""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"{head}first difference at row {i + 1}:\n    incremental: {x}\n    fresh:       {y}"
    return head + "one list is a prefix of the other"


# -- timing ----------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    n: int
    unit: str  # "ms" or "µs"
    samples: list[float] = field(default_factory=list)  # seconds
    note: str = ""

    def scaled(self) -> list[float]:
        factor = 1e3 if self.unit == "ms" else 1e6
        return [s * factor for s in self.samples]

    def stats(self) -> dict[str, float]:
        xs = sorted(self.scaled())
        out = {"min": xs[0], "median": statistics.median(xs), "max": xs[-1]}
        if len(xs) >= 20:
            out["p95"] = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
        return out


def timed(repeat: int, build: Callable[[], Any]) -> tuple[list[float], Any]:
    samples: list[float] = []
    last: Any = None
    for _ in range(repeat):
        last = None  # let the previous result go before the next one is built
        gc.collect()
        start = time.perf_counter()
        last = build()
        samples.append(time.perf_counter() - start)
    return samples, last


def screen_json(board: Board, rows: Sequence[Row]) -> str:
    """The top-50 payload a venue screen gets: the API's JSON shape, decimals as strings."""
    return json.dumps(as_json(board, rows), ensure_ascii=False, separators=(",", ":"))


def busy_seconds() -> tuple[float, float, float]:
    """(wall clock, CPU seconds used by the whole machine, CPU seconds used by this process) so far."""
    machine = 0.0
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        machine = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    own = time.process_time()
    return time.perf_counter(), machine, own


def other_load(since: tuple[float, float, float]) -> float:
    """CPUs' worth of work done by other processes since `since` (0.0: the machine was ours alone)."""
    wall0, machine0, own0 = since
    wall, machine, own = busy_seconds()
    if not machine or wall <= wall0:
        return 0.0
    return max(0.0, ((machine - machine0) - (own - own0)) / (wall - wall0))


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python loop (median of 7): compare runs and machines with it."""
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += i
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def warm_up(seconds: float = 2.0) -> None:
    """Keep the CPU busy first: on this VM a fresh process runs about 2x slower for its first ~0.7 s."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        calibrate()


def code_version() -> dict[str, str]:
    """The commit, whether the working tree differs, and a digest of contest/scoring as measured."""
    import hashlib
    import subprocess

    import contest.scoring

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.sha256()
    scoring = os.path.dirname(os.path.abspath(contest.scoring.__file__))
    for name in sorted(os.listdir(scoring)):
        if name.endswith(".py"):
            with open(os.path.join(scoring, name), "rb") as src:
                digest.update(name.encode() + b"\0" + src.read())
    out = {"scoring_sha256": digest.hexdigest()[:12]}
    try:
        git = ["git", "-C", root]
        out["commit"] = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "contest/scoring"], capture_output=True, text=True
        ).stdout
        out["contest_dirty"] = "yes" if dirty.strip() else "no"
    except OSError:
        pass
    return out


@dataclass
class Run:
    figures: list[Figure] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def probe() -> float:
    """Seconds for a tiny fixed loop (about 0.6 ms at full speed): how fast the machine runs right now."""
    start = time.perf_counter()
    total = 0
    for i in range(20_000):
        total += i
    return time.perf_counter() - start


QUIET = 1.15  # a sample counts as taken at full speed when the probe just before it was within 15% of its best


def reflect_updates(
    run: Run,
    *,
    name: str,
    n: int,
    board: Board,
    sheet: MarkSheet,
    updates: Sequence[Update],
) -> None:
    """Time each update (put + update + rows(limit=50) + JSON), per kind and in parts.

    Before each update an untimed probe measures the machine's speed; this VM slows down by up to 2x for seconds
    at a time with no other process running, so the figure is also given over the full-speed samples only."""
    total = Figure(f"{name}: one new mark -> top-50 JSON", n, "µs")
    parts = {
        "put+update": Figure(f"{name}:   of which put + update", n, "µs"),
        "rows": Figure(f"{name}:   of which rows(limit=50)", n, "µs"),
        "json": Figure(f"{name}:   of which JSON (top 50)", n, "µs"),
    }
    kinds: dict[str, Figure] = {}
    probes: list[float] = []
    gc.collect()
    size = 0
    for upd in updates:
        probes.append(probe())
        t0 = time.perf_counter()
        sheet.put(upd.mark)
        board.update([upd.mark.entrant])
        t1 = time.perf_counter()
        rows = board.rows(limit=50)
        t2 = time.perf_counter()
        payload = screen_json(board, rows)
        t3 = time.perf_counter()
        size = len(payload.encode())
        total.samples.append(t3 - t0)
        parts["put+update"].samples.append(t1 - t0)
        parts["rows"].samples.append(t2 - t1)
        parts["json"].samples.append(t3 - t2)
        kinds.setdefault(upd.kind, Figure(f"{name}:   kind: {upd.kind}", n, "µs")).samples.append(t3 - t0)
    fastest = min(probes)
    quiet = Figure(f"{name}:   full-speed samples only", n, "µs")
    quiet.samples = [t for t, p in zip(total.samples, probes, strict=True) if p <= QUIET * fastest]
    total.note = f"{len(updates)} updates, payload {size:,} B"
    quiet.note = f"{len(quiet.samples)} of {len(updates)} (probe <= {QUIET} x its best, {fastest * 1e3:.2f} ms)"
    run.figures.append(total)
    if quiet.samples:
        run.figures.append(quiet)
    run.figures.extend(parts.values())
    for fig in kinds.values():
        fig.note = f"{len(fig.samples)} updates"
        if len(fig.samples) < 20:
            fig.note += " (too few for a p95)"
    run.figures.extend(kinds.values())


def replay_check(
    run: Run,
    *,
    name: str,
    n: int,
    marks: Sequence[Mark],
    updates: Sequence[Update],
    definition: ContestDefinition,
    entrants: Sequence[Entrant],
    repro: str,
) -> None:
    """Untimed: replay the same updates on a new sheet and board, comparing with a fresh Board after each."""
    sheet = MarkSheet(marks)
    board = Board(definition, "r2", entrants, sheet)
    for index, upd in enumerate(updates):
        sheet.put(upd.mark)
        board.update([upd.mark.entrant])
        now = board.rows()
        fresh = Board(definition, "r2", entrants, sheet).rows()
        if now != fresh:
            run.failures.append(
                f"{name}, N={n}: after update #{index + 1} ({upd.kind}: {upd.mark}) the incremental board "
                f"differs from a fresh Board. {first_difference(now, fresh)}\n    reproduce: {repro}"
            )
            return
    run.checks.append(f"{name}, N={n:,}: incremental == fresh Board after each of {len(updates)} updates: ok")


def verify_final(
    run: Run,
    *,
    name: str,
    n: int,
    board: Board,
    sheet: MarkSheet,
    definition: ContestDefinition,
    entrants: Sequence[Entrant],
    relative: bool,
    repro: str,
) -> None:
    """After the updates: a fresh Board gives the same rows as the updated one, and both match the reference."""
    now = board.rows()
    fresh_board = Board(definition, "r2", entrants, sheet)
    fresh = fresh_board.rows()
    top = board.rows(limit=50)
    try:
        check_structure(now)
        check_reference(now, sheet, relative)
        if now != fresh:
            raise CheckFailed("incremental board differs from a fresh Board: " + first_difference(now, fresh))
        if top != fresh[:50]:
            raise CheckFailed("rows(limit=50) differs from the first 50 of the fresh Board's rows")
        if screen_json(board, top) != screen_json(fresh_board, fresh_board.rows(limit=50)):
            raise CheckFailed("top-50 JSON differs between the updated and a fresh Board")
        run.checks.append(
            f"{name}, N={n:,}: after the updates, incremental == fresh Board ({len(now):,} rows, "
            f"{sum(r.rank is None for r in now)} incomplete) and == fraction reference: ok"
        )
    except CheckFailed as exc:
        run.failures.append(f"{name}, N={n}: {exc}\n    reproduce: {repro}")


def check_and_update(
    run: Run,
    name: str,
    n: int,
    board: Board,
    sheet: MarkSheet,
    fld: Field,
    updates: list[Update],
    definition: ContestDefinition,
    *,
    relative: bool,
    check_each: bool,
    repro: str,
) -> None:
    """The checks of a freshly built board, the timed updates, and the checks after them (main and relative)."""
    rows = board.rows()
    try:
        check_structure(rows)
        check_reference(rows, sheet, relative=relative)
        run.checks.append(f"{name}, N={n:,}: built board sorted, ranked and equal to the fraction reference: ok")
    except CheckFailed as exc:
        run.failures.append(f"{name}, N={n}, fresh build: {exc}\n    reproduce: {repro}")
    reflect_updates(run, name=name, n=n, board=board, sheet=sheet, updates=updates)
    if check_each:
        replay_check(
            run,
            name=name,
            n=n,
            marks=fld.marks,
            updates=updates,
            definition=definition,
            entrants=fld.entrants,
            repro=repro,
        )
    verify_final(
        run,
        name=name,
        n=n,
        board=board,
        sheet=sheet,
        definition=definition,
        entrants=fld.entrants,
        relative=relative,
        repro=repro,
    )


def bench_main(run: Run, n: int, repeat: int, n_updates: int, seed: int, check_each: bool) -> None:
    definition = parse_definition(CONTEST_TOML)
    fld = make_field(n, seed, relative=False)
    run.info.setdefault("marks", {})[str(n)] = len(fld.marks)
    repro = (
        f"{sys.executable} bench/bench_board.py --sizes {n} --relative-sizes '' --groups-check '' --seed {seed} "
        f"--updates {n_updates}"
    )

    # the updates are drawn first, so that the generator's 50-values-per-entrant dict can go before timing
    updates = main_updates(random.Random(seed + 1), fld, n, n_updates)
    fld.values.clear()

    samples, sheet = timed(repeat, lambda: MarkSheet(fld.marks))
    run.figures.append(Figure("MarkSheet(marks) [load]", n, "ms", samples, f"{len(fld.marks):,} marks"))
    samples, _ = timed(repeat, partial(float_build, float_sheet(fld.marks)))
    run.figures.append(Figure(FLOATS, n, "ms", samples, "inexact, unchecked: what the issue's 0.56 s measured"))
    if not check_each:
        fld.marks = []  # a server keeps the sheet, not millions of Mark objects for the collector to walk

    samples, board = timed(repeat, lambda: Board(definition, "r2", fld.entrants, sheet))
    fig = Figure("Board(...) build [headline]", n, "ms", samples)
    fig.note = f"{statistics.median(samples) / n * 1e6:.1f} µs/entrant"
    run.figures.append(fig)
    gc.collect()
    gc.freeze()  # what a server can do once the sheet is loaded: the collector stops walking it
    samples, _ = timed(repeat, lambda: Board(definition, "r2", fld.entrants, sheet))
    gc.unfreeze()
    fig = Figure("Board(...) build, after gc.freeze()", n, "ms", samples)
    fig.note = f"{statistics.median(samples) / n * 1e6:.1f} µs/entrant"
    run.figures.append(fig)
    samples, _ = timed(repeat, gc.collect)
    run.figures.append(Figure("gc.collect(): one full pass", n, "ms", samples, "sheet and board alive: a GC pause"))

    check_and_update(
        run, "main", n, board, sheet, fld, updates, definition, relative=False, check_each=check_each, repro=repro
    )


FLOATS = "plain floats, same standing [reference]"
FloatSheet = dict[str, dict[str, dict[str, dict[str, float]]]]


def float_sheet(marks: Sequence[Mark]) -> FloatSheet:
    """The marks as floats, laid out as MarkSheet lays out its Decimals."""
    sheet: FloatSheet = {}
    for m in marks:
        sheet.setdefault(m.entrant, {}).setdefault(m.round, {}).setdefault(m.criterion, {})[m.judge] = float(m.value)
    return sheet


def float_build(sheet: FloatSheet) -> list[tuple[float, float, str]]:
    """The main contest's standing in plain floats, as a spreadsheet or a first draft would compute it: trimmed
    means, weights, rounds, rounding to 2 places, sort keys with the tie-breaker. The yardstick the issue's build
    target was set against ("plain floats did it in 0.56 s here"), timed so that runs on other machines compare."""
    pick = itemgetter(*JUDGES)
    weights = [(c, float(w)) for c, w in WEIGHTS.items()]
    standing = [(r, float(w)) for r, w in STANDING.items()]
    keys = []
    for code, rounds in sheet.items():
        if "r2" not in rounds:
            continue
        total = tie = 0.0
        try:
            for key, share in standing:
                own = rounds[key]
                value = 0.0
                for crit, weight in weights:
                    ordered = sorted(pick(own[crit]))
                    mean = (ordered[1] + ordered[2] + ordered[3]) / 3
                    value += weight * mean
                    if crit == "c1":
                        tie += mean
                total += share * value
        except KeyError:
            continue  # incomplete
        keys.append((-round(total, 2), -round(tie / 2, 2), code))
    keys.sort()
    return keys


def bench_relative(run: Run, n: int, repeat: int, n_updates: int, n_rebuilds: int, seed: int, check_each: bool) -> None:
    definition = relative_definition()
    fld = make_field(n, seed, relative=True)
    repro = (
        f"{sys.executable} bench/bench_board.py --sizes '' --relative-sizes {n} --groups-check '' --seed {seed} "
        f"--updates {n_updates} --rebuilds {n_rebuilds}"
    )
    rng = random.Random(seed + 2)
    kinds = ["judged" if i % 3 != 2 else "sales" for i in range(n_updates)]
    for _ in range(n_rebuilds):
        kinds.insert(rng.randrange(len(kinds) + 1), "best")
    updates = [
        judged_change(rng, fld, n) if kind == "judged" else sales_update(rng, fld, n, new_best=kind == "best")
        for kind in kinds
    ]
    fld.values.clear()
    sheet = MarkSheet(fld.marks)
    if not check_each:
        fld.marks = []
    samples, board = timed(repeat, lambda: Board(definition, "r2", fld.entrants, sheet))
    fig = Figure("relative: Board(...) build", n, "ms", samples)
    fig.note = f"{statistics.median(samples) / n * 1e6:.1f} µs/entrant"
    run.figures.append(fig)
    check_and_update(
        run, "relative", n, board, sheet, fld, updates, definition, relative=True, check_each=check_each, repro=repro
    )


def check_groups(run: Run, n: int, n_updates: int, seed: int) -> None:
    """Untimed: the relative contest with three groups ranked separately. After every update (judged marks,
    sales, a group's new best, a group's best corrected down, missing marks filled, first r2 marks, an entrant
    moved to another group) the updated board must equal a fresh Board: all rows, each group's top 10, and the
    updated entrant's row()."""
    definition = relative_definition()
    groups = ("甲组", "乙组", "丙组")
    fld = make_field(n, seed, relative=True, groups=groups)
    repro = (
        f"{sys.executable} bench/bench_board.py --sizes '' --relative-sizes '' --groups-check {n} --seed {seed} "
        f"--updates {n_updates}"
    )
    entrants = list(fld.entrants)
    sheet = MarkSheet(fld.marks)
    board = Board(definition, "r2", entrants, sheet)
    rng = random.Random(seed + 3)
    holes = sorted(fld.missing)
    newcomers = list(fld.no_r2)
    for index in range(n_updates):
        roll = rng.random()
        if roll < 0.02:
            i = rng.randrange(n)
            old = entrants[i]
            moved = Entrant(old.code, old.name, old.organization, groups[(groups.index(old.group) + 1) % 3])
            entrants[i] = moved
            what = f"add_entrants([{moved}]) (moved to another group)"
            board.add_entrants([moved])
            code = moved.code
        else:
            if roll < 0.07 and holes:
                mark = fld.missing.pop(holes.pop())
            elif roll < 0.12 and newcomers:
                code = newcomers.pop()
                mark = Mark(code, "r2", 1, rng.choice(CRITERIA), rng.choice(JUDGES), rng.choice(STEP_VALUES))
            elif roll < 0.17:
                mark = sales_update(rng, fld, n, new_best=True).mark
            elif roll < 0.22:
                mark = best_corrected_down(fld, {e.code for e in entrants if e.group == rng.choice(groups)})
            elif roll < 0.45:
                mark = sales_update(rng, fld, n, new_best=False).mark
            else:
                mark = judged_change(rng, fld, n).mark
            what = f"put {mark}"
            sheet.put(mark)
            board.update([mark.entrant])
            code = mark.entrant
        fresh = Board(definition, "r2", entrants, sheet)
        problem = None
        if board.rows() != fresh.rows():
            problem = first_difference(board.rows(), fresh.rows())
        elif any(board.rows(group=g, limit=10) != fresh.rows(group=g, limit=10) for g in groups):
            problem = "rows(group=..., limit=10) differ"
        elif board.row(code) != fresh.row(code):
            problem = f"row({code!r}) differs:\n    incremental: {board.row(code)}\n    fresh:       {fresh.row(code)}"
        if problem:
            run.failures.append(
                f"groups, N={n}: after update #{index + 1} ({what}) the incremental board differs from a fresh "
                f"Board. {problem}\n    reproduce: {repro}"
            )
            return
    run.checks.append(
        f"groups (relative, 3 groups ranked separately), N={n:,}: incremental == fresh Board after each of "
        f"{n_updates} updates (rows, rows(group, limit=10), row(code)): ok"
    )


# -- output ----------------------------------------------------------------------------------------------------


def fmt(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def print_table(run: Run) -> None:
    print()
    print(f"{'figure':<46} {'N':>8}  {'min':>9} {'median':>9} {'p95':>9} {'max':>9} unit  note")
    last_n = None
    for fig in run.figures:
        if last_n is not None and fig.n != last_n and not fig.label.startswith("relative"):
            print()
        last_n = fig.n
        s = fig.stats()
        p95 = fmt(s["p95"]) if "p95" in s else "-"
        print(
            f"{fig.label:<46} {fig.n:>8,}  {fmt(s['min']):>9} {fmt(s['median']):>9} {p95:>9} {fmt(s['max']):>9} "
            f"{fig.unit:<4}  {fig.note}"
        )


def targets(run: Run) -> list[str]:
    out = []
    for fig in run.figures:
        med = fig.stats()["median"]
        if fig.label == "Board(...) build [headline]" and fig.n == 100_000:
            out.append(f"build 100,000: median {med / 1000:.2f} s vs target <= 2 s -> {med / 2000:.2f}x the target")
        if fig.label == "Board(...) build [headline]":
            floats = next((f for f in run.figures if f.label == FLOATS and f.n == fig.n), None)
            if floats is not None:
                ratio = med / floats.stats()["median"]
                out.append(
                    f"build {fig.n:,}: {ratio:.2f}x plain floats' time here (the issue's 2 s against its 0.56 s of "
                    f"floats allows {2 / 0.56:.2f}x)"
                )
        if fig.label == "main: one new mark -> top-50 JSON" and fig.n == 10_000:
            out.append(
                f"one mark at 10,000: median {med / 1000:.3f} ms vs target <= 1 ms -> {med / 1000:.2f}x the target"
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="entrant counts, comma-separated ('' for none)")
    parser.add_argument("--relative-sizes", default="1000,10000", help="entrant counts for the relative contest")
    parser.add_argument("--repeat", type=int, default=None, help="builds per size (default 5, 3 from 100,000)")
    parser.add_argument("--updates", type=int, default=200, help="single-mark updates per size (default 200)")
    parser.add_argument("--rebuilds", type=int, default=10, help="relative: updates that set a new best (default 10)")
    parser.add_argument(
        "--groups-check", default="600", help="entrants for the untimed 3-group check ('' to skip; default 600)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--check-each-upto",
        type=int,
        default=1000,
        help="compare with a fresh Board after every update up to this many entrants (default 1000)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write every sample and the checks as JSON")
    args = parser.parse_args(argv)

    def sizes(text: str) -> list[int]:
        found = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
        if any(n < 1 for n in found):
            parser.error(f"entrant counts must be 1 or more ('' to skip), got {text!r}")
        return found

    run = Run()
    run.info.update(
        python=sys.version.split()[0],
        implementation=platform.python_implementation(),
        nproc=os.cpu_count(),
        machine=platform.machine(),
        seed=args.seed,
    )
    run.info.update(code_version())
    warm_up()
    run.info["calibration_ms_before"] = calibrate()
    print(
        f"Python {run.info['python']} on {run.info['machine']}, {run.info['nproc']} CPUs; seed {args.seed}; "
        f"code {run.info.get('commit', '?')} (contest/scoring modified: {run.info.get('contest_dirty', '?')}, "
        f"scoring sha256 {run.info['scoring_sha256']}); calibration loop {run.info['calibration_ms_before']:.2f} ms"
    )
    phases = [("main", n) for n in sizes(args.sizes)] + [("relative", n) for n in sizes(args.relative_sizes)]
    phases += [("groups check", n) for n in sizes(args.groups_check)]
    for name, n in phases:
        repeat = args.repeat or (5 if n < 100_000 else 3)
        since = busy_seconds()
        if name == "main":
            bench_main(run, n, repeat, args.updates, args.seed, n <= args.check_each_upto)
        elif name == "relative":
            bench_relative(run, n, repeat, args.updates, args.rebuilds, args.seed, n <= args.check_each_upto)
        else:
            check_groups(run, n, args.updates, args.seed)
        load = other_load(since)
        run.info.setdefault("other_load_cpus", {})[f"{name} {n}"] = round(load, 2)
        warn = "  <- other processes were busy: figures are inflated" if load > 0.2 else ""
        print(
            f"  {name} N={n:,}: done in {time.perf_counter() - since[0]:.0f} s; "
            f"other processes used {load:.2f} CPUs meanwhile{warn}",
            flush=True,
        )
    run.info["calibration_ms_after"] = calibrate()
    if code_version()["scoring_sha256"] != run.info["scoring_sha256"]:
        run.info["scoring_changed_during_run"] = True
        print("WARNING: contest/scoring changed on disk during the run (imported code is what was measured)")

    print_table(run)
    print(
        f"\ncalibration loop: {run.info['calibration_ms_before']:.2f} ms before, "
        f"{run.info['calibration_ms_after']:.2f} ms after"
    )
    print()
    for line in targets(run):
        print(line)
    print()
    for line in run.checks:
        print("check:", line)
    for line in run.failures:
        print("CHECK FAILED:", line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "info": run.info,
                    "figures": [
                        {"label": f.label, "n": f.n, "unit": f.unit, "note": f.note, **f.stats(), "samples": f.scaled()}
                        for f in run.figures
                    ],
                    "checks": run.checks,
                    "failures": run.failures,
                },
                out,
                ensure_ascii=False,
                indent=1,
            )
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
