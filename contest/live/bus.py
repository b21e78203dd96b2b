"""Change notices between workers and hosts over Redis pub/sub: "contest SLUG is at version N".

Each worker publishes a notice right after one of its commits; every other worker on the channel hears it and
catches that contest's boards up from the database's change log. The database stays the source of truth: a
notice is only a hint to look now rather than at the next poll, so losing one costs a little latency, never a
wrong board.

Redis may go away at any moment. The worker keeps serving: `publish` drops notices while the bus is down, the
listener reconnects with capped exponential back-off, and after every (re)subscription `on_resync` re-checks
every watched contest against the database, so no screen stays behind what was missed meanwhile. Loss and
recovery are logged once each, as warnings, without a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0  # seconds for a connection, a command or the subscription's confirmation
BACKLOG = 1000  # notices waiting to be sent; the oldest go first when Redis is slower than the commits


class RedisBus:
    """Publishes and hears change notices on the channel `{prefix}changes`.

    `on_notice(slug, version)` runs on the event loop for every notice of another process (a process does not
    hear its own); `on_resync()` after every subscription, the first one included. Neither may block.
    """

    def __init__(
        self,
        url: str,
        prefix: str,
        on_notice: Callable[[str, int], None],
        on_resync: Callable[[], None],
        *,
        min_delay: float = 0.1,
        max_delay: float = 5.0,
        heartbeat: float = 5.0,
    ) -> None:
        self.url = url
        self.channel = f"{prefix}changes"
        self.origin = uuid.uuid4().hex  # this process: its own notices come back and are skipped
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.heartbeat = heartbeat  # ping Redis after this long; silent for three of these: the link is dead
        self.connected = False  # subscribed now: notices are sent, and heard
        self.subscriptions = 0  # successful (re)subscriptions so far
        self.failures = 0  # failed attempts since the last subscription
        self.delay = min_delay  # the wait before the next attempt
        self._on_notice = on_notice
        self._on_resync = on_resync
        self._outbox: deque[str] = deque(maxlen=BACKLOG)
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()  # the first attempt to subscribe is over, either way
        self._warned = False  # the loss is logged; the recovery will be
        self._closing = False
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start listening and sending; return once subscribed, or once the first attempt failed (the bus keeps
        trying in the background: a worker starts and serves without Redis)."""
        self._tasks = [
            asyncio.create_task(self._listen(), name="contest-bus-listen"),
            asyncio.create_task(self._send(), name="contest-bus-send"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout=3 * CONNECT_TIMEOUT)

    def publish(self, slug: str, version: int) -> None:
        """Tell the other workers that `slug` is at `version`. Never blocks, never raises: while Redis is
        unreachable the notice is dropped (the resync after reconnecting covers it)."""
        try:
            if not self.connected or self._closing:
                return
            self._outbox.append(json.dumps({"slug": slug, "version": version, "origin": self.origin}))
            self._wake.set()
        except Exception:  # pragma: no cover - appending to a deque and setting an event do not fail
            log.debug("live notices: could not queue a notice", exc_info=True)

    async def close(self) -> None:
        self._closing = True
        self.connected = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    # -- listening ------------------------------------------------------------------------------------------------

    def _client(self, retries: int) -> Redis:
        return Redis.from_url(
            self.url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=CONNECT_TIMEOUT,
            socket_keepalive=True,
            retry=Retry(NoBackoff(), retries),  # reconnecting is ours to do, so that we know when it happens
        )

    async def _listen(self) -> None:
        while not self._closing:
            client = self._client(retries=0)
            pubsub = client.pubsub()
            try:
                await self._subscribe(pubsub)
                self._subscribed()
                await self._receive(pubsub)
            except Exception as exc:  # any failure of the link: note it, wait, try again
                self._lost(exc)
            finally:
                self.connected = False
                await _discard(pubsub, client)
            if not self._closing:
                await asyncio.sleep(self._next_delay())

    async def _subscribe(self, pubsub: PubSub) -> None:
        """Subscribe and wait for Redis to confirm it: only then can no notice slip past the resync."""
        await pubsub.subscribe(self.channel)
        deadline = asyncio.get_running_loop().time() + CONNECT_TIMEOUT
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no confirmation of SUBSCRIBE {self.channel} in {CONNECT_TIMEOUT:g}s")
            message = await pubsub.get_message(timeout=left)
            if message is not None and message["type"] == "subscribe":
                return

    def _subscribed(self) -> None:
        self.connected = True
        self.subscriptions += 1
        self.failures = 0
        self.delay = self.min_delay
        if self._warned:
            log.warning("live notices: Redis %s is reachable again; re-checking the watched contests", self.shown)
            self._warned = False
        self._settled.set()
        self._call(self._on_resync)

    def _lost(self, exc: Exception) -> None:
        self.failures += 1
        self._outbox.clear()  # notices of the time before: the resync after reconnecting covers them
        if not self._warned:
            log.warning(
                "live notices: Redis %s unreachable (%s: %s); other workers' changes reach the screens through the "
                "database until it is back; reconnecting",
                self.shown,
                type(exc).__name__,
                exc,
            )
            self._warned = True
        else:
            log.debug("live notices: Redis %s still unreachable (%s)", self.shown, exc)
        self._settled.set()

    def _next_delay(self) -> float:
        """The current back-off (with a little jitter, so that workers do not all knock at once), doubled for the
        next time, up to `max_delay`."""
        wait = self.delay * random.uniform(0.8, 1.0)
        self.delay = min(self.max_delay, self.delay * 2)
        return wait

    async def _receive(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        heard = pinged = loop.time()
        while True:
            message = await pubsub.get_message(timeout=min(1.0, self.heartbeat))
            now = loop.time()
            if message is not None:
                heard = now
                if message["type"] == "message":
                    self._deliver(message["data"])
            if now - heard > 3 * self.heartbeat:
                raise ConnectionError(f"no answer from Redis for {now - heard:.0f}s")
            if now - pinged >= self.heartbeat:
                await pubsub.ping()  # the answer comes back as a message: `heard` moves on
                pinged = now

    def _deliver(self, data: Any) -> None:
        try:
            notice = json.loads(data)
            slug, version, origin = notice["slug"], notice["version"], notice.get("origin")
            if not isinstance(slug, str) or not isinstance(version, int) or isinstance(version, bool):
                raise ValueError("slug and version expected")
        except (ValueError, TypeError, KeyError):
            log.debug("live notices: ignored a message on %s: %r", self.channel, data)
            return
        if origin != self.origin:
            self._call(self._on_notice, slug, version)

    def _call(self, callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception:  # a bug in the callback: it must not take the bus down
            log.exception("live notices: %s%r failed", getattr(callback, "__name__", callback), args)

    # -- sending --------------------------------------------------------------------------------------------------

    async def _send(self) -> None:
        client = self._client(retries=1)  # a connection the server closed meanwhile is made again once
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._outbox:
                    payload = self._outbox.popleft()
                    if not self.connected:
                        continue
                    try:
                        await client.publish(self.channel, payload)
                    except Exception as exc:  # dropped; the listener notices the loss and reports it
                        log.debug("live notices: a notice was dropped (%s)", exc)
        finally:
            await _discard(None, client)

    @property
    def shown(self) -> str:
        """The URL without its password, for the log."""
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://…@{rest.split('@', 1)[1]}" if "@" in rest else self.url


async def _discard(pubsub: PubSub | None, client: Redis) -> None:
    """Close a pub/sub and its client, whatever state the link is in."""
    if pubsub is not None:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
    with contextlib.suppress(Exception):
        await client.aclose()
