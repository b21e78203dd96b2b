"""The live hub: every socket watching a standing gets the newest board, the same bytes for every viewer of a view.

After a change of a contest commits (here, or on another worker: `changed_remote`), the hub catches the contest's
boards up and renders each distinct view once, off the event loop (`render`, handed in by the app: what a viewer
may see is the services' business). The render is told the version that committed when the hub knows it (a mark
from this worker: its boards may already hold it, contest/live/boards.py), else it reads the newest.

A view whose content changed is serialised once and the same text goes to every socket on it, framed once: on
uvicorn's `websockets-sansio` protocol the same frame bytes are written straight to each socket's transport while it
is open for writing (contest/live/frames.py); anything else goes through the socket's ASGI send. Sending does not
make a task per socket: a send that the transport takes at once (the usual case) completes in the loop; only a
socket whose buffer is full gets a task of its own, and while it is busy the hub keeps nothing for it but the view's
newest board (latest wins), so a slow phone never holds anyone up nor piles up a backlog.

Each update names the version the socket was last sent as `previous` (the client asks for a fresh snapshot when it
differs from the one it shows): the screens of a view almost always share it, so there is one text and one frame
per view and version, and one more for the few sockets (slow, or just connected) that come from elsewhere.
Bursts coalesce: the first change after a quiet spell goes out at once, later ones at most every `interval`.
Rendering does not wait for a push: a push to thousands of sockets lets the loop run every `YIELD_EVERY` sockets
(judges' submissions are answered meanwhile), and when a newer board of the view is rendered during it, the sockets
not yet reached get that one, then the push makes another pass for those that got the older board. A socket never
gets a board older than one it already has.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from contest.live.frames import (
    PING,
    PING_FRAME,
    Event,
    Send,
    direct_protocol,
    open_for_writing,
    resume,
    text_event,
    text_frame,
)

log = logging.getLogger(__name__)

YIELD_EVERY = 100  # sockets served between two looks at the rest of the loop during a push (~2 ms at 10,000)


@dataclass(eq=False, slots=True)  # one per screen: no __dict__
class Subscriber:
    send: Send
    view: Any  # the view it watches (hashable)
    direct: Any = None  # the server's protocol object of the socket, when frames may be written to it directly
    version: int = -1  # the version of the last board handed to the socket (sent, or being sent while busy)
    busy: asyncio.Task[None] | None = None  # a send the transport could not take at once
    pending: Event | None = None  # a message of its own (a snapshot it asked for, a heartbeat) due after `busy`
    closed: bool = False


@dataclass(eq=False)
class _View:
    subscribers: set[Subscriber] = field(default_factory=set)
    content: Any = None  # the last payload, without its version: an unchanged view is not sent again
    version: int = -1  # the newest version rendered (a board unchanged since `shown` is not sent again)
    shown: int = -1  # the version of `body`, the board being pushed
    body: str | None = None  # that board as JSON, without its opening `{"type":"update","previous":N,`
    messages: dict[int, tuple[Event, bytes]] = field(default_factory=dict)  # previous -> that update, framed once
    pushing: asyncio.Task[None] | None = None

    def update_after(self, previous: int) -> tuple[Event, bytes]:
        """The update from `previous` to `shown`: one text and one frame for all the sockets that had `previous`."""
        found = self.messages.get(previous)
        if found is None:
            # ASCII (Chinese as \u escapes): the server encodes a text frame for every socket, and encoding ASCII
            # is a copy, where UTF-8 of Chinese text cost 12.6 µs per socket for a 13.5 KB board (bench/README.md)
            text = f'{{"type":"update","previous":{previous},{self.body}'
            found = self.messages[previous] = (text_event(text), text_frame(text))
        return found


Rendered = Mapping[Any, "dict[str, Any] | Exception"]
# (slug, views, a version known to be committed or None: read the newest) -> each view's payload or error
Render = Callable[[str, list[Any], "int | None"], Awaitable[Rendered]]


class Hub:
    def __init__(
        self,
        render: Render,
        *,
        interval: float = 0.2,
        heartbeat: float = 15.0,
        publish: Callable[[str, int], None] | None = None,
    ) -> None:
        self._render = render  # computed off the loop
        self.interval = interval
        self.heartbeat = heartbeat
        self.publish = publish  # tell other workers (Redis), after a change made here
        self._views: dict[Any, _View] = {}
        self._by_contest: dict[str, set[Any]] = {}
        self._seen: dict[str, int] = {}  # slug -> the newest version this worker has heard of
        self._last_push: dict[str, float] = {}
        self._scheduled: dict[str, asyncio.TimerHandle | asyncio.Task[None]] = {}
        self._due: dict[str, int | None] = {}  # slug -> the version its next refresh must show (None: the newest)
        self._again: set[str] = set()  # changed while a refresh was running
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- life ----------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._heartbeat_task = asyncio.get_running_loop().create_task(self._beat())

    async def close(self) -> None:
        for handle in list(self._scheduled.values()):
            handle.cancel()
        tasks = [t for t in (self._heartbeat_task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- subscribers ---------------------------------------------------------------------------------------------

    def subscribe(self, send: Send, view: Any, snapshot: dict[str, Any]) -> Subscriber:
        """Watch `view` from `snapshot` on (which the caller has sent); `send` is the socket's ASGI send."""
        sub = Subscriber(send, view, direct_protocol(send), version=int(snapshot["version"]))
        found = self._views.get(view)
        if found is None:
            found = self._views[view] = _View(content=_content(snapshot), version=sub.version, shown=sub.version)
            self._by_contest.setdefault(view.slug, set()).add(view)
            self._schedule(view.slug, None)  # a change committed while the snapshot was being made reaches it too
        found.subscribers.add(sub)
        if found.shown > sub.version and found.body is not None:
            self._update(sub, found)  # an update went out meanwhile
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        sub.closed = True
        sub.pending = None
        if sub.busy is not None:
            sub.busy.cancel()
        found = self._views.get(sub.view)
        if found is None:
            return
        found.subscribers.discard(sub)
        if not found.subscribers:
            del self._views[sub.view]
            if found.pushing is not None:
                found.pushing.cancel()
            views = self._by_contest.get(sub.view.slug)
            if views is not None:
                views.discard(sub.view)
                if not views:
                    del self._by_contest[sub.view.slug]
                    self._due.pop(sub.view.slug, None)

    def watched(self) -> set[str]:
        """The contests someone is watching."""
        return set(self._by_contest)

    def stats(self) -> dict[str, int]:
        subs = sum(len(v.subscribers) for v in self._views.values())
        busy = sum(1 for v in self._views.values() for s in v.subscribers if s.busy is not None)
        return {"sockets": subs, "views": len(self._views), "contests": len(self._by_contest), "slow": busy}

    # -- changes -------------------------------------------------------------------------------------------------

    def changed(self, slug: str, version: int | None = None) -> None:
        """A change of `slug` committed on this worker (on the event loop): push it, and tell the other workers."""
        if self.publish is not None:
            self.publish(slug, version or 0)
        if version is not None:
            self._seen[slug] = max(self._seen.get(slug, 0), version)
        self._schedule(slug, version)

    def changed_remote(self, slug: str, version: int) -> None:
        """Another worker, or the change log, says `slug` is at `version` (0: at some newer version)."""
        if version:
            if version <= self._seen.get(slug, 0):
                return  # seen already
            self._seen[slug] = version
        self._schedule(slug, version or None)

    def resync(self) -> None:
        """Check every watched contest against the database (after a lost notice channel came back)."""
        for slug in self.watched():
            self._schedule(slug, None)

    def send(self, sub: Subscriber, message: str, version: int) -> None:
        """Send one subscriber a message of its own (a fresh snapshot it asked for), in turn with the updates."""
        sub.version = max(sub.version, version)
        self._deliver(sub, text_event(message))

    def _schedule(self, slug: str, version: int | None) -> None:
        """Refresh the contest's views to show `version` (None: whatever is newest), now or after the interval."""
        if slug not in self._by_contest:
            return
        if slug in self._due:  # a refresh is due already: it shows both
            earlier = self._due[slug]
            version = None if earlier is None or version is None else max(earlier, version)
        self._due[slug] = version
        self._arm(slug)

    def _arm(self, slug: str) -> None:
        running = self._scheduled.get(slug)
        if isinstance(running, asyncio.Task):
            self._again.add(slug)  # one more refresh once this one is done
            return
        if running is not None:
            return  # a coalesced refresh is already due
        loop = asyncio.get_running_loop()
        wait = self._last_push.get(slug, float("-inf")) + self.interval - time.monotonic()
        if wait <= 0:
            self._refresh_now(slug)
        else:
            self._scheduled[slug] = loop.call_later(wait, self._refresh_now, slug)

    def _refresh_now(self, slug: str) -> None:
        self._last_push[slug] = time.monotonic()
        self._scheduled[slug] = task = asyncio.get_running_loop().create_task(self._refresh(slug))
        task.add_done_callback(lambda _: self._refreshed(slug))

    def _refreshed(self, slug: str) -> None:
        self._scheduled.pop(slug, None)
        if slug in self._again:
            self._again.discard(slug)
            self._arm(slug)

    async def _refresh(self, slug: str) -> None:
        views = list(self._by_contest.get(slug, ()))
        known = self._due.pop(slug, None)
        if not views:
            return
        try:
            rendered = await self._render(slug, views, known)
        except Exception:
            log.exception("rendering the boards of %s failed", slug)
            return
        for view, payload in rendered.items():
            found = self._views.get(view)
            if found is None:
                continue
            if isinstance(payload, Exception):
                continue  # the view went away (a round no longer shown): keep the last board on the sockets
            self._newer(found, payload)

    def _newer(self, found: _View, payload: dict[str, Any]) -> None:
        """A view rendered anew: push it, unless no viewer would see a difference."""
        version = int(payload["version"])
        content = _content(payload)
        if version <= found.version or content == found.content:
            # nothing newer (a frozen board stays at its freeze), or nothing a viewer sees changed (a mark in
            # another round): no message
            found.version = max(found.version, version)
            return
        found.content, found.version, found.shown = content, version, version
        found.body = json.dumps(payload, separators=(",", ":"))[1:]
        found.messages.clear()
        if found.pushing is None:
            found.pushing = task = asyncio.get_running_loop().create_task(self._push(found))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _push(self, found: _View) -> None:
        """Bring every socket of the view to its newest board; a board rendered meanwhile reaches the sockets not
        yet served at once, and those served before it in another pass."""
        try:
            while True:
                shown, count = found.shown, 0
                for sub in list(found.subscribers):
                    if sub.version < found.shown:
                        self._update(sub, found)
                        count += 1
                        if count % YIELD_EVERY == 0:
                            await asyncio.sleep(0)  # a judge's submission is answered during a push to 10,000
                if found.shown == shown:
                    return
        finally:
            found.pushing = None

    # -- sending -------------------------------------------------------------------------------------------------

    def _update(self, sub: Subscriber, found: _View) -> None:
        """Send `sub` the view's newest board, following the version it was last sent."""
        if sub.closed or sub.version >= found.shown:
            return  # versions never go back (a fresh snapshot it asked for may be newer)
        if sub.busy is not None:
            return  # its task sends the newest board once the transport has room (latest wins)
        message, frame = found.update_after(sub.version)
        sub.version = found.shown
        self._deliver(sub, message, frame)

    def _deliver(self, sub: Subscriber, message: Event, frame: bytes | None = None) -> None:
        """Send `message` now, or after the send under way (a message of its own: replacing an older one);
        `frame`: the same message framed, written straight to the socket's transport when it can take it now."""
        if sub.closed:
            return
        if sub.busy is not None:
            sub.pending = message
            return
        if frame is not None and sub.direct is not None and open_for_writing(sub.direct):
            sub.direct.transport.write(frame)  # what the server's send would write, without framing it again
            return
        coroutine = sub.send(message)
        try:
            suspended = coroutine.send(None)
        except StopIteration:
            return  # the transport took it at once: no task, no wake-up
        except Exception:
            self._lost(sub)
            return
        # the transport's buffer is full: finish this send, then what is due, in a task of its own
        sub.busy = task = asyncio.get_running_loop().create_task(self._finish(sub, coroutine, suspended))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish(self, sub: Subscriber, coroutine: Coroutine[Any, Any, None], suspended: Any) -> None:
        try:
            await resume(coroutine, suspended)
            while not sub.closed:
                found = self._views.get(sub.view)
                if sub.pending is not None:
                    message, sub.pending = sub.pending, None
                elif found is not None and found.body is not None and sub.version < found.shown:
                    message = found.update_after(sub.version)[0]  # the newest board only
                    sub.version = found.shown
                else:
                    return
                await sub.send(message)
        except asyncio.CancelledError:
            coroutine.close()
            raise
        except Exception:
            self._lost(sub)
        finally:
            sub.busy = None

    def _lost(self, sub: Subscriber) -> None:
        """A socket that cannot be written to any more: its endpoint sees the close and unsubscribes; stop here."""
        sub.closed = True
        sub.pending = None

    async def _beat(self) -> None:
        """A small message to every socket now and then: browsers cannot see pings, and a screen that hears
        nothing for a while knows it is cut off."""
        while True:
            await asyncio.sleep(self.heartbeat)
            for found in list(self._views.values()):
                for sub in list(found.subscribers):
                    if sub.pending is None:
                        self._deliver(sub, PING, PING_FRAME)


def _content(payload: Mapping[str, Any]) -> Any:
    """What viewers see of a payload: everything but its version."""
    return {k: v for k, v in payload.items() if k not in ("version", "type", "previous")}
