"""The polled fallback of the standings socket against a real `contest serve`: a plain GET on the socket's address
answers the snapshot the socket would send (hidden boards as an empty view, frozen boards as at the freeze,
organizers live with a Bearer token), with an ETag that turns an unchanged board into a 304 without a body."""

from __future__ import annotations

import json

import pytest
import websockets

from tests.server.conftest import bearer
from tests.server.test_live_socket import Live, db_kind, live, next_message

__all__ = ["db_kind", "live"]  # the fixtures, for pytest
pytestmark = pytest.mark.asyncio


async def test_polling_the_socket_address_answers_its_snapshot_with_an_etag(live: Live) -> None:
    await live.mark("E1", "8")
    path = f"/ws/contests/{live.slug}/standings"
    params = {"round": "prelim", "group": "A"}
    answer = await live.client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    polled = answer.json()
    etag = answer.headers["etag"]
    async with websockets.connect(live.ws(**params)) as socket:
        assert await next_message(socket) == polled, "the poll and the socket show the same board"
    unchanged = await live.client.get(path, params=params, headers={"if-none-match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    version = await live.mark("E2", "9")
    moved = await live.client.get(path, params=params, headers={"if-none-match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    assert moved.json()["version"] == version and [r["entrant"] for r in moved.json()["rows"]] == ["E2", "E1"]

    frozen = await live.round(board="frozen")
    await live.mark("E1", "10", reason="复核")
    public = (await live.client.get(path, params=params)).json()
    assert (public["board"], public["version"]) == ("frozen", frozen["frozen_version"])
    assert [r["entrant"] for r in public["rows"]] == ["E2", "E1"]
    organizer = (await live.client.get(path, params=params, headers=bearer(live.organizer))).json()
    assert organizer["board"] == "live" and [r["entrant"] for r in organizer["rows"]] == ["E1", "E2"]

    hiding = await live.round(board="hidden")
    answer = await live.client.get(path, params=params)
    hidden = answer.json()
    assert (hidden["type"], hidden["board"], hidden["rows"]) == ("snapshot", "hidden", [])
    # as of the hiding: the marks entered behind a hidden board do not move what the public can poll (not even
    # its version, which would count them), while a change of the round itself does
    assert hidden["version"] == hiding["frozen_version"] == hiding["version"]
    await live.mark("E2", "9", item=2)  # it would move group A's board
    behind = await live.client.get(path, params=params, headers={"if-none-match": answer.headers["etag"]})
    assert (behind.status_code, behind.content) == (304, b""), behind.text
    locked = await live.round(status="locked")
    relocked = (await live.client.get(path, params=params)).json()
    assert (relocked["version"], relocked["status"], relocked["rows"]) == (locked["version"], "locked", [])
    shown = await live.round(board="live", status="open", reason="复核")
    live_again = (await live.client.get(path, params=params)).json()
    assert live_again["version"] == shown["version"] and [r["entrant"] for r in live_again["rows"]] == ["E2", "E1"]


@pytest.mark.parametrize(("params", "field"), [({"round": "nope"}, "round"), ({"limit": "0"}, "limit")])
async def test_a_bad_poll_is_an_error_naming_the_field(live: Live, params: dict[str, str], field: str) -> None:
    answer = await live.client.get(f"/ws/contests/{live.slug}/standings", params=params)
    assert 400 <= answer.status_code < 500
    assert json.loads(answer.text)["error"]["field"] == field
