"""Two real `contest serve` processes on one PostgreSQL database, as two hosts behind a load balancer.

A screen's websocket on host B shows a mark posted to host A within a second: through Redis (a throwaway
`redis-server` of the test's own), and without Redis through the change-log poller. With Redis killed and started
again in the middle of the scoring, both hosts' screens still end on the database's board.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect

from tests.server.conftest import ServerProcess, bearer, make_token
from tests.server.redis_server import RedisServer

pytestmark = pytest.mark.asyncio

TOML = """\
[contest]
slug = "{slug}"
title = "两台主机 / two hosts"
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
"""
ENTRANTS = [{"code": f"E{n}", "name": f"选手{n}"} for n in range(1, 5)]
DELIVERY = 1.0  # seconds from the acknowledgment on A to the update on B's screen
CONVERGENCE = 8.0  # seconds for every screen to show the database's board after Redis came back


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


class Screen:
    """A venue screen: a websocket on one host's standings, every message kept (pings aside)."""

    def __init__(self, server: ServerProcess, slug: str) -> None:
        self.url = f"ws://127.0.0.1:{server.port}/ws/contests/{slug}/standings"
        self.messages: list[dict[str, Any]] = []
        self.arrived: list[float] = []  # loop time of each message
        self.changed = asyncio.Event()
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Screen:
        self._socket = await connect(self.url, open_timeout=10, ping_interval=None, compression=None)
        first = json.loads(await asyncio.wait_for(self._socket.recv(), 10))
        assert first["type"] == "snapshot", first
        self._keep(first)
        self._reader = asyncio.create_task(self._read(self._socket))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _read(self, socket: ClientConnection) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if message["type"] != "ping":
                self._keep(message)

    def _keep(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.arrived.append(asyncio.get_running_loop().time())
        self.changed.set()

    @property
    def latest(self) -> dict[str, Any]:
        return self.messages[-1]

    def totals(self) -> dict[str, str | None]:
        return {row["entrant"]: row["total"] for row in self.latest["rows"]}

    async def until(self, condition: Callable[[dict[str, Any]], bool], timeout: float) -> float:
        """Wait until the newest message meets `condition`; the loop time it arrived."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition(self.latest):
            self.changed.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"{self.url}: not within {timeout}s; newest: {self.latest}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return self.arrived[-1]

    def assert_versions_increase(self) -> None:
        versions = [m["version"] for m in self.messages]
        assert all(a < b for a, b in itertools.pairwise(versions)), versions
        for before, update in itertools.pairwise(self.messages):
            assert update["type"] == "update" and update["previous"] >= before["version"], update


class Venue:
    """One contest on the shared database, scored through whichever host a request names."""

    def __init__(self, db_url: str) -> None:
        self.slug = f"hosts-{uuid.uuid4().hex[:8]}"
        self.organizer = make_token(db_url, "organizer")
        self.judge = ""
        self.marked: set[str] = set()

    async def create(self, server: ServerProcess) -> None:
        async with httpx.AsyncClient(base_url=server.url, headers=bearer(self.organizer), timeout=30) as client:
            answer = await client.post(
                "/api/contests",
                content=TOML.format(slug=self.slug).encode(),
                headers={"content-type": "application/toml"},
            )
            assert answer.status_code == 201, answer.text
            answer = await client.put(f"/api/contests/{self.slug}/entrants", json=ENTRANTS)
            assert answer.status_code == 200, answer.text
            answer = await client.post(f"/api/contests/{self.slug}/judges", json=[{"code": "J1", "name": "裁判一"}])
            assert answer.status_code == 201, answer.text
            self.judge = answer.json()[0]["token"]

    async def mark(self, server: ServerProcess, entrant: str, value: str) -> int:
        """J1 marks `entrant` on `server`; the version the mark was acknowledged with."""
        body = {"entrant": entrant, "round": "main", "item": 1, "values": {"execution": value}}
        body["client_id"] = uuid.uuid4().hex
        if entrant in self.marked:
            body["reason"] = "改正 / corrected"
        async with httpx.AsyncClient(base_url=server.url, headers=bearer(self.judge), timeout=30) as client:
            answer = await client.post(f"/api/contests/{self.slug}/marks", json=body)
        assert answer.status_code == 201, answer.text
        self.marked.add(entrant)
        version: int = answer.json()["version"]
        return version

    async def board(self, server: ServerProcess) -> dict[str, Any]:
        """The database's board, as organizers get it."""
        async with httpx.AsyncClient(base_url=server.url, headers=bearer(self.organizer), timeout=30) as client:
            answer = await client.get(f"/api/contests/{self.slug}/standings")
        assert answer.status_code == 200, answer.text
        board: dict[str, Any] = answer.json()
        return board


@contextlib.asynccontextmanager
async def notices(url: str, channel: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every change notice published on `channel` meanwhile (read straight from Redis)."""
    heard: list[dict[str, Any]] = []
    client = aioredis.Redis.from_url(url, decode_responses=True)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)

    async def read() -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is not None and message["type"] == "message":
                heard.append(json.loads(message["data"]))

    reader = asyncio.create_task(read())
    try:
        yield heard
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await pubsub.aclose()
        await client.aclose()


def two_hosts(start_server: Callable[..., ServerProcess], db_url: str, *args: str) -> tuple[ServerProcess, ...]:
    return start_server(db_url, *args), start_server(db_url, *args)


async def test_a_mark_on_host_a_reaches_a_screen_on_host_b_through_redis(
    pg_url: str, throwaway_redis: RedisServer, start_server: Callable[..., ServerProcess]
) -> None:
    a, b = two_hosts(start_server, pg_url, "--redis", throwaway_redis.url)
    venue = Venue(pg_url)
    await venue.create(a)
    async with notices(throwaway_redis.url, "contest:changes") as heard, Screen(b, venue.slug) as screen:
        started = screen.latest["version"]
        for entrant, value in (("E1", "8.5"), ("E2", "7.0"), ("E1", "9.0")):
            version = await venue.mark(a, entrant, value)
            acknowledged = asyncio.get_running_loop().time()
            total = f"{Decimal(value):.2f}"
            shown = await screen.until(
                lambda m, v=version, e=entrant, t=total: m["version"] >= v and screen.totals().get(e) == t, 5
            )
            assert shown - acknowledged < DELIVERY, f"{entrant}: {shown - acknowledged:.3f}s"
        assert screen.latest["version"] > started
        screen.assert_versions_increase()
        assert screen.totals() == {"E1": "9.00", "E2": "7.00"}
        # host A told the others through Redis, with the versions it committed
        told = [(n["slug"], n["version"]) for n in heard if n["slug"] == venue.slug]
        assert told, "host A published no change notice on Redis: is the RedisBus wired into the app?"
        assert told[-1] == (venue.slug, version)
    assert (await venue.board(b))["rows"] == (await venue.board(a))["rows"]


async def test_screens_on_both_hosts_converge_when_redis_restarts_mid_contest(
    pg_url: str, throwaway_redis: RedisServer, start_server: Callable[..., ServerProcess]
) -> None:
    a, b = two_hosts(start_server, pg_url, "--redis", throwaway_redis.url)
    venue = Venue(pg_url)
    await venue.create(a)
    async with Screen(a, venue.slug) as on_a, Screen(b, venue.slug) as on_b:
        version = await venue.mark(a, "E1", "6.5")
        await on_b.until(lambda m: m["version"] >= version, 5)

        throwaway_redis.kill()
        await asyncio.sleep(0.3)
        for n, (host, entrant, value) in enumerate(
            [(a, "E2", "7.5"), (b, "E3", "8.0"), (a, "E4", "5.5"), (b, "E1", "9.5"), (a, "E2", "10")]
        ):
            await venue.mark(host, entrant, value)
            if n == 2:
                throwaway_redis.start()  # back in the middle of the scoring
        version = await venue.mark(b, "E3", "8.5")

        expected = await venue.board(a)
        assert expected["version"] == version
        for screen in (on_a, on_b):
            await screen.until(lambda m: m["version"] >= version, CONVERGENCE)
            assert (screen.latest["version"], screen.latest["rows"]) == (expected["version"], expected["rows"])
            screen.assert_versions_increase()
        assert on_b.totals() == {"E1": "9.50", "E2": "10.00", "E3": "8.50", "E4": "5.50"}
        assert (await venue.board(b))["rows"] == expected["rows"]

        # Redis is back: a mark on one host reaches the other's screen at once again
        version = await venue.mark(b, "E4", "6.0")
        acknowledged = asyncio.get_running_loop().time()
        shown = await on_a.until(lambda m: m["version"] >= version, 5)
        assert shown - acknowledged < DELIVERY

    for host in (a, b):  # each loss logged once and matched by its recovery (a busy machine may see a reconnect
        log = host.log.read_text()  # fail once more), with no traceback
        assert log.count("unreachable") == log.count("reachable again") >= 1, log
        assert "Traceback" not in log, log


async def test_without_redis_a_mark_on_host_a_reaches_host_b_through_the_change_log(
    pg_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    a, b = two_hosts(start_server, pg_url)
    venue = Venue(pg_url)
    await venue.create(a)
    async with Screen(b, venue.slug) as screen:
        for entrant, value in (("E1", "8.5"), ("E3", "4.0")):
            version = await venue.mark(a, entrant, value)
            acknowledged = asyncio.get_running_loop().time()
            shown = await screen.until(lambda m, v=version: m["version"] >= v, 5)
            assert shown - acknowledged < DELIVERY + 0.2, f"{shown - acknowledged:.3f}s"  # the poll's interval
        screen.assert_versions_increase()
        assert screen.totals() == {"E1": "8.50", "E3": "4.00"}


async def test_serve_with_two_workers_pushes_a_mark_to_every_screen(
    pg_url: str, throwaway_redis: RedisServer, start_server: Callable[..., ServerProcess]
) -> None:
    """`contest serve --workers 2`: both workers build the app from the factory with the same settings; screens
    connected to either (the kernel spreads the connections) get a mark posted to either."""
    server = start_server(pg_url, "--redis", throwaway_redis.url, "--workers", "2")
    try:
        venue = Venue(pg_url)
        await venue.create(server)
        async with contextlib.AsyncExitStack() as stack:
            screens = [await stack.enter_async_context(Screen(server, venue.slug)) for _ in range(8)]
            for entrant, value in (("E1", "8.5"), ("E2", "6.0"), ("E1", "7.5")):
                version = await venue.mark(server, entrant, value)
                acknowledged = asyncio.get_running_loop().time()
                for screen in screens:
                    shown = await screen.until(lambda m, v=version: m["version"] >= v, 5)
                    assert shown - acknowledged < DELIVERY
            board = await venue.board(server)
            for screen in screens:
                assert (screen.latest["version"], screen.latest["rows"]) == (board["version"], board["rows"])
                screen.assert_versions_increase()
    finally:
        server.stop()  # SIGTERM: the supervisor stops its workers too
