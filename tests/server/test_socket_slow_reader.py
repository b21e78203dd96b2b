"""The hub writes each update, framed once, straight to the sockets' transports (uvicorn's websockets-sansio
protocol), against a real `contest serve` and real sockets: the frames are what a websocket client reads (the
`websockets` client parses them), and a screen that stops reading is not written to beyond its transport's limit:
it falls back to the server's own send, keeps only the newest board (latest wins), and holds no one up; when it
reads again it gets boards in version order, ending with the newest."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest
import websockets

from tests.server.conftest import bearer
from tests.server.test_live_socket import Live, db_kind, live, next_message

__all__ = ["db_kind", "live"]  # the fixtures, for pytest
pytestmark = pytest.mark.asyncio

ENTRANTS = 250  # with the longest names and organizations, ~750 KB an update: a few fill a stalled socket's buffers


async def raw_socket(live: Live, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A websocket client of our own, with a small receive buffer, that reads only when told to."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", live.server.port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 22)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert b" 101 " in await reader.readuntil(b"\r\n\r\n")
    return reader, writer


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    head = await reader.readexactly(2)
    assert head[0] == 0x81 and head[1] & 0x80 == 0, "a final, unmasked text frame"
    size = head[1] & 0x7F
    if size == 126:
        size = int.from_bytes(await reader.readexactly(2), "big")
    elif size == 127:
        size = int.from_bytes(await reader.readexactly(8), "big")
    found: dict[str, Any] = json.loads(await reader.readexactly(size))
    return found


async def test_a_screen_that_stops_reading_gets_only_the_newest_board_later(live: Live) -> None:
    people = [
        {"code": f"P{n:04d}", "name": f"{n}" + "茶" * 190, "organization": "旺苍县" * 99, "group": "A"}
        for n in range(ENTRANTS)
    ]
    answer = await live.client.put(f"/api/contests/{live.slug}/entrants", json=people, headers=bearer(live.organizer))
    assert answer.status_code == 200, answer.text
    for start in range(0, ENTRANTS, 25):  # every entrant on the board
        await asyncio.gather(*(live.mark(f"P{n:04d}", "5") for n in range(start, min(ENTRANTS, start + 25))))
    path = f"/ws/contests/{live.slug}/standings?round=prelim&limit=1000"
    reader, writer = await raw_socket(live, path)
    snapshot = await read_frame(reader)
    assert snapshot["type"] == "snapshot" and len(snapshot["rows"]) == ENTRANTS
    async with websockets.connect(live.ws(round="prelim", limit="1000"), max_size=None) as reading:
        seen = await next_message(reading)
        slow_seen = 0
        last = 0
        for n in range(40):
            last = await live.mark(f"P{n:04d}", str(n % 4 + 6), reason="复核")
            while seen["version"] < last:  # the screen that reads keeps up, whatever the stalled one does
                message = await next_message(reading, timeout=10)
                assert message["version"] > seen["version"]
                seen = message
            stats = (await live.client.get("/api/live", headers=bearer(live.organizer))).json()
            slow_seen = max(slow_seen, stats["slow"])
        assert slow_seen == 1, "the stalled screen was never held back (its buffer never filled)"
        # it reads again: boards in version order, the last one the newest, fewer than were pushed
        versions = [snapshot["version"]]
        while versions[-1] < last:
            message = await asyncio.wait_for(read_frame(reader), 10)
            if message["type"] == "update":
                versions.append(message["version"])
        assert versions == sorted(set(versions)), versions
        assert len(versions) < 40, "a stalled screen got every board instead of the newest"
    writer.close()
