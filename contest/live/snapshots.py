"""The first board of a socket that connects: each view rendered once per version, however many screens connect.

A reconnect storm (the venue's Wi-Fi comes back and 10,000 screens and phones reconnect within seconds) would
otherwise render the same view once per socket (2.5-3 ms each, bench/README.md). Here a snapshot is kept per view
(round, group, limit, entrant, organizer or public, language: everything the render depends on) and per version of
the contest, so each distinct view is rendered once per version.

Exact, on any number of workers: before a snapshot is served, the contest's version is read from the database (one
small query, shared by every socket that arrives while it is pending, and at most one every `gap` seconds per
contest), and only a snapshot rendered at that version or after it is served. A change committed by another worker
that this one has not heard of yet is thus never hidden from a new socket. Errors (an unknown contest or round) are
not kept; at most `size` snapshots are, the least recently used going first.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

Payload = dict[str, Any]
ReadVersion = Callable[[str], Awaitable["int | None"]]  # slug -> its version in the database (None: no such contest)
Render = Callable[[Any], Awaitable[Payload]]  # view -> its payload now (raises what a viewer of it is told)


@dataclass(frozen=True, slots=True)
class Snapshot:
    text: str  # the message as sent: {"type": "snapshot", ...}
    payload: Payload  # the same, as data (shared: never changed)
    etag: str  # a digest of `text`, for the polled fallback's If-None-Match

    @property
    def version(self) -> int:
        return int(self.payload["version"])


@dataclass(slots=True)
class _Entry:
    version: int  # the contest's version read before the render began: the snapshot is at least that new
    task: asyncio.Task[Snapshot]


class Snapshots:
    def __init__(
        self,
        read_version: ReadVersion,
        render: Render,
        *,
        size: int = 256,
        gap: float = 0.05,
        heard: Callable[[str, int], None] | None = None,
    ) -> None:
        self._read_version = read_version
        self._render = render
        self.size = size
        self.gap = gap
        self._heard = heard  # told each version read (the hub: a change made elsewhere reaches the sockets sooner)
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._pending: dict[str, asyncio.Task[int | None]] = {}  # a version check newcomers may still join
        self._running: dict[str, asyncio.Task[int | None]] = {}
        self._last_check: dict[str, float] = {}
        self.renders = 0  # how many snapshots were rendered (tests, stats)

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, view: Any) -> Snapshot:
        """The view's snapshot, as of a version read after this call began."""
        version = await self._version(view.slug)
        found = self._entries.get(view)
        if found is not None and version is not None and found.version >= version:
            self._entries.move_to_end(view)
            return await asyncio.shield(found.task)
        task = asyncio.get_running_loop().create_task(self._make(view))
        task.add_done_callback(_retrieved)
        if version is not None:
            entry = _Entry(version, task)
            self._entries[view] = entry
            self._entries.move_to_end(view)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            task.add_done_callback(lambda done: self._forget_failed(view, entry, done))
        return await asyncio.shield(task)

    async def _make(self, view: Any) -> Snapshot:
        self.renders += 1
        payload = await self._render(view)
        text = json.dumps({"type": "snapshot", **payload}, separators=(",", ":"))
        return Snapshot(text, payload, '"' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"')

    def _forget_failed(self, view: Any, entry: _Entry, done: asyncio.Task[Snapshot]) -> None:
        if (done.cancelled() or done.exception() is not None) and self._entries.get(view) is entry:
            del self._entries[view]

    # -- the contest's version, read once for every socket waiting on it ---------------------------------------------

    async def _version(self, slug: str) -> int | None:
        pending = self._pending.get(slug)
        if pending is None:
            pending = self._pending[slug] = asyncio.get_running_loop().create_task(self._check(slug))
            pending.add_done_callback(_retrieved)
        return await asyncio.shield(pending)

    async def _check(self, slug: str) -> int | None:
        running = self._running.get(slug)
        if running is not None:
            await asyncio.wait([running])  # it began before some of the sockets waiting here arrived
        wait = self._last_check.get(slug, float("-inf")) + self.gap - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        me = self._pending.pop(slug)  # sockets arriving from now on need a read that begins after them
        self._running[slug] = me
        if len(self._last_check) > 4 * self.size:
            self._last_check.clear()  # bounded, whatever slugs are asked for
        self._last_check[slug] = time.monotonic()
        try:
            version = await self._read_version(slug)
        finally:
            if self._running.get(slug) is me:
                del self._running[slug]
        if version is not None and self._heard is not None:
            self._heard(slug, version)
        return version


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark a failure as seen: every socket waiting on the task gets it, but all of them may have gone."""
    if not task.cancelled():
        task.exception()
