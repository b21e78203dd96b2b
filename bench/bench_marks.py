"""Marks acknowledged per second over HTTP: 50 judges at once against a real `contest serve`.

For each database (a fresh SQLite file; a fresh PostgreSQL database, created and dropped here) and each run it

* starts `python -m contest serve --db URL --port FREE` as a process (loopback only) and waits for /healthz,
* creates an organizer token, a contest (one judged criterion 0-10 step 0.5, panel mean, one round of 10 items),
  the entrants and 50 judges through the API,
* lets the 50 judges post marks at once for --seconds, each judge on its own keep-alive connection (asyncio
  streams and a minimal HTTP/1.1 client; httpx only to set up and check), one mark per submission, each with
  its own client_id,
* then checks that the history holds exactly the acknowledged submissions: as many marks as acknowledgements,
  every acknowledged client_id once, nothing else.

It reports acknowledged marks per second (the median of the runs) and the p50/p95 latency of a submission.
The target is 1,000 acknowledged marks/s on SQLite on the 2-core reference machine; the client shares the
machine's cores with the server, as a venue laptop running both would.

    .venv/bin/python bench/bench_marks.py                          # SQLite, then PostgreSQL; 3 runs of 5 s each
    .venv/bin/python bench/bench_marks.py --db sqlite --seconds 10 --runs 3 --json out.json
    .venv/bin/python bench/bench_marks.py --profile DIR            # py-spy (on PATH) records the server

--profile writes, per run, the server's stacks while it holds the GIL as folded text (DIR/sqlite-0.txt ...), for
flamegraph.pl or speedscope.

Exit status 1 when the stored count differs from the acknowledged count (or a server fails to start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from contest.db.engine import make_engine, make_sessions, migrate
from contest.services.principals import new_token

ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 120.0
PG_ADMIN = os.environ.get("CONTEST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

CONTEST = """\
[contest]
slug = "bench"
title = "基准 / bench"
decimals = 2

[[criteria]]
key = "execution"
label = "Execution"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
round = "sum"

[[rounds]]
key = "main"
items = {items}
"""


@dataclass
class Run:
    db: str
    seconds: float
    acknowledged: int
    stored: int
    refused: int
    rate: float  # acknowledged marks per second
    p50_ms: float
    p95_ms: float
    verified: bool
    server_cpu_ms_per_mark: float  # the server process's CPU time (user + system) per acknowledged mark
    server_cpu_share: float  # server CPU seconds / wall seconds (1.0 = one core busy)
    client_cpu_share: float  # the same for this process, the 50 judges' client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, db_url: str, workdir: Path, profile: Path | None, workers: int = 1) -> None:
        self.workers = workers
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "server.log"
        self.profile = profile
        self.proc: subprocess.Popen[bytes] | None = None
        self.spy: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
        command = [sys.executable, "-m", "contest", "serve", "--db", self.db_url, "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.log.parent)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"contest serve exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"contest serve did not answer /healthz: {self.log.read_text()}")

    def start_profile(self, name: str) -> None:
        spy = shutil.which("py-spy")
        if self.profile is None or self.proc is None:
            return
        if spy is None:
            print("  (py-spy not installed: no profile)", file=sys.stderr)
            return
        self.profile.mkdir(parents=True, exist_ok=True)
        out = self.profile / f"{name}.txt"
        command = [spy, "record", "--pid", str(self.proc.pid), "--format", "raw", "--output", str(out), "--gil"]
        command += ["--rate", "200", "--nonblocking"]
        self.spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop_profile(self) -> None:
        if self.spy is not None:
            self.spy.send_signal(signal.SIGINT)
            self.spy.wait(timeout=60)
            self.spy = None

    def stop(self) -> None:
        self.stop_profile()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU time of a process, and with `children` of its live child processes too (the workers of
    `--workers N`); Linux /proc, 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if not children:
        return own
    for child in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(child.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            own += cpu_seconds(int(child.parent.name))
    return own


def organizer_token(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with make_sessions(engine).begin() as session:
            token: str = new_token(session, "organizer")
            return token
    finally:
        engine.dispose()


async def set_up(url: str, token: str, judges: int, entrants: int, items: int) -> list[str]:
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        answer = await client.post(
            "/api/contests", content=CONTEST.format(items=items).encode(), headers={"content-type": "application/toml"}
        )
        answer.raise_for_status()
        people = [{"code": f"E{e:04d}", "name": f"选手{e}"} for e in range(entrants)]
        (await client.put("/api/contests/bench/entrants", json=people)).raise_for_status()
        answer = await client.post("/api/contests/bench/judges", json=[{"code": f"J{j:02d}"} for j in range(judges)])
        answer.raise_for_status()
        return [j["token"] for j in answer.json()]


class Connection:
    """A minimal HTTP/1.1 keep-alive client for the judges' posts: a tablet is a device of its own, so the client
    must cost this shared machine as little as possible (httpx spends about 2 ms of CPU per request here, as much
    as a core at 500 requests/s). It sends one request at a time and reads a Content-Length answer."""

    def __init__(self, url: str, token: str) -> None:
        self.host, _, port = url.removeprefix("http://").partition(":")
        self.port = int(port)
        self.head = (
            f"POST {{path}} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nUser-Agent: bench-judge\r\nContent-Length: {length}\r\n\r\n"
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: bytes) -> int:
        assert self.reader is not None and self.writer is not None
        self.writer.write(self.head.format(path=path, length=len(body)).encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def judge_loop(
    url: str, token: str, number: int, entrants: int, items: int, start: asyncio.Event, deadline: list[float]
) -> tuple[list[str], list[float], int]:
    acked: list[str] = []
    latencies: list[float] = []
    refused = 0
    connection = Connection(url, token)
    await connection.open()
    try:
        await start.wait()
        slots = ((e, i) for i in range(1, items + 1) for e in range(entrants))
        for entrant, item in slots:
            if time.perf_counter() >= deadline[0]:
                break
            cid = f"J{number:02d}:{entrant}:{item}"
            body = {
                "entrant": f"E{entrant:04d}",
                "round": "main",
                "item": item,
                "values": {"execution": str((number + entrant + item) % 21 / 2)},
                "client_id": cid,
            }
            began = time.perf_counter()
            status = await connection.post("/api/contests/bench/marks", json.dumps(body).encode())
            latencies.append(time.perf_counter() - began)
            if status == 201:
                acked.append(cid)
            else:
                refused += 1
    finally:
        await connection.close()
    return acked, latencies, refused


async def one_run(url: str, organizer: str, args: argparse.Namespace, db: str, server: Server, index: int) -> Run:
    tokens = await set_up(url, organizer, args.judges, args.entrants, args.items)
    start = asyncio.Event()
    deadline = [0.0]
    tasks = [
        asyncio.create_task(judge_loop(url, token, n, args.entrants, args.items, start, deadline))
        for n, token in enumerate(tokens)
    ]
    await asyncio.sleep(0.5)  # every judge connected and waiting
    server.start_profile(f"{db}-{index}")
    assert server.proc is not None
    cpu_before = cpu_seconds(server.proc.pid, children=True)
    own_before = cpu_seconds(os.getpid())
    began = time.perf_counter()
    deadline[0] = began + args.seconds
    start.set()
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    cpu = cpu_seconds(server.proc.pid, children=True) - cpu_before
    own = cpu_seconds(os.getpid()) - own_before
    server.stop_profile()

    acked = [cid for ids, _, _ in results for cid in ids]
    latencies = sorted(t for _, times, _ in results for t in times)
    refused = sum(r for _, _, r in results)
    async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {organizer}"}, timeout=120) as client:
        answer = await client.get("/api/contests/bench/history")
        answer.raise_for_status()
        history = answer.json()["marks"]
    stored_ids = [m["client_id"] for m in history]
    verified = len(stored_ids) == len(acked) and set(stored_ids) == set(acked) and len(set(stored_ids)) == len(acked)
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return Run(
        db=db,
        seconds=round(elapsed, 3),
        acknowledged=len(acked),
        stored=len(history),
        refused=refused,
        rate=round(len(acked) / elapsed, 1),
        p50_ms=round(q[49] * 1000, 2),
        p95_ms=round(q[94] * 1000, 2),
        verified=verified,
        server_cpu_ms_per_mark=round(cpu * 1000 / max(1, len(acked)), 2),
        server_cpu_share=round(cpu / elapsed, 2),
        client_cpu_share=round(own / elapsed, 2),
    )


def pg_database(admin: str) -> tuple[str, str]:
    import psycopg

    name = f"contest_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{admin.rsplit('/', 1)[0]}/{name}"


def pg_drop(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench(db: str, args: argparse.Namespace) -> list[Run]:
    runs = []
    for index in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="contest-bench-") as tmp:
            workdir = Path(tmp)
            pg_name = None
            if db == "sqlite":
                url = f"sqlite:///{workdir / 'bench.db'}"
            else:
                pg_name, url = pg_database(args.pg_admin)
            server = Server(url, workdir, args.profile, args.workers)
            try:
                token = organizer_token(url)
                server.start()
                run = asyncio.run(one_run(server.url, token, args, db, server, index))
            finally:
                server.stop()
                if pg_name is not None:
                    pg_drop(args.pg_admin, pg_name)
        runs.append(run)
        print(
            f"  {db} run {index + 1}: {run.acknowledged} acknowledged in {run.seconds:.2f} s "
            f"= {run.rate:,.0f} marks/s; "
            f"p50 {run.p50_ms:.1f} ms, p95 {run.p95_ms:.1f} ms; stored {run.stored}; "
            f"server CPU {run.server_cpu_ms_per_mark:.1f} ms/mark ({run.server_cpu_share:.0%} of a core), "
            f"client {run.client_cpu_share:.0%} of a core"
            f"{'' if run.verified else '  MISMATCH'}",
            flush=True,
        )
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5.0, help=f"posting time per run (at most {MAX_SECONDS:g})")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--entrants", type=int, default=100)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="contest serve --workers (default 1, as it starts)")
    parser.add_argument("--pg-admin", default=PG_ADMIN, help="PostgreSQL URL allowed to create databases")
    parser.add_argument("--profile", type=Path, help="record the server with py-spy into this folder")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    args.seconds = min(max(args.seconds, 0.5), MAX_SECONDS)

    print(
        f"contest bench_marks: {args.judges} judges, {args.seconds:g} s x {args.runs} runs; "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    report: dict[str, Any] = {"judges": args.judges, "seconds": args.seconds, "cpus": os.cpu_count(), "results": {}}
    ok = True
    for db in kinds:
        runs = bench(db, args)
        median = statistics.median(r.rate for r in runs)
        verified = all(r.verified for r in runs)
        ok = ok and verified
        print(
            f"{db}: median {median:,.0f} acknowledged marks/s; p50 {statistics.median(r.p50_ms for r in runs):.1f} ms, "
            f"p95 {statistics.median(r.p95_ms for r in runs):.1f} ms; stored = acknowledged: {verified}",
            flush=True,
        )
        report["results"][db] = {"median_rate": median, "verified": verified, "runs": [asdict(r) for r in runs]}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
