"""The console drives the ceremony reveal (/admin/contests/{slug}/rounds): while a round's board is in reveal, the
rounds page shows how far it has gone (the public standings' own `reveal` progress) and steps it forward and back
with form posts (the form token required), as /control does through the API; "board live" ends it.

The venue's prelim (groups ranked apart): A: E1 16.00, E2 14.00; B: E4 18.00, E3 13.50, so a reveal by place has
two steps: the last places (E2, E3), then the first (E1, E4).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Venue, bearer, client_id
from tests.server.test_admin_core import sign_in

pytestmark = pytest.mark.asyncio

PRELIM = {"E1": ("8", "2.0"), "E2": ("7", "2.0"), "E3": ("9", "1.5"), "E4": ("6", "3.0")}


async def score(venue: Venue) -> None:
    for entrant, (execution, dd) in PRELIM.items():
        for code in ("J1", "J2", "J3"):
            body = {"entrant": entrant, "round": "prelim", "item": 1, "values": {"execution": execution}}
            answer = await venue.client.post(
                venue.url("/marks"), json={**body, "client_id": client_id()}, headers=bearer(venue.judges[code])
            )
            assert answer.status_code == 201, answer.text
        answer = await venue.mark(venue.recorder, {"dd": dd}, entrant=entrant)
        assert answer.status_code == 201, answer.text


async def public(venue: Venue) -> dict[str, Any]:
    # as the public sees it: without the console's session cookie (which would make it an organizer's view)
    response = await venue.client.get(venue.url("/standings"), params={"round": "prelim"}, headers={"cookie": "x=1"})
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def shown(payload: dict[str, Any]) -> set[str]:
    return {row["entrant"] for row in payload["rows"]}


def progress(payload: dict[str, Any]) -> tuple[int, int, int]:
    reveal = payload["reveal"]
    return reveal["step"], reveal["steps"], reveal["hidden"]


async def test_the_console_steps_the_reveal_as_control_does(venue: Venue) -> None:
    await score(venue)
    csrf = await sign_in(venue.client, venue.organizer)
    url = f"/admin/contests/{venue.slug}/rounds/prelim"
    page_url = f"/admin/contests/{venue.slug}/rounds"
    # stepping before a reveal: refused, saying what to do first
    early = await venue.client.post(url, data={"csrf": csrf, "action": "step", "step": "next"})
    assert early.status_code == 409 and 'role="alert"' in early.text and "请先开始揭晓" in early.text
    assert (await venue.client.post(url, data={"csrf": csrf, "action": "lock", "reason": "结束"})).status_code == 303
    assert (await venue.client.post(url, data={"csrf": csrf, "action": "reveal"})).status_code == 303
    page = (await venue.client.get(page_url)).text
    assert 'class="admin-form reveal-steps"' in page and "第 0/2 步" in page
    assert f'href="/screen/{venue.slug}?round=prelim"' in page
    start = await public(venue)
    assert start["board"] == "reveal" and shown(start) == set() and progress(start) == (0, 2, 4)

    # no form token, or garbage steps: refused, nothing changes
    forged = await venue.client.post(url, data={"csrf": "forged", "action": "step", "step": "next"})
    assert forged.status_code == 403
    no_token = await venue.client.post(url, data={"action": "step", "step": "next"})
    assert no_token.status_code == 403
    for bad in ("explode", "", "1", "-1", "next" * 300, "<script>"):
        refused = await venue.client.post(url, data={"csrf": csrf, "action": "step", "step": bad})
        assert refused.status_code == 422, bad
        assert 'role="alert"' in refused.text and "next, back, all" in refused.text
        assert "<script>" not in refused.text
    assert progress(await public(venue)) == (0, 2, 4) and shown(await public(venue)) == set()

    # two steps forward: the last places, then everyone
    one = await venue.client.post(url, data={"csrf": csrf, "action": "step", "step": "next"})
    assert one.status_code == 303
    after_one = await public(venue)
    assert shown(after_one) == {"E2", "E3"} and progress(after_one) == (1, 2, 2)
    assert "第 1/2 步" in (await venue.client.get(page_url)).text
    assert (await venue.client.post(url, data={"csrf": csrf, "action": "step", "step": "next"})).status_code == 303
    after_two = await public(venue)
    assert shown(after_two) == {"E1", "E2", "E3", "E4"} and progress(after_two) == (2, 2, 0)
    # a step past the end stays at the end
    assert (await venue.client.post(url, data={"csrf": csrf, "action": "step", "step": "next"})).status_code == 303
    assert progress(await public(venue)) == (2, 2, 0)

    # /control's stepping (PATCH reveal: N) gives the same board as the console's
    assert (await venue.round("prelim", reveal=1)).status_code == 200
    assert (await public(venue))["rows"] == after_one["rows"]
    assert (await venue.client.post(url, data={"csrf": csrf, "action": "step", "step": "all"})).status_code == 303
    assert (await public(venue))["rows"] == after_two["rows"]
    # back, twice: every place covered again
    for _ in range(2):
        assert (await venue.client.post(url, data={"csrf": csrf, "action": "step", "step": "back"})).status_code == 303
    assert progress(await public(venue)) == (0, 2, 4) and shown(await public(venue)) == set()
    # each step is a round event, listed under the round
    history = (await venue.client.get(f"/api/contests/{venue.slug}/history", headers=bearer(venue.organizer))).json()
    steps = [c["step"] for e in history["rounds"] for c in e["changes"] if c["what"] == "reveal"]
    assert [str(step) for step in steps] == ["1", "2", "1", "2", "1", "0"]  # none for the no-op step

    # finish: the board is live, the step buttons are gone
    assert (await venue.client.post(url, data={"csrf": csrf, "action": "live"})).status_code == 303
    done = await public(venue)
    assert done["board"] == "live" and "reveal" not in done and len(done["rows"]) == 4
    assert 'class="admin-form reveal-steps"' not in (await venue.client.get(page_url)).text
