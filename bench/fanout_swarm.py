"""The screens of `bench_fanout.py`: N raw websocket clients in one process, stamping every update they receive.

A client here is an `asyncio.Protocol` with a minimal handshake (no extensions offered, so no compression) and a
frame parser: far cheaper than the `websockets` client, so the swarm stays ahead of the server it measures. It
answers the server's websocket pings (zero mask key), counts `{"type": "ping"}` heartbeats (and any other message
without a version), and for every other text message records (version, CLOCK_MONOTONIC ns at receipt). The version
is read from the first `"version":` of the message's first 512 bytes (else the message is parsed as JSON); the first
update of the first screen is also parsed as JSON to check that reading.

Talks to its parent over pipes (127.0.0.1 only; every phase time-bounded):

1. connects N screens to ws://127.0.0.1:PORT/PATH, at most --concurrency handshakes at once, waits for each
   screen's first message (the snapshot) and prints `READY {json}` (connected, failed, connect time ...);
2. reads `DONE <version> <seconds>` on stdin, waits until every open screen has seen an update with at least that
   version (at most <seconds>), writes every screen's (version, time) pairs to --out as JSON, prints `RESULT`,
   closes the screens and exits. EOF on stdin, or --max-seconds in all, ends it early.

    .venv/bin/python bench/fanout_swarm.py --port 8765 --path /ws/x --n 1000 --out /tmp/swarm.json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import time
from typing import Any, cast

monotonic_ns = time.monotonic_ns
VERSION = b'"version":'


class Screen(asyncio.Protocol):
    """One screen. Records what it receives; never sends anything but pongs and a close."""

    def __init__(self, request: bytes, opened: asyncio.Future[bool], swarm: Swarm) -> None:
        self.request = request
        self.opened = opened
        self.swarm = swarm
        self.transport: asyncio.Transport | None = None
        self.upgraded = False
        self.buffer = b""
        self.fragments: list[bytes] = []
        self.snapshot: int | None = None
        self.versions: list[int] = []
        self.times: list[int] = []
        self.pings = 0
        self.closed = False
        self.lost_reason: str | None = None
        self.sizes: list[int] | None = None  # the first screen made records its updates' sizes
        if not swarm.sizes_taken:
            swarm.sizes_taken = True
            self.sizes = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio.Transport
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = monotonic_ns()
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            status = buffer[:end]
            if not status.startswith(b"HTTP/1.1 101"):
                self.lost_reason = "handshake " + status.split(b"\r\n", 1)[0].decode("latin-1")
                if not self.opened.done():
                    self.opened.set_result(False)
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded = True
            if not self.opened.done():
                self.opened.set_result(True)
            buffer = buffer[end + 4 :]
        size = len(buffer)
        pos = 0
        while size - pos >= 2:
            first = buffer[pos]
            length = buffer[pos + 1] & 0x7F
            head: int = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                head = 10
            end = pos + head + length
            if end > size:
                break
            payload = buffer[pos + head : end]
            pos = end
            self.frame(first & 0x0F, bool(first & 0x80), payload, now)
        self.buffer = buffer[pos:] if pos < size else b""

    def frame(self, opcode: int, fin: bool, payload: bytes, now: int) -> None:
        if opcode in (0, 1, 2):
            if not fin:
                self.fragments.append(payload)
                return
            if self.fragments:
                self.fragments.append(payload)
                payload = b"".join(self.fragments)
                self.fragments = []
            self.message(payload, now)
        elif opcode == 9:  # ping: pong with the same payload, masked with a zero key
            assert self.transport is not None
            self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
        elif opcode == 8:  # close: answer it
            self.lost_reason = f"closed by the server {payload[:2].hex()}"
            assert self.transport is not None
            self.transport.write(bytes((0x88, 0x80 | min(len(payload), 2))) + b"\0\0\0\0" + payload[:2])
            self.transport.close()

    def message(self, payload: bytes, now: int) -> None:
        at = payload.find(VERSION, 0, 512)
        if at < 0:
            data = json.loads(payload)
            if "version" not in data:  # {"type": "ping"} (as json.dumps writes it, with a space), or anything else
                if data.get("type") == "ping":
                    self.pings += 1
                else:
                    self.swarm.others[str(data.get("type"))] = self.swarm.others.get(str(data.get("type")), 0) + 1
                return
            version = int(data["version"])
        else:
            at += len(VERSION)
            while payload[at] == 32:
                at += 1
            end = at
            while 48 <= payload[end] <= 57:
                end += 1
            version = int(payload[at:end])
        if self.snapshot is None:
            self.snapshot = version
            self.swarm.snapshots += 1
            return
        if self.swarm.check is None:
            self.swarm.check_parse(payload, version)
        self.versions.append(version)
        self.times.append(now)
        if self.sizes is not None:
            self.sizes.append(len(payload))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.swarm.finishing:
            self.lost_reason = self.lost_reason or f"connection lost: {exc!r}"
            self.swarm.lost += 1
        if not self.opened.done():
            self.opened.set_result(False)


class Swarm:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.screens: list[Screen] = []
        self.snapshots = 0
        self.lost = 0
        self.failed: dict[str, int] = {}
        self.finishing = False
        self.sizes_taken = False
        self.others: dict[str, int] = {}  # messages with neither a version nor "type": "ping", by type
        self.check: dict[str, Any] | None = None
        self.started = time.monotonic()

    def check_parse(self, payload: bytes, version: int) -> None:
        data = json.loads(payload)
        self.check = {
            "ok": data.get("version") == version and data.get("type") not in ("snapshot", "ping"),
            "type": data.get("type"),
            "bytes": len(payload),
            "keys": list(data)[:12],
        }

    def deadline_left(self) -> float:
        return float(self.args.max_seconds) - (time.monotonic() - self.started)

    async def connect_one(self, request: bytes, gate: asyncio.Semaphore) -> None:
        loop = asyncio.get_running_loop()
        async with gate:
            opened: asyncio.Future[bool] = loop.create_future()
            screen = Screen(request, opened, self)
            try:
                await asyncio.wait_for(
                    loop.create_connection(lambda: screen, "127.0.0.1", self.args.port),
                    timeout=self.args.connect_seconds,
                )
            except (TimeoutError, OSError) as exc:
                key = type(exc).__name__ + (f" {exc.errno}" if isinstance(exc, OSError) else "")
                self.failed[key] = self.failed.get(key, 0) + 1
                return
            self.screens.append(screen)
            try:
                ok = await asyncio.wait_for(asyncio.shield(opened), timeout=self.args.connect_seconds)
            except TimeoutError:
                ok = False
            if not ok:
                self.failed["handshake"] = self.failed.get("handshake", 0) + 1

    async def run(self) -> int:
        args = self.args
        loop = asyncio.get_running_loop()
        request = (
            f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "User-Agent: bench-fanout-swarm\r\n\r\n"
        ).encode()
        screens = self.screens
        gate = asyncio.Semaphore(args.concurrency)
        began = time.monotonic()
        try:
            await asyncio.wait_for(
                asyncio.gather(*(self.connect_one(request, gate) for _ in range(args.n))),
                timeout=max(1.0, min(args.connect_seconds * 4 + args.n / 200, self.deadline_left())),
            )
        except TimeoutError:
            self.failed["connect phase timed out"] = args.n - len(screens)
        connect_s = time.monotonic() - began
        opened = [s for s in screens if s.upgraded and not s.closed]
        wait_until = time.monotonic() + args.connect_seconds
        while self.snapshots < len(opened) and time.monotonic() < wait_until:
            await asyncio.sleep(0.02)
        gc.collect()
        gc.freeze()
        ready = {
            "pid": os.getpid(),
            "asked": args.n,
            "connected": len(opened),
            "snapshots": sum(1 for s in opened if s.snapshot is not None),
            "failed": self.failed,
            "connect_s": round(connect_s, 3),
            "all_ready_s": round(time.monotonic() - began, 3),
        }
        print("READY " + json.dumps(ready), flush=True)

        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=max(1.0, self.deadline_left()))
        except TimeoutError:
            line = b""
        words = line.split()
        if len(words) == 3 and words[0] == b"DONE":
            target, seconds = int(words[1]), float(words[2])
            until = time.monotonic() + min(seconds, max(0.0, self.deadline_left()))
            while time.monotonic() < until:
                if all(s.closed or (s.versions and s.versions[-1] >= target) for s in opened):
                    break
                await asyncio.sleep(0.02)
        self.finishing = True
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        result = {
            "ready": ready,
            "lost": self.lost,
            "lost_reasons": sorted({s.lost_reason for s in opened if s.lost_reason})[:10],
            "pings": sum(s.pings for s in opened),
            "others": self.others,
            "check": self.check,
            "sizes": next((s.sizes for s in screens if s.sizes is not None), []),
            "cpu_s": round(cpu.ru_utime + cpu.ru_stime, 3),
            "screens": [[s.snapshot, s.versions, s.times, s.closed] for s in opened],
        }
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(result, out, separators=(",", ":"))
        print("RESULT " + args.out, flush=True)
        for s in screens:
            if s.transport is not None and not s.closed:
                s.transport.abort()
        await asyncio.sleep(0.05)
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True, help="e.g. /ws/contests/bench/standings?round=main&limit=50")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight at once")
    parser.add_argument("--connect-seconds", type=float, default=30.0)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="the swarm exits after this, whatever")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    gc.disable()
    try:
        import uvloop
    except ImportError:
        return asyncio.run(Swarm(args).run())
    return uvloop.run(Swarm(args).run())


if __name__ == "__main__":
    sys.exit(main())
