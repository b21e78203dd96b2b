"""The results workbook for a large contest: time and peak memory of `contest export` (xlsx and csv) at 10,000
entrants.

A synthetic contest (deterministic random marks, `random.Random(seed)`): one round of 5 judges x 4 judged criteria
(0-10 step 0.5, trimmed mean dropping 1 high and 1 low, a weighted item), two groups ranked separately, three
awards, and 2% of the marks corrected once (with a reason), so the audit history holds every version. It is
loaded into a fresh SQLite file through the services (`contest load`'s path) once; then each repetition runs

    contest export bench-wb --db sqlite:///... -o OUT.xlsx      (and -o OUT.csv)

in a fresh process and records its wall time and peak resident memory (ru_maxrss of the child), and the same for
a process that only imports the export code (the baseline: Python, pandas, openpyxl). The workbook of the first
run is read back with openpyxl and checked: the version named, one row per entrant in the final standing, the
per-judge breakdown, the consistency and history sheets complete, and the totals equal to a fresh `Board`.

    .venv/bin/python bench/bench_workbook.py                        # 10,000 entrants, median of 3
    .venv/bin/python bench/bench_workbook.py --entrants 1000 --runs 5

Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUDGES = ("J1", "J2", "J3", "J4", "J5")
CRITERIA = ("c1", "c2", "c3", "c4")
TOML = """\
[contest]
slug = "bench-wb"
title = "基准测试 成绩册"
decimals = 2
judges = ["J1", "J2", "J3", "J4", "J5"]
{criteria}
[scoring]
panel = "trimmed_mean"
drop = 1
item = "0.4*c1 + 0.2*c2 + 0.2*c3 + 0.2*c4"

[[rounds]]
key = "final"
label = "决赛"
items = 1

[ranking]
groups = "separate"

[[awards]]
name = "一等奖"
share = 0.1

[[awards]]
name = "二等奖"
share = 0.2

[[awards]]
name = "三等奖"
share = 0.3
"""
CRITERION = '\n[[criteria]]\nkey = "{key}"\nlabel = "评分项{key}"\nmin = 0\nmax = 10\nstep = 0.5\n'


def prepare(folder: Path, entrants: int, seed: int) -> str:
    """The contest, its entrants and marks (with corrections) in a fresh SQLite file, via `contest load`."""
    rng = random.Random(seed)
    toml = folder / "contest.toml"
    toml.write_text(TOML.format(criteria="".join(CRITERION.format(key=k) for k in CRITERIA)), encoding="utf-8")
    people = folder / "entrants.csv"
    with people.open("w", encoding="utf-8") as out:
        out.write("code,name,organization,group\n")
        for n in range(entrants):
            out.write(f"E{n:05d},选手{n:05d},第{n % 97}代表队,{'甲组' if n % 2 else '乙组'}\n")
    marks = folder / "marks.csv"
    with marks.open("w", encoding="utf-8") as out:
        out.write("entrant,round,item,criterion,judge,value\n")
        for n in range(entrants):
            level = rng.uniform(4, 9)
            for criterion in CRITERIA:
                for judge in JUDGES:
                    value = min(10.0, max(0.0, round((level + rng.gauss(0, 0.8)) * 2) / 2))
                    out.write(f"E{n:05d},final,1,{criterion},{judge},{value}\n")
    url = f"sqlite:///{folder / 'bench.db'}"
    run([sys.executable, "-m", "contest", "load", str(toml), "--entrants", str(people), "--marks", str(marks),
         "--db", url])  # fmt: skip
    correct(url, entrants, rng)
    return url


def correct(url: str, entrants: int, rng: random.Random) -> None:
    """2% of the entrants get one judge's mark corrected, with a reason (as the chief judge would)."""
    from contest.db.engine import make_engine, make_sessions
    from contest.services.marks import MarkRequest, submit_marks
    from contest.services.principals import Principal

    engine = make_engine(url)
    db = make_sessions(engine)
    organizer = Principal(role="organizer")
    try:
        for n in rng.sample(range(entrants), max(1, entrants // 50)):
            value = Decimal(rng.randint(0, 20)) / 2
            request = MarkRequest(
                f"E{n:05d}", "final", 1, {"c1": value}, f"fix-{n}", reason="复核更正", judge=rng.choice(JUDGES)
            )
            submit_marks(db, organizer, "bench-wb", request)
    finally:
        engine.dispose()


def run(args: list[str]) -> tuple[float, float, float]:
    """Run a command in a fresh process: (wall seconds, peak resident MiB, CPU seconds of that process)."""
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        child = subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors, env={**os.environ, "LANG": "C.UTF-8"}
        )
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage: its peak resident memory
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            sys.exit(f"CHECK FAILED: {' '.join(args)} exited {child.returncode}: {errors.read().strip()}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss: KiB on Linux


def check(path: Path, url: str, entrants: int) -> list[str]:
    from openpyxl import load_workbook

    from contest.db.engine import make_engine, make_sessions
    from contest.services import snapshot

    engine = make_engine(url, readonly=True)
    found = snapshot.read(make_sessions(engine), "bench-wb")
    engine.dispose()
    book = load_workbook(path, read_only=True)
    problems = []
    if book["About"]["B4"].value != f"as of version {found.version}":
        problems.append(f"info sheet names {book['About']['B4'].value!r}, not version {found.version}")
    final = list(book.worksheets[1].iter_rows(values_only=True))
    board = found.board("final")
    rows = board.rows()
    if len(final) - 1 != entrants or len(rows) != entrants:
        problems.append(f"final standing: {len(final) - 1} rows for {entrants} entrants")
    at = final[0].index("Total")
    for got, row in zip(final[1:], rows, strict=False):
        total = None if got[at] is None else Decimal(str(got[at])).quantize(Decimal("0.01"))
        if (got[0], got[1], total) != (row.rank, row.entrant, row.total):
            problems.append(f"final standing: {got} differs from the core's {row.rank, row.entrant, row.total}")
            break
    judged = sum(1 for _ in book["Judges' marks"].iter_rows()) - 1
    if judged != entrants * len(CRITERIA):
        problems.append(f"judges' marks: {judged} rows, expected {entrants * len(CRITERIA)}")
    history = sum(1 for _ in book["Audit history"].iter_rows()) - 1
    if history != len(found.history):
        problems.append(f"audit history: {history} rows, expected {len(found.history)}")
    if sum(1 for _ in book["Judge consistency"].iter_rows()) - 1 != len(JUDGES):
        problems.append("judge consistency: not one row per judge")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entrants", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        url = prepare(folder, options.entrants, options.seed)
        print(f"prepared {options.entrants} entrants in {time.perf_counter() - start:.1f} s ({url})")
        baseline = [
            run([sys.executable, "-c", "import contest.exports.workbook, contest.cli"]) for _ in range(options.runs)
        ]
        figures: dict[str, list[tuple[float, float, float]]] = {"xlsx": [], "csv": []}
        for n in range(options.runs):
            for kind in figures:
                out = folder / f"run{n}.{kind}"
                figures[kind].append(run([sys.executable, "-m", "contest", "export", "bench-wb", "--db", url,
                                          "-o", str(out), "--lang", "en"]))  # fmt: skip
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"baseline (imports only): {statistics.median(s for s, _, _ in baseline):.2f} s, "
              f"CPU {statistics.median(c for _, _, c in baseline):.2f} s, "
              f"peak {statistics.median(m for _, m, _ in baseline):.0f} MiB")  # fmt: skip
        for kind, samples in figures.items():
            times = sorted(s for s, _, _ in samples)
            peaks = sorted(m for _, m, _ in samples)
            cpu = sorted(c for _, _, c in samples)
            print(f"contest export -o OUT.{kind}: median {statistics.median(times):.2f} s "
                  f"(min {times[0]:.2f}, max {times[-1]:.2f}); CPU median {statistics.median(cpu):.2f} s; "
                  f"peak RSS median {statistics.median(peaks):.0f} MiB (max {peaks[-1]:.0f})")  # fmt: skip
        size = (folder / "run0.xlsx").stat().st_size
        print(f"workbook: {size / 1e6:.1f} MB")
        problems = check(folder / "run0.xlsx", url, options.entrants)
        for problem in problems:
            print(f"CHECK FAILED: {problem}")
        if not problems:
            print("check: info sheet names the version; final standing = a fresh Board; every sheet complete")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
