"""Live screens: submit-to-screen latency, CPU and memory of one `contest serve` worker with N websocket screens,
against a bare `websockets` broadcaster measured in the same run with the same client.

For each N (--sizes), each repetition (--runs) and each server (--servers contest,bare; their order alternates
between repetitions), on 127.0.0.1 only:

* starts the server pinned to CPU 0 (os.sched_setaffinity in preexec_fn, RLIMIT_NOFILE raised to the hard limit):
  - `contest`: `python -m contest serve --db sqlite:///<tmp>/bench.db --port P` (one worker, as it starts), then,
    through the API as organizer, a contest (3 judged criteria, panel J1..J3, one round), --entrants entrants and
    J1's and J2's marks for all of them: every entrant is shown, incomplete, in the top 50;
  - `bare`: bench/fanout_bare.py (websockets' asyncio server + broadcast(), compression off) broadcasting messages
    of the same size as `contest`'s updates (measured once at the start by a probe, or --payload-bytes);
* starts the swarm (bench/fanout_swarm.py: raw asyncio-Protocol clients, no compression offered) pinned to CPU 1,
  which opens N screens on ws://127.0.0.1:P/ws/contests/bench/standings?round=main&limit=50 (bare: /ws/screen)
  and waits for each snapshot;
* posts --marks marks --interval seconds apart: `contest` gets J3's mark for the next entrant (POST
  /api/contests/bench/marks as organizer naming the judge; the 201's `version` is the version to wait for),
  `bare` gets the next version on its control websocket (it broadcasts at once). This script runs on CPU 1 too;
* lets every screen stamp each update it receives (CLOCK_MONOTONIC, shared by all processes), and computes per
  mark and screen the latency from just before the POST to the screen's receipt of the first update with at least
  that version.

Reported per run: p50 / p99 / max submit-to-screen over all (screen, mark) pairs, per-mark fan-out (the last
screen's latency, median over marks), server CPU per delivered update (utime + stime from /proc/PID/stat, from
just before the first mark until every screen has the last version; for `contest` this includes the POSTs and
their commits), memory per screen ((VmHWM at the end - VmRSS before the swarm) / N, and VmRSS once every screen has
its snapshot), connect rate, and screens lost (connects refused, handshakes failed, connections dropped, screens
that never saw the last version). The summary gives medians per cell, ratios contest / bare and the targets.

    .venv/bin/python bench/bench_fanout.py                                   # 1,000 / 5,000 / 10,000, 3 runs
    .venv/bin/python bench/bench_fanout.py --sizes 100,1000 --runs 1 --servers bare   # harness check
    .venv/bin/python bench/bench_fanout.py --sizes 10000 --runs 1 --marks 20 --json /tmp/fanout.json
    .venv/bin/python bench/bench_fanout.py --sizes 1000 --runs 1 --servers contest --profile /tmp/prof   # cProfile

Targets (issue 8, this 2-core machine): 10,000 screens on one worker, none lost; p99 at most 1.25x bare's at every
N; at most 25 KB of server memory per screen. Exit status 1 if a run fails (a server does not start, a mark is
refused, a probe sees no update), else 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import hashlib
import itertools
import json
import os
import platform
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SLUG = "bench"
SCREEN_PATH = f"/ws/contests/{SLUG}/standings?round=main&limit=50"
MAX_MARKS = 200
MAX_SWARM_SECONDS = 300.0

CONTEST = """\
[contest]
slug = "bench"
title = "扇出基准 / fan-out bench"
decimals = 2
judges = ["J1", "J2", "J3"]

[[criteria]]
key = "外形"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "香气"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "滋味"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
item = "0.3*外形 + 0.3*香气 + 0.4*滋味"
"""


# -- processes ---------------------------------------------------------------------------------------------------


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def pinned(cpu: int | None):  # type: ignore[no-untyped-def]
    """preexec_fn for a child: its own CPU and the hard open-file limit."""

    def setup() -> None:
        raise_nofile()
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    return setup


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM in kB, for the process and its children (the workers, if any)."""
    totals = {"VmRSS": 0, "VmHWM": 0}
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in totals:
                    totals[key] += int(value.split()[0])
        except OSError:
            pass
    return totals


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and its live children, from /proc/PID/stat."""
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_busy(cpu: int | None) -> float:
    """Busy seconds of one CPU (all of them when None) since boot, from /proc/stat."""
    name = "cpu" if cpu is None else f"cpu{cpu}"
    for line in Path("/proc/stat").read_text().splitlines():
        words = line.split()
        if words and words[0] == name:
            ticks = [int(w) for w in words[1:]]
            idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
            return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    return 0.0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def stop_process(proc: subprocess.Popen[bytes] | None, seconds: float = 20.0, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def read_line(proc: subprocess.Popen[bytes], deadline: float) -> str:
    """One line of the child's stdout, or '' at EOF or at the deadline."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                return ""
            return proc.stdout.readline().decode()


# -- a minimal HTTP/1.1 keep-alive client (the judge's POST costs the client almost nothing) ---------------------


class Http:
    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.token = token
        self.sock = socket.socket()
        self.pending = b""
        self.reopen()

    def reopen(self) -> None:
        """A new connection: uvicorn closes one idle for 5 s (keep-alive timeout), e.g. while screens connect."""
        self.sock.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def request(self, method: str, path: str, body: bytes = b"", ctype: str = "application/json") -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUser-Agent: bench-fanout\r\n"
        if self.token:
            head += f"Authorization: Bearer {self.token}\r\n"
        head += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
        self.sock.sendall(head.encode() + body)
        data = self.pending
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            data += chunk
        top, _, rest = data.partition(b"\r\n\r\n")
        lines = top.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"transfer-encoding":
                raise ConnectionError("chunked answers are not handled")
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            rest += chunk
        self.pending = rest[length:]
        return status, rest[:length]

    def json(self, method: str, path: str, payload: Any, expect: tuple[int, ...] = (200, 201)) -> Any:
        status, body = self.request(method, path, json.dumps(payload, ensure_ascii=False).encode())
        if status not in expect:
            raise RuntimeError(f"{method} {path}: {status} {body[:300]!r}")
        return json.loads(body) if body else None

    def close(self) -> None:
        self.sock.close()


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            client = Http(port)
            try:
                status, _ = client.request("GET", "/healthz")
            finally:
                client.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server did not answer /healthz in {seconds:g} s: {log.read_text()[-2000:]}")


# -- the two servers ---------------------------------------------------------------------------------------------


class ContestServer:
    kind = "contest"
    path = SCREEN_PATH

    def __init__(self, workdir: Path, args: argparse.Namespace) -> None:
        self.workdir = workdir
        self.args = args
        self.port = free_port()
        self.db_url = f"sqlite:///{workdir / 'bench.db'}"
        self.log = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.http: Http | None = None
        self.next_entrant = 0
        self.profile_name = ""

    def start(self) -> None:
        token = organizer_token(self.db_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
        entry = ["-m", "contest"] if self.args.contest_entry is None else [str(self.args.contest_entry.resolve())]
        command = [sys.executable, *entry, "serve", "--db", self.db_url, "--port", str(self.port)]
        if self.args.profile is not None and self.profile_name:
            self.args.profile.mkdir(parents=True, exist_ok=True)
            out = self.args.profile / f"{self.profile_name}.prof"
            command[1:1] = ["-m", "cProfile", "-o", str(out.resolve())]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.workdir,
                preexec_fn=pinned(self.args.server_cpu),
            )
        wait_healthy(self.port, self.proc, self.log)
        self.http = Http(self.port, token)
        self.set_up()

    def set_up(self) -> None:
        assert self.http is not None
        status, body = self.http.request("POST", "/api/contests", CONTEST.encode(), "application/toml")
        if status != 201:
            raise RuntimeError(f"POST /api/contests: {status} {body[:300]!r}")
        count = self.args.entrants
        people = [
            {"code": f"E{e:04d}", "name": f"选手{e:04d}", "organization": f"第{e % 17 + 1}茶叶专业合作社"}
            for e in range(count)
        ]
        self.http.json("PUT", f"/api/contests/{SLUG}/entrants", people)
        self.http.json("POST", f"/api/contests/{SLUG}/judges", [{"code": f"J{j}"} for j in (1, 2, 3)])
        for e in range(count):
            for judge in ("J1", "J2"):
                self.mark(e, judge)

    def mark(self, entrant: int, judge: str) -> int:
        assert self.http is not None
        values = {
            key: str((entrant * 7 + offset * 3 + len(judge) + ord(judge[-1])) % 21 / 2)
            for offset, key in enumerate(("外形", "香气", "滋味"))
        }
        body = {
            "entrant": f"E{entrant:04d}",
            "round": "main",
            "item": 1,
            "values": values,
            "client_id": f"{judge}:{entrant}",
            "judge": judge,
        }
        answer = self.http.json("POST", f"/api/contests/{SLUG}/marks", body, expect=(201,))
        return int(answer["version"])

    def ready(self) -> None:
        assert self.http is not None
        self.http.reopen()

    def trigger(self) -> int:
        """J3 marks the next entrant; the version the 201 names."""
        version = self.mark(self.next_entrant, "J3")
        self.next_entrant += 1
        return version

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None
        # under cProfile: SIGINT, whose KeyboardInterrupt lets cProfile write its file (uvicorn re-raises the signal)
        stop_process(self.proc, 60.0, signal.SIGINT if self.profile_name and self.args.profile else signal.SIGTERM)


class BareServer:
    kind = "bare"
    path = "/ws/screen"

    def __init__(self, workdir: Path, args: argparse.Namespace, payload_bytes: int) -> None:
        self.args = args
        self.port = free_port()
        self.payload_bytes = payload_bytes
        self.log = workdir / "bare.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.control: Any = None
        self.version = 0

    def start(self) -> None:
        from websockets.sync.client import connect

        entry = HERE / "fanout_bare.py" if self.args.bare_entry is None else self.args.bare_entry.resolve()
        command = [sys.executable, str(entry), "--port", str(self.port)]
        command += ["--payload-bytes", str(self.payload_bytes)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=pinned(self.args.server_cpu)
            )
        wait_healthy(self.port, self.proc, self.log)
        self.control = connect(f"ws://127.0.0.1:{self.port}/control", compression=None, open_timeout=10).__enter__()

    def ready(self) -> None:
        pass

    def trigger(self) -> int:
        self.version += 1
        self.control.send(str(self.version))
        if int(self.control.recv(timeout=30)) != self.version:
            raise RuntimeError("bare control: wrong answer")
        return self.version

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        stop_process(self.proc)


def organizer_token(db_url: str) -> str:
    sys.path.insert(0, str(ROOT))
    from contest.db.engine import make_engine, make_sessions, migrate
    from contest.services.principals import new_token

    engine = make_engine(db_url)
    try:
        migrate(engine)
        with make_sessions(engine).begin() as session:
            token: str = new_token(session, "organizer")
            return token
    finally:
        engine.dispose()


# -- one run -----------------------------------------------------------------------------------------------------


@dataclass
class Run:
    server: str
    n: int
    index: int
    connected: int = 0
    failed: int = 0
    lost: int = 0
    missing: int = 0
    marks: int = 0
    delivered: int = 0
    payload_bytes: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    fanout_ms: float = 0.0
    per_mark_p99_ms: list[float] = field(default_factory=list)
    post_ms: float = 0.0
    cpu_us_per_msg: float = 0.0
    connect_cpu_us: float = 0.0
    kb_per_socket_peak: float = 0.0
    kb_per_socket_connected: float = 0.0
    base_rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    connect_per_s: float = 0.0
    swarm_cpu_us_per_msg: float = 0.0
    others_on_server_cpu: float = 0.0  # CPU 0's busy time not spent by the server, per second of the marks phase
    others_on_machine: float = 0.0  # all CPUs' busy time not spent by server, swarm and this script, per second
    order_errors: int = 0
    pings: int = 0
    parse_check: Any = None
    sizes: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def start_swarm(server: Any, n: int, args: argparse.Namespace, workdir: Path) -> list[tuple[Any, Path]]:
    procs = max(1, min(args.swarm_procs, n))
    swarms = []
    for i in range(procs):
        share = n // procs + (1 if i < n % procs else 0)
        out = workdir / f"swarm-{i}.json"
        command = [sys.executable, str(HERE / "fanout_swarm.py"), "--port", str(server.port), "--path", server.path]
        command += ["--n", str(share), "--out", str(out), "--max-seconds", str(MAX_SWARM_SECONDS)]
        command += ["--connect-seconds", str(args.connect_seconds), "--concurrency", str(args.concurrency)]
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(workdir / f"swarm-{i}.log").open("ab"),
            preexec_fn=pinned(args.client_cpu),
        )
        swarms.append((proc, out))
    return swarms


def one_run(kind: str, n: int, index: int, args: argparse.Namespace, payload_bytes: int, marks: int) -> Run:
    run = Run(server=kind, n=n, index=index)
    with tempfile.TemporaryDirectory(prefix="contest-fanout-") as tmp:
        workdir = Path(tmp)
        server: ContestServer | BareServer
        server = ContestServer(workdir, args) if kind == "contest" else BareServer(workdir, args, payload_bytes)
        if isinstance(server, ContestServer) and index >= 0:
            server.profile_name = f"contest-{n}-{index}"
        swarms: list[tuple[Any, Path]] = []
        try:
            server.start()
            assert server.proc is not None
            pid = server.proc.pid
            time.sleep(0.3)
            base = proc_status(pid)
            cpu_connect = cpu_seconds(pid)
            swarms = start_swarm(server, n, args, workdir)
            deadline = time.monotonic() + args.connect_seconds * 4 + n / 200 + 30
            ready = []
            for proc, _ in swarms:
                line = read_line(proc, deadline)
                if not line.startswith("READY "):
                    raise RuntimeError(f"swarm not ready: {line!r}")
                ready.append(json.loads(line[6:]))
            run.connected = sum(r["connected"] for r in ready)
            run.failed = sum(r["asked"] - r["connected"] for r in ready)
            snapshots = sum(r["snapshots"] for r in ready)
            if snapshots < run.connected:
                run.notes.append(f"{run.connected - snapshots} screens without a snapshot")
            failures: dict[str, int] = {}
            for r in ready:
                for key, count in r["failed"].items():
                    failures[key] = failures.get(key, 0) + count
            if failures:
                run.notes.append(f"connect failures {failures}")
            run.connect_per_s = round(run.connected / max(1e-9, max(r["connect_s"] for r in ready)), 1)
            time.sleep(0.2)
            connected = proc_status(pid)
            cpu_before = cpu_seconds(pid)
            busy_before = (cpu_busy(args.server_cpu), cpu_busy(None), time.monotonic())
            mine_before = sum(cpu_seconds(p.pid) for p, _ in swarms) + time.process_time()
            run.connect_cpu_us = round((cpu_before - cpu_connect) * 1e6 / max(1, run.connected), 1)

            server.ready()
            sent: list[tuple[int, int, int]] = []  # (t0 ns, version, ack ns)
            began = time.monotonic()
            for k in range(marks):
                at = began + k * args.interval
                pause = at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                t0 = time.monotonic_ns()
                version = server.trigger()
                sent.append((t0, version, time.monotonic_ns()))
            last = max(v for _, v, _ in sent)
            for proc, _ in swarms:
                assert proc.stdin is not None
                proc.stdin.write(f"DONE {last} {args.settle}\n".encode())
                proc.stdin.flush()
            results = []
            deadline = time.monotonic() + args.settle + 60
            for proc, out in swarms:
                line = read_line(proc, deadline)
                if not line.startswith("RESULT"):
                    raise RuntimeError(f"swarm gave no result: {line!r}")
                results.append(json.loads(out.read_text()))
            cpu_after = cpu_seconds(pid)
            busy_after = (cpu_busy(args.server_cpu), cpu_busy(None), time.monotonic())
            mine_after = sum(r["cpu_s"] for r in results) + time.process_time()  # the swarms may be gone
            end = proc_status(pid)
        finally:
            for proc, _ in swarms:
                try:
                    if proc.stdin is not None:
                        proc.stdin.close()  # EOF: a swarm still waiting for DONE stops
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            server.stop()
        measure(run, sent, results)
        wall = max(1e-9, busy_after[2] - busy_before[2])
        served = cpu_after - cpu_before
        run.others_on_server_cpu = round(max(0.0, busy_after[0] - busy_before[0] - served) / wall, 2)
        others = busy_after[1] - busy_before[1] - served - (mine_after - mine_before)
        run.others_on_machine = round(max(0.0, others) / wall, 2)
        run.cpu_us_per_msg = round((cpu_after - cpu_before) * 1e6 / max(1, run.delivered), 2)
        run.base_rss_mb = round(base["VmRSS"] / 1024, 1)
        run.peak_rss_mb = round(end["VmHWM"] / 1024, 1)
        run.kb_per_socket_peak = round((end["VmHWM"] - base["VmRSS"]) * 1.024 / max(1, run.connected), 1)
        run.kb_per_socket_connected = round((connected["VmRSS"] - base["VmRSS"]) * 1.024 / max(1, run.connected), 1)
    return run


def measure(run: Run, sent: list[tuple[int, int, int]], results: list[dict[str, Any]]) -> None:
    latencies: list[float] = []
    per_mark: list[list[float]] = [[] for _ in sent]
    lost = 0
    swarm_cpu = 0.0
    for result in results:
        swarm_cpu += result["cpu_s"]
        run.pings += result["pings"]
        for kind, count in result["others"].items():
            run.notes.append(f"{count} messages of type {kind} without a version")
        if result["check"] is not None:
            run.parse_check = result["check"]
        if result["sizes"]:
            run.sizes = result["sizes"]
        for reason in result["lost_reasons"]:
            run.notes.append(reason)
        for _snapshot, versions, times, closed in result["screens"]:
            run.delivered += len(versions)
            if any(b <= a for a, b in itertools.pairwise(versions)):
                run.order_errors += 1
            if closed or not versions or versions[-1] < sent[-1][1]:
                lost += 1
            for k, (t0, version, _ack) in enumerate(sent):
                i = bisect.bisect_left(versions, version)
                if i == len(versions):
                    run.missing += 1
                    continue
                ms = (times[i] - t0) / 1e6
                latencies.append(ms)
                per_mark[k].append(ms)
    latencies.sort()
    run.lost = run.failed + lost
    run.marks = len(sent)
    run.p50_ms = round(quantile(latencies, 0.50), 2)
    run.p99_ms = round(quantile(latencies, 0.99), 2)
    run.max_ms = round(latencies[-1], 2) if latencies else float("nan")
    fanouts = [max(m) for m in per_mark if m]
    run.fanout_ms = round(statistics.median(fanouts), 2) if fanouts else float("nan")
    run.per_mark_p99_ms = [round(quantile(sorted(m), 0.99), 1) for m in per_mark]
    run.post_ms = round(statistics.median((ack - t0) / 1e6 for t0, _, ack in sent), 2)
    run.payload_bytes = statistics.median(run.sizes) if run.sizes else float("nan")
    run.swarm_cpu_us_per_msg = round(swarm_cpu * 1e6 / max(1, run.delivered), 2)


def show(run: Run) -> None:
    print(
        f"  {run.server:7} N={run.n:>6,} run {run.index + 1}: p50 {run.p50_ms:8.2f}  p99 {run.p99_ms:8.2f}  "
        f"max {run.max_ms:8.2f}  fan-out {run.fanout_ms:8.2f} ms | CPU {run.cpu_us_per_msg:6.2f} µs/msg | "
        f"{run.kb_per_socket_peak:5.1f} KB/screen (connected {run.kb_per_socket_connected:.1f}) | "
        f"lost {run.lost} missing {run.missing} | {run.delivered:,} updates of {run.payload_bytes:.0f} B | "
        f"POST {run.post_ms:.2f} ms | {run.connect_per_s:,.0f} conn/s | "
        f"others: {run.others_on_server_cpu:.2f} of the server's CPU, {run.others_on_machine:.2f} CPUs in all"
        + (f" | {'; '.join(run.notes)}" if run.notes else ""),
        flush=True,
    )


# -- the whole bench ---------------------------------------------------------------------------------------------


def probe_payload(args: argparse.Namespace) -> int:
    """Start `contest serve` once with one screen and 3 marks: the size of its update messages."""
    run = one_run("contest", 1, -1, args, 0, 3)
    if run.delivered == 0 or not run.sizes:
        raise RuntimeError(f"probe: no update reached the screen ({run.notes})")
    if run.parse_check is not None and not run.parse_check.get("ok"):
        raise RuntimeError(f"probe: the swarm's quick version reading disagrees with JSON: {run.parse_check}")
    size = int(statistics.median(run.sizes))
    print(f"probe: contest's updates are {run.sizes} bytes (median {size}); check {run.parse_check}", flush=True)
    return size


def context() -> dict[str, Any]:
    def git(*words: str) -> str:
        try:
            return subprocess.run(
                ["git", "--no-optional-locks", *words], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    digest = hashlib.sha256()
    for folder in ("contest/live", "contest/web"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "live_web_changed": bool(git("status", "--porcelain", "--", "contest/live", "contest/web")),
        "live_web_digest": digest.hexdigest()[:12],
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
    }


def summarize(runs: list[Run], servers: list[str], sizes: list[int]) -> dict[str, Any]:
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 2) if values else float("nan")

    cells: dict[str, dict[int, dict[str, float]]] = {}
    print("\nmedians per cell (p50 / p99 / fan-out ms, CPU µs per delivered update, KB per screen at peak)")
    print("| server | N | runs | p50 ms | p99 ms | max ms | fan-out ms | CPU µs/msg | KB/screen | conn/s | lost |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for kind in servers:
            mine = [r for r in runs if r.server == kind and r.n == n]
            if not mine:
                continue
            cell = {
                "runs": len(mine),
                "p50_ms": med([r.p50_ms for r in mine]),
                "p99_ms": med([r.p99_ms for r in mine]),
                "p99_min": min(r.p99_ms for r in mine),
                "p99_max": max(r.p99_ms for r in mine),
                "max_ms": med([r.max_ms for r in mine]),
                "fanout_ms": med([r.fanout_ms for r in mine]),
                "cpu_us_per_msg": med([r.cpu_us_per_msg for r in mine]),
                "kb_per_socket": med([r.kb_per_socket_peak for r in mine]),
                "connect_per_s": med([r.connect_per_s for r in mine]),
                "lost": max(r.lost for r in mine),
                "missing": max(r.missing for r in mine),
            }
            cells.setdefault(kind, {})[n] = cell
            print(
                f"| {kind} | {n:,} | {cell['runs']} | {cell['p50_ms']} | {cell['p99_ms']} "
                f"({cell['p99_min']}–{cell['p99_max']}) | {cell['max_ms']} | {cell['fanout_ms']} | "
                f"{cell['cpu_us_per_msg']} | {cell['kb_per_socket']} | {cell['connect_per_s']:,.0f} | {cell['lost']} |"
            )
    verdicts: list[str] = []
    if "contest" in cells and "bare" in cells:
        print("\nratios contest / bare (medians)")
        print("| N | p50 | p99 | fan-out | CPU/msg | KB/screen |")
        print("|---:|---:|---:|---:|---:|---:|")
        for n in sizes:
            ours, bare = cells["contest"].get(n), cells["bare"].get(n)
            if not ours or not bare:
                continue
            ratio = {k: ours[k] / bare[k] if bare[k] else float("nan") for k in ours}
            print(
                f"| {n:,} | {ratio['p50_ms']:.2f}x | {ratio['p99_ms']:.2f}x | {ratio['fanout_ms']:.2f}x | "
                f"{ratio['cpu_us_per_msg']:.2f}x | {ratio['kb_per_socket']:.2f}x |"
            )
            met = "met" if ratio["p99_ms"] <= 1.25 else "MISSED"
            verdicts.append(f"p99 at N={n:,}: {ours['p99_ms']} ms = {ratio['p99_ms']:.2f}x bare (≤ 1.25x): {met}")
    if "contest" in cells:
        for n, cell in sorted(cells["contest"].items()):
            met = "met" if cell["kb_per_socket"] <= 25 else "MISSED"
            verdicts.append(f"memory at N={n:,}: {cell['kb_per_socket']} KB per screen (≤ 25 KB): {met}")
        top = cells["contest"].get(10000)
        if top is not None:
            met = "met" if top["lost"] == 0 and top["missing"] == 0 else "MISSED"
            verdicts.append(f"10,000 screens on one worker: lost {top['lost']}, missing {top['missing']}: {met}")
    if verdicts:
        print("\ntargets")
        for line in verdicts:
            print("  " + line)
    return {"cells": cells, "verdicts": verdicts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,10000", help="screens per run, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per cell (a fresh server each)")
    parser.add_argument("--servers", default="contest,bare", help="contest, bare or both")
    parser.add_argument("--marks", type=int, default=20, help=f"marks (broadcasts) per run, at most {MAX_MARKS}")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between marks (≥ 0.25)")
    parser.add_argument("--entrants", type=int, default=60, help="entrants of the contest (≥ marks)")
    parser.add_argument("--payload-bytes", type=int, help="bare's message size (default: measured on contest)")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds to wait for the last update")
    parser.add_argument("--connect-seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight per swarm process")
    parser.add_argument("--swarm-procs", type=int, default=1)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write every run and the summary here")
    parser.add_argument(
        "--contest-entry",
        type=Path,
        help="a Python script run instead of `-m contest` with the same arguments (to try a patched server)",
    )
    parser.add_argument("--bare-entry", type=Path, help="a script run instead of bench/fanout_bare.py, same arguments")
    parser.add_argument(
        "--profile", type=Path, help="run contest serve under cProfile, one DIR/contest-N-RUN.prof per run (slower)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    servers = [s for s in args.servers.split(",") if s]
    if not set(servers) <= {"contest", "bare"} or not sizes or min(sizes) < 1:
        parser.error("--servers takes contest and/or bare; --sizes positive numbers")
    args.marks = max(1, min(args.marks, MAX_MARKS))
    args.interval = max(0.25, args.interval)
    args.entrants = max(args.entrants, args.marks)
    args.settle = min(max(1.0, args.settle), 60.0)
    args.runs = max(1, min(args.runs, 10))

    hard = raise_nofile()
    if (os.cpu_count() or 1) < 2:
        args.server_cpu = args.client_cpu = None
        print("one CPU: nothing pinned", file=sys.stderr)
    else:
        os.sched_setaffinity(0, {args.client_cpu})
    need = max(sizes) // max(1, args.swarm_procs) + 100
    if hard < max(sizes) + 100 or hard < need:
        print(
            f"warning: the open-file hard limit is {hard} (ulimit -Hn): fewer than {max(sizes) + 100}", file=sys.stderr
        )
    info = context()
    print(
        f"contest bench_fanout: sizes {sizes}, servers {servers}, {args.runs} runs x {args.marks} marks every "
        f"{args.interval:g} s; {info['nproc']} CPUs, Python {info['python']}, RLIMIT_NOFILE {info['nofile']}, "
        f"commit {info['commit']}{' + changes in contest/live|web' if info['live_web_changed'] else ''} "
        f"(live+web digest {info['live_web_digest']}), {info['date']}",
        flush=True,
    )
    started = time.monotonic()
    payload = args.payload_bytes
    if payload is None:
        payload = probe_payload(args) if "contest" in servers else 2600
    runs: list[Run] = []
    ok = True
    for n in sizes:
        for index in range(args.runs):
            order = servers if index % 2 == 0 else list(reversed(servers))
            for kind in order:
                try:
                    run = one_run(kind, n, index, args, payload, args.marks)
                except Exception as exc:  # one failed run is reported, the others go on
                    ok = False
                    print(f"  {kind} N={n:,} run {index + 1}: FAILED {type(exc).__name__}: {exc}", flush=True)
                    continue
                runs.append(run)
                show(run)
    summary = summarize(runs, servers, sizes)
    print(f"\ntotal {time.monotonic() - started:.0f} s; bare payload {payload} bytes", flush=True)
    if args.json:
        settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        report = {"context": info, "args": settings, "payload_bytes": payload}
        report |= {"runs": [asdict(r) for r in runs], "summary": summary}
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
