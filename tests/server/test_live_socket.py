"""The standings socket against a real `contest serve` and real websocket clients: a snapshot, then the same bytes
to every watcher of a view as marks arrive, versions strictly increasing, a fresh snapshot on request; a frozen
board tells the public nothing newer (not a message) while organizers watch it live; a ceremony reveal uncovers
places from the bottom; a closed socket leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
import websockets

from tests.server.conftest import JUDGES, ServerProcess, bearer, client_id, make_token, new_slug, setup_contest

pytestmark = pytest.mark.asyncio

PUBLIC_QUIET = 1.5  # seconds a public socket must stay silent for "nothing was sent"


@pytest.fixture(params=["sqlite"])
def db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


class Live:
    def __init__(self, server: ServerProcess, client: httpx.AsyncClient, organizer: str, slug: str) -> None:
        self.server, self.client, self.organizer, self.slug = server, client, organizer, slug
        self.judges: dict[str, str] = {}

    def ws(self, **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"ws://127.0.0.1:{self.server.port}/ws/contests/{self.slug}/standings?{query}"

    async def mark(self, entrant: str, value: str, *, item: int = 1, reason: str = "") -> int:
        version = 0
        for judge in ("J1", "J2", "J3"):
            body: dict[str, Any] = {
                "entrant": entrant,
                "round": "prelim",
                "item": item,
                "values": {"execution": value},
                "client_id": client_id(),
                "judge": judge,
            }
            if reason:
                body["reason"] = reason
            answer = await self.client.post(
                f"/api/contests/{self.slug}/marks", json=body, headers=bearer(self.organizer)
            )
            assert answer.status_code in (200, 201), answer.text
            version = answer.json()["version"]
        return version

    async def round(self, **body: Any) -> dict[str, Any]:
        answer = await self.client.patch(
            f"/api/contests/{self.slug}/rounds/prelim", json=body, headers=bearer(self.organizer)
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


@pytest_asyncio.fixture
async def live(live_server: ServerProcess, db_url: str) -> AsyncIterator[Live]:
    organizer = make_token(db_url, "organizer")
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        slug = new_slug("live")
        found = Live(live_server, client, organizer, slug)
        found.judges = await setup_contest(client, organizer, slug, judges=JUDGES)
        yield found


async def next_message(socket: Any, timeout: float = 3.0) -> dict[str, Any]:
    """The next message that is not a heartbeat."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if message["type"] != "ping":
            return message


async def silent(socket: Any, seconds: float = PUBLIC_QUIET) -> bool:
    try:
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), seconds))
            if message["type"] != "ping":
                return False
    except TimeoutError:
        return True


def totals(message: dict[str, Any]) -> list[tuple[Any, str, str | None]]:
    return [(r["rank"], r["entrant"], r["total"]) for r in message["rows"]]


async def test_every_watcher_gets_the_same_bytes_and_versions_only_grow(live: Live) -> None:
    url = live.ws(round="prelim", group="A")
    await live.mark("E3", "9")  # group B
    async with websockets.connect(url) as a, websockets.connect(url) as b:
        first_a, first_b = await next_message(a), await next_message(b)
        assert first_a["type"] == first_b["type"] == "snapshot"
        assert first_a["rows"] == [] and first_a["board"] == "live" and first_a["groups"] == ["B"]
        seen = first_a["version"]
        version = await live.mark("E1", "8")
        raw_a, raw_b = await asyncio.wait_for(a.recv(), 3), await asyncio.wait_for(b.recv(), 3)
        assert raw_a == raw_b, "two screens on one view got different bytes"
        update = json.loads(raw_a)
        assert update["type"] == "update" and update["previous"] == seen and update["version"] == version
        assert totals(update) == [(1, "E1", "8.00")]  # one dive of three (a dive not yet scored counts 0)
        for item in (2, 3):
            version = await live.mark("E1", "8", item=item)
        versions = []
        while True:
            update = await next_message(a)
            versions.append(update["version"])
            if update["version"] == version:
                break
        assert versions == sorted(set(versions)), versions
        assert totals(update) == [(1, "E1", "24.00")]
        # a mark in the other group does not touch this view: nothing is sent
        await live.mark("E4", "9")
        assert await silent(a)
        # and the next update of this view follows the version the screen shows, which the other group's mark
        # moved past: no screen has a gap to fill with a fresh snapshot
        version = await live.mark("E2", "7")
        chain = [versions[-1]]
        while chain[-1] != version:
            update = await next_message(a)
            assert update["type"] == "update" and update["previous"] == chain[-1], (update["previous"], chain)
            chain.append(update["version"])


async def test_a_client_that_saw_a_gap_asks_for_a_fresh_snapshot(live: Live) -> None:
    await live.mark("E2", "7")
    async with websockets.connect(live.ws(round="prelim")) as socket:
        first = await next_message(socket)
        assert [r["entrant"] for r in first["rows"]] == ["E2"]
        version = await live.mark("E1", "9")
        await socket.send(json.dumps({"type": "snapshot"}))
        fresh = await next_message(socket)
        while fresh["type"] != "snapshot":  # the update may come first; the snapshot follows
            fresh = await next_message(socket)
        assert fresh["version"] == version
        assert [r["entrant"] for r in fresh["rows"]] == ["E1", "E2"]


async def test_a_frozen_board_sends_the_public_nothing_newer(live: Live) -> None:
    await live.mark("E1", "8")
    public_url = live.ws(round="prelim", group="A")
    async with (
        websockets.connect(public_url) as public,
        websockets.connect(live.ws(round="prelim", group="A", token=live.organizer)) as organizer,
    ):
        await next_message(public), await next_message(organizer)
        frozen = await live.round(board="frozen")
        update = await next_message(public)
        assert update["board"] == "frozen" and update["version"] == frozen["frozen_version"]
        frozen_rows = update["rows"]
        # marks, a correction and a new entrant after the freeze
        await live.mark("E2", "10")
        await live.mark("E1", "2", reason="复核")
        entrants = [
            {"code": "E1", "name": "林浩然（改）", "organization": "广东", "group": "A"},
            {"code": "E2", "name": "陈一鸣", "organization": "四川", "group": "A"},
            {"code": "E3", "name": "张子墨", "organization": "湖北", "group": "B"},
            {"code": "E4", "name": "李泽宇", "organization": "上海", "group": "B"},
            {"code": "E9", "name": "新选手", "organization": "北京", "group": "A"},
        ]
        answer = await live.client.put(
            f"/api/contests/{live.slug}/entrants", json=entrants, headers=bearer(live.organizer)
        )
        assert answer.status_code == 200, answer.text
        await live.mark("E9", "9")
        assert await silent(public), "a public socket heard of a change after the freeze"
        # organizers keep watching it live
        seen = await next_message(organizer)
        while {r["entrant"] for r in seen["rows"]} != {"E1", "E2", "E9"}:
            seen = await next_message(organizer)
        # and the API and a new public socket show the board as at the freeze, names then included
        for url in (public_url,):
            async with websockets.connect(url) as late:
                snapshot = await next_message(late)
                assert snapshot["rows"] == frozen_rows
                assert snapshot["rows"][0]["name"] == "林浩然"
        answer = await live.client.get(f"/api/contests/{live.slug}/standings", params={"round": "prelim", "group": "A"})
        assert answer.json()["rows"] == frozen_rows
        # unfrozen: the public sees the live board at once
        await live.round(board="live")
        update = await next_message(public)
        assert update["board"] == "live"
        assert [r["entrant"] for r in update["rows"]][:1] == ["E2"]


async def test_a_ceremony_uncovers_places_from_the_bottom(live: Live) -> None:
    for code, value in (("E1", "9"), ("E2", "7"), ("E3", "8"), ("E4", "6")):
        for item in (1, 2, 3):
            await live.mark(code, value, item=item)
    answer = await live.client.patch(
        f"/api/contests/{live.slug}/rounds/prelim", json={"board": "reveal"}, headers=bearer(live.organizer)
    )
    assert answer.status_code == 409, "a reveal before the round is locked"
    await live.round(status="locked")
    async with websockets.connect(live.ws(round="prelim", group="A")) as screen:
        await next_message(screen)
        started = await live.round(board="reveal")
        assert started["reveal"] == {"by": "rank", "step": 0}
        covered = await next_message(screen)
        assert covered["board"] == "reveal" and covered["rows"] == []
        assert covered["reveal"]["hidden"] == 2 and covered["reveal"]["steps"] == 2
        await live.round(reveal=1)
        one = await next_message(screen)
        assert [(r["rank"], r["entrant"]) for r in one["rows"]] == [(2, "E2")]
        assert one["reveal"]["hidden"] == 1
        await live.round(reveal=2)
        both = await next_message(screen)
        assert [(r["rank"], r["entrant"]) for r in both["rows"]] == [(1, "E1"), (2, "E2")]


async def test_a_closed_socket_leaves_nothing_behind(live: Live) -> None:
    async def stats() -> dict[str, int]:
        answer = await live.client.get("/api/live", headers=bearer(live.organizer))
        assert answer.status_code == 200, answer.text
        found: dict[str, int] = answer.json()
        return found

    sockets = [await websockets.connect(live.ws(round="prelim", limit=str(n % 3 + 1))) for n in range(6)]
    for socket in sockets:
        await next_message(socket)
    assert (await stats())["sockets"] == 6 and (await stats())["views"] == 3
    for socket in sockets:
        await socket.close()
    for _ in range(50):
        if (await stats())["sockets"] == 0:
            break
        await asyncio.sleep(0.1)
    assert await stats() == {"sockets": 0, "views": 0, "contests": 0, "slow": 0}


async def test_an_unknown_round_is_an_error_message_then_a_close(live: Live) -> None:
    async with websockets.connect(live.ws(round="nope")) as socket:
        message = json.loads(await socket.recv())
        assert message["type"] == "error" and message["error"]["field"] == "round"
        with pytest.raises(websockets.ConnectionClosed):
            await socket.recv()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "99999999"}, "limit"),
        ({"colour": "red"}, "colour"),
        ({"token": "not-a-token"}, "token"),
    ],
)
async def test_bad_socket_parameters_are_an_error_naming_the_field(
    live: Live, params: dict[str, str], field: str
) -> None:
    async with websockets.connect(live.ws(round="prelim", **params)) as socket:
        message = json.loads(await socket.recv())
        assert message["type"] == "error" and message["error"]["field"] == field, message
        with pytest.raises(websockets.ConnectionClosed):
            await socket.recv()


async def test_a_screen_that_stops_answering_heartbeats_is_closed_and_forgotten(
    start_server: Callable[..., ServerProcess], db_url: str
) -> None:
    """A projector switched off mid-contest: its TCP connection stays open but nothing answers. The server's
    heartbeat finds it and the hub forgets it; a screen that answers stays."""
    server = start_server(db_url, "--ws-ping-interval", "0.5", "--ws-ping-timeout", "0.5")
    organizer = make_token(db_url, "organizer")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        slug = new_slug("beat")
        await setup_contest(client, organizer, slug, judges=JUDGES)
        path = f"/ws/contests/{slug}/standings?round=prelim"
        # a raw socket that opens the websocket, reads its snapshot, and then never reads (nor answers a ping)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        assert b" 101 " in await reader.readuntil(b"\r\n\r\n")
        async with websockets.connect(f"ws://127.0.0.1:{server.port}{path}") as answering:
            await next_message(answering)

            async def sockets() -> int:
                answer = await client.get("/api/live", headers=bearer(organizer))
                count: int = answer.json()["sockets"]
                return count

            assert await sockets() == 2
            for _ in range(60):
                if await sockets() == 1:
                    break
                await asyncio.sleep(0.1)
            assert await sockets() == 1, "a dead screen was kept"
            assert await reader.read() is not None  # the server closed the silent one
            await answering.send(json.dumps({"type": "snapshot"}))
            assert (await next_message(answering))["type"] == "snapshot"  # the one that answers is still served
        writer.close()
