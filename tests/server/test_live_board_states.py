"""Board state changes reach every socket at once, against a real `contest serve` and real websocket clients: a
hidden board clears the public's screens (the socket stays open) and comes back when shown; a lock and an unlock
change what screens say (final / live); a freeze tells the public "frozen" with the board as it was, and a lock
while frozen tells the public nothing (its version and content stay those of the freeze); organizers see every
change live."""

from __future__ import annotations

import pytest
import websockets

from tests.server.test_live_socket import Live, db_kind, live, next_message, silent

__all__ = ["db_kind", "live"]  # the fixtures, for pytest
pytestmark = pytest.mark.asyncio


async def test_hide_show_lock_and_unlock_are_pushed_at_once(live: Live) -> None:
    await live.mark("E1", "8")
    await live.mark("E2", "6")
    async with (
        websockets.connect(live.ws(round="prelim", group="A")) as public,
        websockets.connect(live.ws(round="prelim", group="A", token=live.organizer)) as organizer,
    ):
        first = await next_message(public)
        assert first["type"] == "snapshot" and [r["entrant"] for r in first["rows"]] == ["E1", "E2"]
        await next_message(organizer)

        hidden = await live.round(board="hidden")
        update = await next_message(public)
        assert (update["type"], update["board"], update["rows"]) == ("update", "hidden", []), "a hidden board clears"
        assert update["version"] == hidden["version"]
        # a mark while hidden: the public hears nothing; organizers see it
        await live.mark("E2", "9", reason="复核")
        seen = await next_message(organizer)
        while [r["entrant"] for r in seen["rows"]][:1] != ["E2"]:
            seen = await next_message(organizer)
        assert await silent(public), "a hidden board told the public of a mark"

        await live.round(board="live")
        update = await next_message(public)
        assert update["board"] == "live" and [r["entrant"] for r in update["rows"]] == ["E2", "E1"]

        locked = await live.round(status="locked", reason="终审")
        update = await next_message(public)
        assert (update["status"], update["board"], update["version"]) == ("locked", "live", locked["version"])
        update = await next_message(organizer)
        while update["status"] != "locked":
            update = await next_message(organizer)
        await live.round(status="open", reason="复核")
        assert (await next_message(public))["status"] == "open"

        frozen = await live.round(board="frozen")
        update = await next_message(public)
        assert (update["board"], update["version"]) == ("frozen", frozen["frozen_version"])
        assert [r["entrant"] for r in update["rows"]] == ["E2", "E1"]
        await live.round(status="locked", reason="终审")  # frozen: nothing newer reaches the public, not even this
        assert await silent(public)
        await live.round(board="live")
        update = await next_message(public)
        assert (update["board"], update["status"]) == ("live", "locked")


async def test_a_screen_that_connects_to_a_hidden_board_waits_on_it(live: Live) -> None:
    await live.mark("E1", "8")
    await live.round(board="hidden")
    async with websockets.connect(live.ws(round="prelim")) as screen:
        snapshot = await next_message(screen)
        assert (snapshot["type"], snapshot["board"], snapshot["rows"]) == ("snapshot", "hidden", [])
        await live.round(board="live")
        update = await next_message(screen)
        assert update["board"] == "live" and [r["entrant"] for r in update["rows"]] == ["E1"]
