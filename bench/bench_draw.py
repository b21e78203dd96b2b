"""Drawing panels (评委分组抽签): 10,000 entrants over 60 judges in panels of 5, with recusal by organization.

The entrants come from 200 organizations (50 each); 30 of the 60 judges belong to one of them, so each of those
judges is recused for 50 entrants. Each run draws with a different seed (`contest/scoring/panel_draw.py`, the pure
core `contest panels draw` and the API use) and checks what it drew: every entrant has 5 distinct judges, none
recused, and the judges' loads are within one of each other (exit status 1 otherwise). It prints the time of each
run and their median, and the same for a draw without recusal and a draw of whole panels (12 panels of 5).

    .venv/bin/python bench/bench_draw.py                      # 10,000 entrants, 60 judges, median of 5
    .venv/bin/python bench/bench_draw.py --entrants 2000 --judges 40 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter

from contest.scoring.panel_draw import draw_judges, draw_panels
from contest.scoring.panels import Assigned, Panel, Recusal


def check(rows: list[Assigned], entrants: list[tuple[str, str]], size: int, recusal: Recusal, by: str) -> str | None:
    """What is wrong with a draw, or None."""
    organization = dict(entrants)
    judges: dict[str, set[str]] = {}
    for row in rows:
        judges.setdefault(row.entrant, set()).add(row.judge)
        if recusal.recused(row.judge, row.entrant, organization[row.entrant]):
            return f"recused pair drawn: {row.judge} {row.entrant}"
    if set(judges) != set(organization) or any(len(j) != size for j in judges.values()):
        return "an entrant without its judges"
    units = {(row.entrant, row.panel) for row in rows} if by == "panels" else {(row.entrant, row.judge) for row in rows}
    loads = Counter(unit for _, unit in units)  # entrants per panel, or per judge
    if max(loads.values()) - min(loads.values()) > 1:
        return f"loads not within one: {min(loads.values())}..{max(loads.values())}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entrants", type=int, default=10_000)
    parser.add_argument("--judges", type=int, default=60)
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    orgs = max(1, args.entrants // 50)
    entrants = [(f"A{n:05d}", f"单位{n % orgs}") for n in range(1, args.entrants + 1)]
    judges = [f"J{n:02d}" for n in range(1, args.judges + 1)]
    recusal = Recusal({j: f"单位{i}" for i, j in enumerate(judges) if i % 2 == 0})
    panels = [
        Panel(f"P{i}", f"P{i}", tuple(judges[i * args.size : (i + 1) * args.size]))
        for i in range(args.judges // args.size)
    ]
    cases = {
        "judges, with recusal": lambda seed: draw_judges("r", entrants, judges, args.size, seed, recusal),
        "judges, no recusal": lambda seed: draw_judges("r", entrants, judges, args.size, seed, Recusal()),
        f"{len(panels)} panels, with recusal": lambda seed: draw_panels("r", entrants, panels, seed, recusal),
    }
    print(f"{args.entrants} entrants, {args.judges} judges, panels of {args.size}; {args.runs} runs each")
    for name, run in cases.items():
        times = []
        for seed in range(1, args.runs + 1):
            start = time.perf_counter()
            rows = run(seed)
            times.append(time.perf_counter() - start)
            wrong = check(
                rows,
                entrants,
                args.size,
                recusal if "with" in name else Recusal(),
                "panels" if "panels" in name else "judges",
            )
            if wrong:
                print(f"{name}, seed {seed}: {wrong}", file=sys.stderr)
                return 1
        shown = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:28} median {statistics.median(times):.2f} s  ({shown})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
