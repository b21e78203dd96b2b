"""The snapshot cache of connecting sockets (contest/live/snapshots.py): a storm of sockets on one view renders it
once per version, a change committed anywhere is seen by the next socket, errors are not kept, the cache is bounded.
The version and the render are plain coroutines here; tests/server/test_socket_snapshot_property.py runs the real
ones against a database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from contest.live.snapshots import Snapshots

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class View:
    slug: str
    round: str = "r1"


class Contest:
    """A database stand-in: a version that anyone may raise, and a render that shows it."""

    def __init__(self) -> None:
        self.version = 1
        self.reads = 0
        self.renders: list[tuple[View, int]] = []
        self.refuse: set[str] = set()

    async def read_version(self, slug: str) -> int | None:
        self.reads += 1
        await asyncio.sleep(0.001)  # a query in the threadpool
        return None if slug == "nope" else self.version

    async def render(self, view: View) -> dict[str, Any]:
        version = self.version
        await asyncio.sleep(0.003)
        if view.round in self.refuse:
            raise LookupError(view.round)
        self.renders.append((view, version))
        return {"version": version, "round": view.round, "rows": [f"row@{version}"]}


async def test_a_reconnect_storm_renders_each_view_once() -> None:
    contest = Contest()
    cache = Snapshots(contest.read_version, contest.render, gap=0.01)
    views = [View("tea", f"r{n % 3}") for n in range(3000)]
    got = await asyncio.gather(*(cache.get(v) for v in views))
    assert sorted(r.round for r, _ in contest.renders) == ["r0", "r1", "r2"]
    assert contest.reads <= 3, "sockets that arrive together share one read of the version"
    for view, snapshot in zip(views, got, strict=True):
        assert snapshot.payload["round"] == view.round and snapshot.version == 1
        assert snapshot.text.startswith('{"type":"snapshot","version":1,')
    # later sockets, nothing changed: no render at all
    await asyncio.gather(*(cache.get(v) for v in views[:100]))
    assert len(contest.renders) == 3


async def test_a_change_committed_anywhere_reaches_the_next_socket() -> None:
    """The version is read again for a socket that arrives after the read began: another worker's change, which
    this worker was not told of, is never hidden behind the cache."""
    contest = Contest()
    heard: list[tuple[str, int]] = []
    cache = Snapshots(contest.read_version, contest.render, gap=0.0, heard=lambda s, v: heard.append((s, v)))
    assert (await cache.get(View("tea"))).version == 1
    contest.version = 2  # committed elsewhere: nobody told the cache
    assert (await cache.get(View("tea"))).payload["rows"] == ["row@2"]
    assert heard[-1] == ("tea", 2), "the hub hears of the version read"
    # a socket that arrives while a read is under way waits for a read of its own
    first = asyncio.ensure_future(cache.get(View("tea")))
    await asyncio.sleep(0)  # its read has begun
    contest.version = 3
    second = await cache.get(View("tea"))
    assert (await first).version in (2, 3) and second.version == 3


async def test_reads_of_the_version_are_spaced_by_the_gap() -> None:
    contest = Contest()
    cache = Snapshots(contest.read_version, contest.render, gap=0.05)
    for _ in range(5):  # one after the other, as sockets of a storm arrive
        await asyncio.gather(*(cache.get(View("tea")) for _ in range(10)))
    assert contest.reads <= 6
    assert len(contest.renders) == 1


async def test_errors_are_told_to_every_waiting_socket_and_not_kept() -> None:
    contest = Contest()
    cache = Snapshots(contest.read_version, contest.render, gap=0.0)
    contest.refuse.add("r9")
    results = await asyncio.gather(*(cache.get(View("tea", "r9")) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results)
    assert len(cache) == 0
    contest.refuse.clear()  # the round exists now (a revised contest file)
    assert (await cache.get(View("tea", "r9"))).payload["round"] == "r9"
    with pytest.raises(LookupError):  # an unknown contest: rendered (to tell why), never kept
        contest.refuse.add("r1")
        await cache.get(View("nope"))
    assert len(cache) == 1


async def test_the_cache_is_bounded_and_keeps_the_views_in_use() -> None:
    contest = Contest()
    cache = Snapshots(contest.read_version, contest.render, size=4, gap=0.0)
    for n in range(10):
        await cache.get(View("tea", f"r{n}"))
        await cache.get(View("tea", "r0"))  # in use all along
    assert len(cache) == 4
    renders = len(contest.renders)
    await cache.get(View("tea", "r0"))
    assert len(contest.renders) == renders, "the view in use was kept"


async def test_a_socket_that_goes_away_does_not_cancel_the_render_for_the_others() -> None:
    contest = Contest()
    cache = Snapshots(contest.read_version, contest.render, gap=0.0)
    leaving = asyncio.ensure_future(cache.get(View("tea")))
    staying = asyncio.ensure_future(cache.get(View("tea")))
    await asyncio.sleep(0.002)
    leaving.cancel()
    assert (await staying).version == 1
    assert len(contest.renders) == 1
