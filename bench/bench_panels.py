"""Board build with per-item panels (panel_size 5 drawn from a pool of 60) against one fixed panel of five.

A synthetic contest: three judged criteria 0-10 step 0.5, trimmed mean dropping 1 high and 1 low, a weighted item,
two items per entrant, one round. Two sheets with the same values:

* fixed  -- `judges = [J01..J05]`: every item of every entrant marked by the same five judges;
* drawn  -- `panel_size = 5`, pool J01..J60: every item marked by its own five judges, drawn at random
            (seeded) from the pool;
* zscore -- the drawn sheet again, with `normalize = "zscore"` (every mark rescaled: the Decimal path).

For each it times `Board(definition, "main", entrants, sheet)` (median of --repeat builds, gc collected before
each) and reports the ratio drawn / fixed. It checks that both boards rank the same entrants with the same totals
(the values are the same, only the judges' codes differ) and that a drawn board equals a fresh one after updates.

    .venv/bin/python bench/bench_panels.py                      # 100,000 entrants, median of 3
    .venv/bin/python bench/bench_panels.py --entrants 10000 --repeat 5

Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition
from contest.scoring.fast import FastStanding

POOL = tuple(f"J{i:02d}" for i in range(1, 61))
CRITERIA = ("c1", "c2", "c3")
VALUES = [Decimal(i) / 2 for i in range(8, 21)]  # 4.0 .. 10.0

HEAD = """
[contest]
slug = "bench-panels"
title = "bench_panels.py"
{judges}
"""
BODY = "".join(f'[[criteria]]\nkey = "{c}"\nmin = 0\nmax = 10\nstep = 0.5\n' for c in CRITERIA) + (
    '[scoring]\npanel = "trimmed_mean"\ndrop = 1\nitem = "0.5*c1 + 0.3*c2 + 0.2*c3"\n{extra}\n'
    '[[rounds]]\nkey = "main"\nitems = 2\n'
)


def contest(kind: str) -> str:
    if kind == "fixed":
        judges = "judges = [" + ", ".join(f'"{j}"' for j in POOL[:5]) + "]"
        return HEAD.format(judges=judges) + BODY.format(extra="")
    judges = "judges = [" + ", ".join(f'"{j}"' for j in POOL) + "]"
    extra = "panel_size = 5" + ('\nnormalize = "zscore"' if kind == "zscore" else "")
    return HEAD.format(judges=judges) + BODY.format(extra=extra)


def sheets(n: int, seed: int) -> tuple[list[Entrant], list[Mark], list[Mark]]:
    rng = random.Random(seed)
    entrants = [Entrant(f"E{i:06d}") for i in range(n)]
    fixed: list[Mark] = []
    drawn: list[Mark] = []
    for entrant in entrants:
        for item in (1, 2):
            panel = rng.sample(POOL, 5)
            for crit in CRITERIA:
                for seat in range(5):
                    value = rng.choice(VALUES)
                    fixed.append(Mark(entrant.code, "main", item, crit, POOL[seat], value))
                    drawn.append(Mark(entrant.code, "main", item, crit, panel[seat], value))
    return entrants, fixed, drawn


def timed(repeat: int, build: Callable[[], Any]) -> tuple[list[float], Any]:
    samples = []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = build()
        samples.append(time.perf_counter() - start)
    return samples, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entrants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-zscore", action="store_true", help="skip the normalised board (the slowest)")
    args = parser.parse_args(argv)
    n = args.entrants
    entrants, fixed_marks, drawn_marks = sheets(n, args.seed)
    print(f"{n:,} entrants, {len(fixed_marks):,} marks per sheet, median of {args.repeat}")
    kinds = ["fixed", "drawn"] + ([] if args.no_zscore else ["zscore"])
    definitions = {kind: parse_definition(contest(kind)) for kind in kinds}
    marks_of = {"fixed": MarkSheet(fixed_marks), "drawn": MarkSheet(drawn_marks)}
    sheets_of = {kind: marks_of["fixed" if kind == "fixed" else "drawn"] for kind in kinds}
    gc.collect()
    gc.freeze()  # as bench_board.py: the marks are loaded once; the collector stops walking them
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    boards: dict[str, Board] = {}
    for _ in range(args.repeat):  # interleaved, so that a busy moment on the machine hits every kind alike
        for kind in kinds:
            boards.pop(kind, None)
            taken, board = timed(1, lambda k=kind: Board(definitions[k], "main", entrants, sheets_of[k]))
            samples[kind] += taken
            boards[kind] = board
    medians = {kind: statistics.median(samples[kind]) for kind in kinds}
    fixed_rows = [(r.rank, r.entrant, r.total) for r in boards["fixed"].rows()]
    drawn_rows = [(r.rank, r.entrant, r.total) for r in boards["drawn"].rows()]
    for kind in kinds:
        fast = "fast path" if boards[kind]._fast is not None else "Decimal path"
        low, high = min(samples[kind]), max(samples[kind])
        print(f"  {kind:7s} Board(...): {medians[kind]:8.3f} s  ({low:.3f}-{high:.3f}; {fast})")
    print(f"  ratio drawn / fixed: {medians['drawn'] / medians['fixed']:.2f}")
    scoring: dict[str, float] = {}
    for kind in ("fixed", "drawn"):  # the scoring alone, without building the board's sorted lists
        fast = boards[kind]._fast
        sheet = sheets_of[kind]
        assert fast is not None

        def score_all(fast: FastStanding = fast, sheet: MarkSheet = sheet) -> None:
            with localcontext(fast.context):
                for entrant in entrants:
                    fast.score(entrant.code, sheet.entrant(entrant.code))

        taken, _ = timed(args.repeat, score_all)
        scoring[kind] = statistics.median(taken)
        print(f"  {kind:7s} scoring every entrant (fast path only): {scoring[kind]:.3f} s")
    print(f"  ratio drawn / fixed, scoring only: {scoring['drawn'] / scoring['fixed']:.2f}")
    if "zscore" in medians:
        print(f"  ratio zscore / fixed: {medians['zscore'] / medians['fixed']:.2f}")
    for kind in kinds:  # one new mark reflected on the board: a bisect, or (normalised) the whole round again
        board = boards[kind]
        rng = random.Random(args.seed + 2)
        taken = []
        for _ in range(args.repeat):
            code = f"E{rng.randrange(n):06d}"
            judge = rng.choice(sorted(board.sheet.entrant(code)["main"][(2, "c2")]))
            board.sheet.put(Mark(code, "main", 2, "c2", judge, rng.choice(VALUES)))
            start = time.perf_counter()
            board.update([code])
            taken.append(time.perf_counter() - start)
        print(f"  {kind:7s} one mark, board.update: {statistics.median(taken) * 1e3:8.1f} ms")
    # checks: the same values give the same standing; a drawn board updated equals a fresh build
    if fixed_rows != drawn_rows:
        print("FAIL: the drawn board differs from the fixed one", file=sys.stderr)
        return 1
    board = boards["drawn"]
    rng = random.Random(args.seed + 1)
    for _ in range(20):
        code = f"E{rng.randrange(n):06d}"
        given = board.sheet.entrant(code)["main"][(1, "c1")]
        judge = rng.choice(sorted(given))
        board.sheet.put(Mark(code, "main", 1, "c1", judge, rng.choice(VALUES)))
        board.update([code])
    fresh = Board(board.definition, "main", entrants, board.sheet)
    if board.rows(limit=200) != fresh.rows(limit=200):
        print("FAIL: an updated drawn board differs from a fresh one", file=sys.stderr)
        return 1
    print("  checks: fixed and drawn boards agree; 20 updates equal a fresh build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
