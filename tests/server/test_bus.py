"""RedisBus on real Redis servers: the machine's Redis (a prefix of the test's own) for delivery, and a throwaway
`redis-server` that the test kills, freezes and starts again for losing and finding the link.

What must hold: notices arrive in the order they were published, on their prefix only, never back at their
sender; `publish` never raises nor waits, whether Redis is there or not; a lost link is retried with growing
waits; every (re)subscription calls `on_resync`; loss and recovery are logged once each, without a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from contest.live.bus import RedisBus
from tests.server.conftest import free_port
from tests.server.redis_server import RedisServer

pytestmark = pytest.mark.asyncio


@dataclass
class Ear:
    """What one bus heard."""

    notices: list[tuple[str, int]] = field(default_factory=list)
    resyncs: int = 0

    def notice(self, slug: str, version: int) -> None:
        self.notices.append((slug, version))

    def resync(self) -> None:
        self.resyncs += 1


@pytest_asyncio.fixture
async def make_bus() -> AsyncIterator[Callable[..., RedisBus]]:
    """make_bus(url, prefix, ear, **options): a bus (not started); every one is closed at the end."""
    made: list[RedisBus] = []

    def make(url: str, prefix: str, ear: Ear, **options: float) -> RedisBus:
        bus = RedisBus(url, prefix, on_notice=ear.notice, on_resync=ear.resync, **options)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.close()


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


def prefix() -> str:
    return f"contest-test-{uuid.uuid4().hex[:10]}:"


async def until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait until `condition()` holds; the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - start


def bus_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "contest.live.bus" and r.levelno >= logging.WARNING]


async def test_notices_arrive_in_order_on_their_prefix_only(redis_url: str, make_bus: Callable[..., RedisBus]) -> None:
    channel = prefix()
    sender_ear, listener_ear, stranger_ear = Ear(), Ear(), Ear()
    sender = make_bus(redis_url, channel, sender_ear)
    listener = make_bus(redis_url, channel, listener_ear)
    stranger = make_bus(redis_url, prefix(), stranger_ear)  # another installation sharing the Redis
    for bus in (sender, listener, stranger):
        await bus.start()
        assert bus.connected and bus.subscriptions == 1
    assert (sender_ear.resyncs, listener_ear.resyncs, stranger_ear.resyncs) == (1, 1, 1)

    sent = [(f"meet-{n % 3}", n) for n in range(1, 301)]
    started = time.monotonic()
    for slug, version in sent:
        sender.publish(slug, version)
    assert time.monotonic() - started < 0.1  # publishing only queues: it never waits for Redis
    await until(lambda: len(listener_ear.notices) >= len(sent), 5, "every notice heard")
    assert listener_ear.notices == sent
    await asyncio.sleep(0.2)
    assert sender_ear.notices == []  # a worker does not hear its own notices
    assert stranger_ear.notices == []
    assert listener_ear.notices == sent  # nothing twice

    listener.publish("meet-9", 7)  # both ways
    await until(lambda: sender_ear.notices == [("meet-9", 7)], 2, "the notice back")


async def test_a_failing_callback_does_not_stop_the_bus(
    redis_url: str, make_bus: Callable[..., RedisBus], caplog: pytest.LogCaptureFixture
) -> None:
    channel = prefix()
    heard: list[int] = []

    class Fragile(Ear):
        def notice(self, slug: str, version: int) -> None:
            heard.append(version)
            if version == 1:
                raise RuntimeError("a bug in the hub")

    sender, listener = make_bus(redis_url, channel, Ear()), make_bus(redis_url, channel, Fragile())
    await sender.start()
    await listener.start()
    for version in (1, 2, 3):
        sender.publish("meet", version)
    await until(lambda: heard == [1, 2, 3], 3, "the notices after the failing one")
    assert listener.connected and listener.subscriptions == 1
    assert [r.getMessage() for r in bus_warnings(caplog)] == [
        "live notices: notice('meet', 1) failed",
    ]


async def test_unreachable_redis_never_raises_and_is_retried_with_growing_waits(
    make_bus: Callable[..., RedisBus], caplog: pytest.LogCaptureFixture
) -> None:
    ear = Ear()
    bus = make_bus(f"redis://127.0.0.1:{free_port()}/0", prefix(), ear)  # nothing listens there
    started = time.monotonic()
    await bus.start()  # the worker starts anyway
    assert time.monotonic() - started < 1
    assert not bus.connected and bus.failures == 1

    started = time.monotonic()
    for version in range(1000):
        bus.publish("meet", version)  # dropped, quietly
    assert time.monotonic() - started < 0.1

    await asyncio.sleep(2)
    # waits of 0.1, 0.2, 0.4, 0.8 s (less a little jitter): a handful of attempts, not one every few milliseconds
    assert 3 <= bus.failures <= 6, bus.failures
    assert bus.delay >= 0.8
    assert ear.resyncs == 0 and ear.notices == []
    warnings = bus_warnings(caplog)
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # logged once, not per attempt
    assert "unreachable" in warnings[0].getMessage()
    assert warnings[0].exc_info is None  # no traceback

    await bus.close()
    assert not bus.connected
    bus.publish("meet", 1)  # after close too


async def test_redis_restarted_reconnects_with_back_off_and_resyncs(
    throwaway_redis: RedisServer, make_bus: Callable[..., RedisBus], caplog: pytest.LogCaptureFixture
) -> None:
    channel = prefix()
    a_ear, b_ear = Ear(), Ear()
    a = make_bus(throwaway_redis.url, channel, a_ear, max_delay=1.0)
    b = make_bus(throwaway_redis.url, channel, b_ear, max_delay=1.0)
    await a.start()
    await b.start()
    a.publish("meet", 1)
    await until(lambda: b_ear.notices == [("meet", 1)], 2, "the first notice")

    throwaway_redis.kill()
    await until(lambda: not a.connected and not b.connected, 2, "both buses notice the loss")
    for version in (2, 3):
        a.publish("meet", version)  # Redis is away: dropped, no error
    await asyncio.sleep(2)  # several attempts meanwhile, each waiting longer (0.1, 0.2, 0.4, 0.8, 1.0 s ...)
    assert 3 <= a.failures <= 7 and 3 <= b.failures <= 7, (a.failures, b.failures)
    assert a.delay == b.delay == 1.0  # capped
    assert (a_ear.resyncs, b_ear.resyncs) == (1, 1)

    throwaway_redis.start()
    took = await until(lambda: a_ear.resyncs == b_ear.resyncs == 2, 3, "both resync after reconnecting")
    assert took < 1.5  # at most the capped wait, and the subscription
    assert a.connected and b.connected and a.failures == b.failures == 0 and a.delay == 0.1
    a.publish("meet", 4)
    b.publish("other", 9)
    await until(lambda: len(b_ear.notices) == 2 and len(a_ear.notices) == 1, 2, "notices flow again")
    assert b_ear.notices == [("meet", 1), ("meet", 4)]  # what was published while away was dropped
    assert a_ear.notices == [("other", 9)]

    messages = [r.getMessage() for r in bus_warnings(caplog)]
    assert sum("unreachable" in m for m in messages) == 2, messages  # once per bus
    assert sum("reachable again" in m for m in messages) == 2, messages
    assert len(messages) == 4, messages
    assert all(r.exc_info is None for r in bus_warnings(caplog))


async def test_a_silently_dead_link_is_found_by_the_heartbeat(
    throwaway_redis: RedisServer, make_bus: Callable[..., RedisBus]
) -> None:
    """Redis frozen (SIGSTOP): the connection stays open but nothing answers, as when a network drops packets."""
    ear = Ear()
    bus = make_bus(throwaway_redis.url, prefix(), ear, heartbeat=0.3, max_delay=0.5)
    await bus.start()
    assert bus.connected and ear.resyncs == 1
    throwaway_redis.freeze()
    await until(lambda: not bus.connected, 3, "the heartbeat finds the silent link")
    bus.publish("meet", 1)
    throwaway_redis.thaw()
    await until(lambda: ear.resyncs == 2, 6, "resubscribed once Redis answers again")
    assert bus.connected
