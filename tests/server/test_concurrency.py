"""Fifty judges submitting at once through a real `contest serve` over real HTTP, on SQLite and on PostgreSQL.

Afterwards every acknowledged mark is in the history exactly once with the version it was acknowledged with,
nothing unacknowledged is there, versions are unique and strictly increasing, a screen polling meanwhile never saw
the version go back, and the board equals a recomputation from the acknowledged values. Once more with two servers
on the same database, as two hosts behind a load balancer, each with its own writer.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from tests.server.conftest import ServerProcess, bearer, make_token

pytestmark = pytest.mark.asyncio

JUDGES = 50
ENTRANTS = 8  # each judge marks every entrant once, then corrects one mark and replays two
WORKERS_PER_JUDGE = 2  # each tablet has two submissions in flight at a time: 100 concurrent requests

TOML = """\
[contest]
slug = "crowd"
title = "五十名裁判 / fifty judges"
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

[[rounds]]
key = "main"
"""


def value_of(judge: int, entrant: int) -> Decimal:
    return Decimal((judge * 7 + entrant * 3) % 21) / 2  # 0 to 10 in steps of 0.5


async def setup(server: ServerProcess, organizer: str) -> list[str]:
    async with httpx.AsyncClient(base_url=server.url, headers=bearer(organizer), timeout=30) as client:
        answer = await client.post("/api/contests", content=TOML.encode(), headers={"content-type": "application/toml"})
        assert answer.status_code == 201, answer.text
        people = [{"code": f"E{e:02d}", "name": f"选手{e}"} for e in range(ENTRANTS)]
        assert (await client.put("/api/contests/crowd/entrants", json=people)).status_code == 200
        answer = await client.post("/api/contests/crowd/judges", json=[{"code": f"J{j:02d}"} for j in range(JUDGES)])
        assert answer.status_code == 201, answer.text
        return [j["token"] for j in answer.json()]


class Judge:
    def __init__(self, number: int, token: str, server: ServerProcess) -> None:
        self.number = number
        self.code = f"J{number:02d}"
        self.client = httpx.AsyncClient(
            base_url=server.url,
            headers=bearer(token),
            timeout=60,
            limits=httpx.Limits(max_connections=WORKERS_PER_JUDGE, max_keepalive_connections=WORKERS_PER_JUDGE),
        )
        self.acked: dict[str, tuple[int, str, str]] = {}  # client_id -> (version, entrant, value)
        self.replayed: list[tuple[str, int, int]] = []  # client_id, status, version
        self.failures: list[str] = []

    async def submit(self, cid: str, entrant: int, value: Decimal, reason: str = "") -> int | None:
        data: dict[str, Any] = {
            "entrant": f"E{entrant:02d}",
            "round": "main",
            "values": {"execution": str(value)},
            "client_id": cid,
        }
        if reason:
            data["reason"] = reason
        answer = await self.client.post("/api/contests/crowd/marks", json=data)
        if answer.status_code not in (200, 201):
            self.failures.append(f"{cid}: {answer.status_code} {answer.text}")
            return None
        version: int = answer.json()["version"]
        if answer.status_code == 201:
            self.acked[cid] = (version, f"E{entrant:02d}", str(value))
        else:
            self.replayed.append((cid, answer.status_code, version))
        return version

    async def run(self, start: asyncio.Event) -> None:
        await start.wait()
        queue = list(range(ENTRANTS))

        async def worker() -> None:
            while queue:
                entrant = queue.pop()
                await self.submit(f"{self.code}:E{entrant:02d}", entrant, value_of(self.number, entrant))

        await asyncio.gather(*(worker() for _ in range(WORKERS_PER_JUDGE)))
        # a correction, then two replays of earlier submissions (a tablet that missed the answers)
        entrant = self.number % ENTRANTS
        corrected = (value_of(self.number, entrant) + Decimal("0.5")) % Decimal("10.5")
        await self.submit(f"{self.code}:fix", entrant, corrected, reason="改正 / corrected")
        for entrant in (0, ENTRANTS - 1):
            await self.submit(f"{self.code}:E{entrant:02d}", entrant, value_of(self.number, entrant))


async def screen(server: ServerProcess, stop: asyncio.Event, seen: list[int]) -> None:
    """A venue screen polling the public standings while the judges work."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        while not stop.is_set():
            answer = await client.get("/api/contests/crowd/standings", params={"limit": "5"})
            assert answer.status_code == 200, answer.text
            seen.append(answer.json()["version"])
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("hosts", [1, 2])
async def test_fifty_judges_at_once_lose_and_double_nothing(
    live_server: ServerProcess, start_server: Callable[[str], ServerProcess], db_url: str, hosts: int
) -> None:
    """With hosts=2, two servers on the same database (two hosts behind a load balancer, each with its own
    writer): half the judges post to each, and both end with the same board."""
    organizer = make_token(db_url, "organizer")
    tokens = await setup(live_server, organizer)
    servers = [live_server] + [start_server(db_url) for _ in range(hosts - 1)]
    judges = [Judge(n, token, servers[n % hosts]) for n, token in enumerate(tokens)]
    start, stop = asyncio.Event(), asyncio.Event()
    seen: list[int] = []
    watcher = asyncio.create_task(screen(live_server, stop, seen))
    running = [asyncio.create_task(judge.run(start)) for judge in judges]
    await asyncio.sleep(0.1)
    start.set()
    await asyncio.gather(*running)
    stop.set()
    await watcher
    for judge in judges:
        await judge.client.aclose()

    failures = [f for judge in judges for f in judge.failures]
    assert failures == []
    acked = {cid: entry for judge in judges for cid, entry in judge.acked.items()}
    assert len(acked) == JUDGES * (ENTRANTS + 1)

    async with httpx.AsyncClient(base_url=live_server.url, headers=bearer(organizer), timeout=60) as client:
        answer = await client.get("/api/contests/crowd/history")
        assert answer.status_code == 200
        history = answer.json()["marks"]
        board = (await client.get("/api/contests/crowd/standings", params={"limit": "1000"})).json()

    # every acknowledged mark exactly once, with its acknowledged version and value; nothing else
    counts = Counter(m["client_id"] for m in history)
    assert [cid for cid, n in counts.items() if n != 1] == []
    assert set(counts) == set(acked)
    for mark in history:
        version, entrant, value = acked[mark["client_id"]]
        assert (mark["version"], mark["entrant"], mark["new"]) == (version, entrant, value)
    # replays were answered with the version of the original
    for judge in judges:
        for cid, status, version in judge.replayed:
            assert status == 200 and version == judge.acked[cid][0]
    # versions: unique, strictly increasing in the log's order, and the board is at the last one
    versions = [m["version"] for m in history]
    assert all(a < b for a, b in itertools.pairwise(versions))
    assert board["version"] == versions[-1] == max(v for v, _, _ in acked.values())
    # the screen never saw the version go back
    assert seen and all(a <= b for a, b in itertools.pairwise(seen))

    # the board equals a recomputation from the acknowledged values (the newest per judge and entrant)
    current: dict[tuple[str, str], Decimal] = {}
    for mark in history:
        current[(mark["entrant"], mark["judge"])] = Decimal(mark["new"])
    expected = {}
    for e in range(ENTRANTS):
        code = f"E{e:02d}"
        mean = sum((current[(code, f"J{j:02d}")] for j in range(JUDGES)), Decimal(0)) / JUDGES
        expected[code] = str(mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert {r["entrant"]: r["total"] for r in board["rows"]} == expected
    for other in servers[1:]:  # every host shows the same board at the same version
        async with httpx.AsyncClient(base_url=other.url, headers=bearer(organizer), timeout=60) as client:
            theirs = (await client.get("/api/contests/crowd/standings", params={"limit": "1000"})).json()
        assert (theirs["version"], theirs["rows"]) == (board["version"], board["rows"])
