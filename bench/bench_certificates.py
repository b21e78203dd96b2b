"""Certificates for many award winners: time and peak memory of `contest.exports.certificates` (one PDF).

    .venv/bin/python bench/bench_certificates.py                 # 10,000 certificates (the issue's figure)
    .venv/bin/python bench/bench_certificates.py --count 1000 --count 10000 --keep out/

For each count it builds an `Issue` of synthetic winners (two- to four-character Chinese names over a pool of
common and rare characters such as 喆 堃 玥 䶮, long organization names, awards 一/二/三等奖), signs every serial with
the real signing code (HMAC-SHA256), writes the PDF to a temporary file and reports: the time to sign the serials,
the time to lay out the pages, the time fpdf2 takes to write the file (font subsetting, compression), the peak of
Python's allocations (tracemalloc) and the process's peak resident memory (ru_maxrss), and the file size. Each
count runs in a fresh subprocess, so one count's peak does not hide the next's.

Checks (exit 1 on failure): the PDF has one page per winner, and the first and last pages' serials verify
against the key (read back with pypdf).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
SURNAMES += "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红喆堃玥昇赟彧琤龑䶮淼鑫晓燕德"
TOWNS = ["东河", "木门", "黄洋", "鼓城", "嘉川", "米仓山", "汉王山", "普济", "白水", "国华"]
AWARDS = ("一等奖", "二等奖", "三等奖")


def holders(count: int, key: bytes) -> object:
    from contest.services.serials import Claim, Holder, Issue, sign

    rng = __import__("random").Random(20261205)
    issued = date(2026, 6, 1)
    found = []
    for i in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 3)))
        town = rng.choice(TOWNS)
        organization = f"旺苍县{town}镇第{i % 97 + 1}茶叶专业合作社"
        award = AWARDS[min(2, i * 3 // count)]
        code = f"E{i + 1:05d}"
        claim = Claim(1, i + 1, AWARDS.index(award) + 1, 12345, issued)
        serial = sign(key, "bench-2026", code, claim)
        found.append(Holder(code, name, organization, "", award, i + 1, "88.50", serial))
    return Issue("bench-2026", "2026 旺苍县职工技能大赛 手工制茶", "final", 12345, issued, tuple(found))


def one(count: int, keep: Path | None) -> dict[str, float]:
    """Run in a subprocess: the figures of one count, as JSON on stdout."""
    from contest.exports.certificates import write_certificates
    from contest.language import gettext_for

    key = secrets.token_bytes(32)
    tracemalloc.start()
    start = time.perf_counter()
    issue = holders(count, key)
    signed = time.perf_counter()
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    out = folder / f"certificates-{count}.pdf"
    laid: list[float] = []

    def progress(done: int) -> None:
        if done == count:
            laid.append(time.perf_counter())

    write_certificates(
        issue,  # type: ignore[arg-type]
        out,
        base_url="https://scores.example.cn",
        issuer="旺苍县总工会",
        gettext=gettext_for("zh_CN"),
        progress=progress,
    )
    written = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = {
        "count": count,
        "sign_s": signed - start,
        "layout_s": laid[0] - signed,
        "write_s": written - laid[0],
        "total_s": written - start,
        "peak_traced_mb": peak / 1e6,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "size_mb": out.stat().st_size / 1e6,
        "pages_ok": float(_check(out, count, key)),
    }
    if keep is None:
        out.unlink()
        folder.rmdir()
    return figures


def _check(path: Path, count: int, key: bytes) -> bool:
    from pypdf import PdfReader

    from contest.services.serials import _mac, parse

    reader = PdfReader(path)
    if len(reader.pages) != count:
        return False
    for index in (0, count - 1):
        text = re.sub(r"[\s\x00]", "", reader.pages[index].extract_text())
        found = re.search(r"证书编号：([A-Z2-7-]+)", text)
        parsed = parse(found.group(1)) if found else None
        if parsed is None:
            return False
        claim, mac = parsed
        if _mac(key, "bench-2026", f"E{claim.entrant_id:05d}", claim) != mac:
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, action="append", help="certificates (repeatable; default 10000)")
    parser.add_argument("--keep", type=Path, help="keep the PDFs in this directory")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the subprocess's own run
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.keep)))
        return 0
    failed = False
    print(f"{'count':>7} {'sign s':>7} {'layout s':>9} {'write s':>8} {'total s':>8} {'ms/page':>8} "
          f"{'peak MB':>8} {'rss MB':>7} {'PDF MB':>7}  check")  # fmt: skip
    for count in args.count or [10_000]:
        command = [sys.executable, __file__, "--one", str(count)]
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            command += ["--keep", str(args.keep)]
        done = subprocess.run(command, capture_output=True, text=True, check=False, env={**os.environ})
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        f = json.loads(done.stdout.strip().splitlines()[-1])
        ok = f["pages_ok"] == 1.0
        failed |= not ok
        print(
            f"{count:>7} {f['sign_s']:>7.2f} {f['layout_s']:>9.1f} {f['write_s']:>8.1f} {f['total_s']:>8.1f} "
            f"{1000 * f['total_s'] / count:>8.1f} {f['peak_traced_mb']:>8.0f} {f['max_rss_mb']:>7.0f} "
            f"{f['size_mb']:>7.1f}  {'ok' if ok else 'CHECK FAILED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
