"""The hub's own rules, with sockets that take or hold messages as a real transport would: a socket whose buffer is
full holds no one up and keeps only the newest board (latest wins); bursts of changes coalesce, the first after a
quiet spell goes out at once; a view that did not change sends nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from contest.live.frames import direct_protocol, text_frame
from contest.live.hub import Hub

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class View:
    slug: str
    name: str = "v"


@dataclass
class Socket:
    """Takes a message at once (a transport with room), or, while `full` is set, waits until it drains."""

    received: list[dict[str, Any]] = field(default_factory=list)
    full: asyncio.Event | None = None

    async def __call__(self, event: dict[str, Any]) -> None:  # an ASGI send
        if self.full is not None:
            await self.full.wait()
        self.received.append(json.loads(event["text"]))


class Boards:
    """What the hub renders: a board per contest whose version and content the test moves."""

    def __init__(self) -> None:
        self.version = 1
        self.rows: list[str] = []
        self.renders = 0
        self.known: list[int | None] = []  # the version each render was told is committed

    async def render(self, slug: str, views: list[Any], known: int | None) -> dict[Any, Any]:
        self.renders += 1
        self.known.append(known)
        return {view: {"version": self.version, "rows": list(self.rows)} for view in views}

    def change(self, row: str | None = None) -> None:
        self.version += 1
        if row is not None:
            self.rows.append(row)


def without_previous(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "previous"}


async def settle(seconds: float = 0.05) -> None:
    await asyncio.sleep(seconds)


async def until(done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Let the hub work until `done` holds (a push to thousands of sockets takes longer on a busy machine)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)


async def test_a_slow_socket_keeps_only_the_newest_board_and_holds_no_one_up() -> None:
    boards = Boards()
    hub = Hub(boards.render, interval=0.0)
    fast, slow = Socket(), Socket(full=asyncio.Event())
    snapshot = {"version": 1, "rows": []}
    hub.subscribe(fast, View("c"), snapshot)
    hub.subscribe(slow, View("c"), snapshot)
    for n in range(20):
        boards.change(f"E{n}")
        hub.changed("c")
        await settle(0.01)
    await settle()
    assert len(fast.received) >= 10 and fast.received[-1]["rows"][-1] == "E19"
    assert hub.stats()["slow"] == 1
    assert slow.full is not None
    slow.full.set()  # it drains: the send under way, then just the newest board
    await settle()
    assert len(slow.received) == 2, [m["version"] for m in slow.received]
    assert without_previous(slow.received[-1]) == without_previous(fast.received[-1])
    for socket in (fast, slow):  # each update follows the one before: no screen has to ask for a snapshot
        assert [m["previous"] for m in socket.received] == [1] + [m["version"] for m in socket.received[:-1]]
    assert hub.stats()["slow"] == 0
    await hub.close()


async def test_bursts_coalesce_and_the_first_change_after_a_quiet_spell_goes_at_once() -> None:
    boards = Boards()
    hub = Hub(boards.render, interval=0.3)
    socket = Socket()
    hub.subscribe(socket, View("c"), {"version": 1, "rows": []})
    await settle(0.4)  # quiet
    boards.renders = 0
    for n in range(10):
        boards.change(f"E{n}")
        hub.changed("c")
    await settle()
    assert [m["rows"][-1] for m in socket.received] == ["E9"], "the first change did not go out at once"
    for n in range(10, 20):
        boards.change(f"E{n}")
        hub.changed("c")
        await settle(0.01)
    assert len(socket.received) == 1, "a burst was not held back"
    await settle(0.4)
    assert [m["rows"][-1] for m in socket.received] == ["E9", "E19"]
    assert boards.renders <= 3
    versions = [m["version"] for m in socket.received]
    assert versions == sorted(set(versions)) and [m["previous"] for m in socket.received] == [1, versions[0]]
    await hub.close()


async def test_an_unchanged_view_sends_nothing_and_an_unwatched_contest_is_not_rendered() -> None:
    boards = Boards()
    hub = Hub(boards.render, interval=0.0)
    socket = Socket()
    sub = hub.subscribe(socket, View("c"), {"version": 1, "rows": []})
    await settle()
    boards.change()  # a newer version, same content (a mark in another round)
    hub.changed("c")
    await settle()
    assert socket.received == []
    hub.unsubscribe(sub)
    assert hub.stats() == {"sockets": 0, "views": 0, "contests": 0, "slow": 0}
    renders = boards.renders
    hub.changed("c")
    await settle()
    assert boards.renders == renders
    await hub.close()


async def test_a_render_is_told_the_version_committed_and_reads_the_newest_after_any_other_change() -> None:
    """A mark committed here names its version (the boards may take it from the writer without reading the
    database); a change without one (entrants, a remote notice without a version, a resync, a new view) makes the
    render read the newest, and so does any refresh that covers such a change along with a committed version."""
    boards = Boards()
    hub = Hub(boards.render, interval=0.3)
    hub.subscribe(Socket(), View("c"), {"version": 1, "rows": []})
    await settle(0.4)
    assert boards.known == [None]  # a new view: whatever committed while its snapshot was made
    boards.change("E1")
    hub.changed("c", 2)
    await settle()
    boards.change("E2")
    hub.changed("c", 3)  # within the interval: coalesced with the next
    boards.change("E3")
    hub.changed("c", 4)
    await settle(0.4)
    assert boards.known == [None, 2, 4]
    await settle(0.4)  # quiet again
    boards.change("E4")
    hub.changed("c", 5)
    await settle()
    hub.changed("c")  # entrants uploaded: no version named
    hub.changed("c", 7)
    await settle(0.4)
    hub.changed_remote("c", 8)
    await settle(0.4)
    hub.resync()
    await settle(0.4)
    assert boards.known == [None, 2, 4, 5, None, 8, None]
    await hub.close()


async def test_a_push_to_many_screens_lets_the_rest_of_the_server_run_meanwhile() -> None:
    boards = Boards()
    hub = Hub(boards.render, interval=0.0)
    events: list[str] = []

    class Screen(Socket):
        async def __call__(self, event: dict[str, Any]) -> None:
            events.append("screen")

    for _ in range(2000):
        hub.subscribe(Screen(), View("c"), {"version": 1, "rows": []})
    await settle()
    events.clear()
    boards.change("E1")
    hub.changed("c")

    async def judge() -> None:  # a submission answered while the push is under way
        events.append("judge")

    while not events:
        await asyncio.sleep(0)  # the push starts
    await judge()
    await settle()
    assert events.count("screen") == 2000
    assert 0 < events.index("judge") < 2000, "the push held the loop for all 2,000 screens"
    await hub.close()


async def test_a_board_rendered_during_a_push_reaches_the_screens_not_yet_served_first() -> None:
    boards = Boards()
    hub = Hub(boards.render, interval=0.0)
    sockets = [Socket() for _ in range(2000)]
    for socket in sockets:
        hub.subscribe(socket, View("c"), {"version": 1, "rows": []})
    await settle()
    boards.change("E1")
    hub.changed("c")
    while not any(socket.received for socket in sockets):
        await asyncio.sleep(0)  # the push of version 2 is under way
    boards.change("E2")
    hub.changed("c")  # rendered at once: the push does not hold the render back
    await until(lambda: all(s.received and s.received[-1]["version"] == 3 for s in sockets))
    got_2 = [s for s in sockets if any(m["version"] == 2 for m in s.received)]
    assert 0 < len(got_2) < 2000, "the screens not yet served still got the older board first"
    for socket in sockets:
        assert socket.received[-1]["rows"] == ["E1", "E2"] and socket.received[-1]["version"] == 3
        # each update follows the version the screen has: none of them has to ask for a snapshot
        assert [m["previous"] for m in socket.received] == [1] + [m["version"] for m in socket.received[:-1]]
    assert sum(len(s.received) for s in sockets) == 2000 + len(got_2)
    await hub.close()


async def test_an_update_after_an_unseen_version_follows_the_version_the_screen_has() -> None:
    """A mark in another round moves the contest's version but not this board: the next update still says it
    follows the version the screen shows, so the screen does not ask for a snapshot."""
    boards = Boards()
    hub = Hub(boards.render, interval=0.0)
    socket, late = Socket(), Socket()
    hub.subscribe(socket, View("c"), {"version": 1, "rows": []})
    await settle()
    boards.change()  # version 2, nothing this view shows
    hub.changed("c")
    await settle()
    hub.subscribe(late, View("c"), {"version": 2, "rows": []})  # connected meanwhile: its snapshot is version 2
    boards.change("E1")
    hub.changed("c")
    await settle()
    assert [(m["previous"], m["version"]) for m in socket.received] == [(1, 3)]
    assert [(m["previous"], m["version"]) for m in late.received] == [(2, 3)]
    await hub.close()


async def test_a_screen_never_gets_an_older_board_than_it_has() -> None:
    boards = Boards()
    hub = Hub(boards.render, interval=0.0)
    old, fresh = Socket(), Socket()
    hub.subscribe(old, View("c"), {"version": 1, "rows": []})
    hub.subscribe(fresh, View("c"), {"version": 5, "rows": ["E0"]})  # its snapshot is newer than the view's
    boards.version, boards.rows = 3, ["E1"]
    hub.changed("c")
    await settle()
    assert [m["version"] for m in old.received] == [3]
    assert fresh.received == []  # version 3 is older than the 5 it shows
    await hub.close()


@pytest.mark.parametrize("size", [3, 125, 126, 65535, 65536, 200_000])
async def test_an_update_framed_once_is_the_frame_a_websocket_server_sends(size: int) -> None:
    """The hub frames each update once and writes the bytes to every socket; they must be what the `websockets`
    library (uvicorn's, without compression) frames for one socket."""
    from websockets.frames import Frame, Opcode

    text = json.dumps({"type": "update", "rows": "x" * size})
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
    assert text_frame(text) == expected


async def test_only_uvicorns_sansio_protocol_without_extensions_is_written_to_directly() -> None:
    assert direct_protocol(Socket()) is None  # a plain callable: the ASGI send
    assert direct_protocol(Boards().render) is None  # a bound method of something else
