"""GET /api/contests/{slug}/standings: live boards for everyone, frozen boards as of the freeze for the public
(rows and version) while organizers see live, hidden boards for organizers only, limit, entrant and group.

The venue's prelim (panel mean of J1, J2, J3; item = execution x dd; groups ranked separately):
E1 (A) 8 x 2.0 = 16.00, E2 (A) 7 x 2.0 = 14.00, E3 (B) 9 x 1.5 = 13.50, E4 (B) 6 x 3.0 = 18.00.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from tests.server.conftest import Venue, assert_error, bearer, client_id, contest_toml, new_slug, setup_contest

pytestmark = pytest.mark.asyncio

PANEL = ("J1", "J2", "J3")  # the prelim's default panel: every judge but the chief
PRELIM = {"E1": ("8", "2.0"), "E2": ("7", "2.0"), "E3": ("9", "1.5"), "E4": ("6", "3.0")}


async def mark_all(venue: Venue, entrant: str, execution: str, *, item: int = 1, reason: str = "") -> None:
    for code in PANEL:
        body = {"entrant": entrant, "round": "prelim", "item": item, "values": {"execution": execution}}
        body["client_id"] = client_id()
        if reason:
            body["reason"] = reason
        answer = await venue.client.post(venue.url("/marks"), json=body, headers=bearer(venue.judges[code]))
        assert answer.status_code == 201, answer.text


@pytest_asyncio.fixture
async def ranked(venue: Venue) -> Venue:
    for entrant, (execution, dd) in PRELIM.items():
        await mark_all(venue, entrant, execution)
        answer = await venue.mark(venue.recorder, {"dd": dd}, entrant=entrant)
        assert answer.status_code == 201, answer.text
    return venue


def table(payload: dict[str, Any], round_key: str = "prelim") -> list[tuple[Any, ...]]:
    return [(r["rank"], r["entrant"], r["group"], r["rounds"][round_key], r["total"]) for r in payload["rows"]]


LIVE = [
    (1, "E1", "A", "16.00", "16.00"),
    (2, "E2", "A", "14.00", "14.00"),
    (1, "E4", "B", "18.00", "18.00"),
    (2, "E3", "B", "13.50", "13.50"),
]


async def test_the_public_sees_the_live_board(ranked: Venue) -> None:
    public = await ranked.standings(round="prelim")
    assert public.status_code == 200, public.text
    payload = public.json()
    assert payload["round"] == "prelim" and payload["board"] == "live"
    assert table(payload) == LIVE
    first = payload["rows"][0]
    assert (first["name"], first["organization"], first["award"]) == ("林浩然", "广东", None)
    assert payload["version"] == await ranked.version()
    for who in (ranked.recorder, ranked.judges["J2"], ranked.chief, ranked.outsider):
        answer = await ranked.standings(who, round="prelim")
        assert answer.status_code == 200 and answer.json()["version"] == payload["version"]
        assert table(answer.json()) == LIVE


async def test_the_default_round_is_the_latest_with_marks(ranked: Venue) -> None:
    payload = (await ranked.standings()).json()
    assert payload["round"] == "prelim" and payload["rows"]  # nobody has final marks yet: the prelim's standing
    assert (await ranked.standings(round="final")).json()["rows"] == []  # left out of the final's standing
    for code in ("J1", "J2", "CJ"):  # the final's panel
        answer = await ranked.mark(ranked.judges[code], {"execution": "5"}, round="final")
        assert answer.status_code == 201, answer.text
    payload = (await ranked.standings()).json()
    assert [(r["rank"], r["entrant"], r["rounds"], r["total"]) for r in payload["rows"]] == [
        (1, "E1", {"prelim": "16.00", "final": "5.00"}, "21.00")
    ]


async def test_a_frozen_board_shows_the_public_nothing_newer_than_the_freeze(ranked: Venue) -> None:
    before = (await ranked.standings(round="prelim")).json()
    frozen = await ranked.round("prelim", board="frozen")
    assert frozen.status_code == 200, frozen.text
    frozen_version = frozen.json()["frozen_version"]
    assert frozen_version == before["version"] + 1  # the freeze itself: newer than what screens showed

    # after the freeze: E2 is corrected to the top of group A, E3 gets a second dive
    await mark_all(ranked, "E2", "10", reason="复核 / video review")
    await mark_all(ranked, "E3", "9.5", item=2)
    live = (await ranked.standings(ranked.organizer, round="prelim")).json()
    assert live["version"] > frozen_version
    assert live["board"] == "live"
    assert table(live)[:2] == [(1, "E2", "A", "20.00", "20.00"), (2, "E1", "A", "16.00", "16.00")]
    assert ("E3", "23.00") in [(r["entrant"], r["total"]) for r in live["rows"]]

    for token in (None, ranked.recorder, ranked.judges["J1"], ranked.chief):
        public = (await ranked.standings(token, round="prelim")).json()
        assert public["version"] == frozen_version, "the public saw a version newer than the freeze"
        assert public["board"] == "frozen"
        assert public["rows"] == before["rows"], "the public saw rows newer than the freeze"
        # nor through the options: one entrant, one group, a limit
        one = (await ranked.standings(token, round="prelim", entrant="E2", limit="1")).json()
        assert one["version"] == frozen_version
        assert [(r["entrant"], r["total"]) for r in one["rows"]] == [("E1", "16.00"), ("E2", "14.00")]
        group = (await ranked.standings(token, round="prelim", group="B")).json()
        assert [(r["entrant"], r["total"]) for r in group["rows"]] == [("E4", "18.00"), ("E3", "13.50")]

    # revealed: everyone sees the live board again
    assert (await ranked.round("prelim", board="live")).status_code == 200
    revealed = (await ranked.standings(round="prelim")).json()
    assert revealed["version"] == await ranked.version()
    assert table(revealed)[:2] == [(1, "E2", "A", "20.00", "20.00"), (2, "E1", "A", "16.00", "16.00")]

    # frozen again later: the public keeps that later moment
    refrozen = (await ranked.round("prelim", board="frozen")).json()
    await mark_all(ranked, "E1", "10", reason="复核 / video review")
    public = (await ranked.standings(round="prelim")).json()
    assert public["version"] == refrozen["frozen_version"] > frozen_version
    assert table(public) == table(revealed)


async def test_a_hidden_board_is_for_organizers_only(ranked: Venue) -> None:
    assert (await ranked.round("prelim", board="hidden")).status_code == 200
    for token in (None, ranked.recorder, ranked.judges["J1"], ranked.chief):
        assert_error(await ranked.standings(token, round="prelim"), 403, "round")
        assert_error(await ranked.standings(token, round="prelim", entrant="E1"), 403, "round")
    organizer = await ranked.standings(ranked.organizer, round="prelim")
    assert organizer.status_code == 200 and table(organizer.json()) == LIVE
    # other rounds are not hidden with it
    assert (await ranked.standings(round="final")).status_code == 200


CUTS: list[tuple[dict[str, str], list[str]]] = [
    ({"limit": "1"}, ["E1"]),
    ({"limit": "2"}, ["E1", "E2"]),
    ({"limit": "3"}, ["E1", "E2", "E4"]),
    ({"limit": "1000"}, ["E1", "E2", "E4", "E3"]),
    ({"limit": "1", "entrant": "E3"}, ["E1", "E3"]),
    ({"limit": "2", "entrant": "E1"}, ["E1", "E2"]),
    ({"limit": "1", "entrant": "E9"}, ["E1"]),
    ({"group": "A"}, ["E1", "E2"]),
    ({"group": "B"}, ["E4", "E3"]),
    ({"group": "B", "limit": "1"}, ["E4"]),
    ({"group": "B", "limit": "1", "entrant": "E3"}, ["E4", "E3"]),
    ({"group": "B", "entrant": "E1"}, ["E4", "E3"]),
    ({"group": "Z"}, []),
]


async def test_limit_entrant_and_group(ranked: Venue) -> None:
    for params, entrants in CUTS:
        for token in (None, ranked.organizer):
            payload = (await ranked.standings(token, round="prelim", **params)).json()
            assert [r["entrant"] for r in payload["rows"]] == entrants, params
    # the row of a followed entrant carries its real rank, not its place in the cut list
    payload = (await ranked.standings(round="prelim", limit="1", entrant="E3")).json()
    assert [(r["entrant"], r["rank"]) for r in payload["rows"]] == [("E1", 1), ("E3", 2)]


async def test_limit_defaults_to_100(venue: Venue) -> None:
    people = [{"code": f"P{i:03d}", "name": f"选手{i}", "group": "A"} for i in range(120)]
    answer = await venue.client.put(venue.url("/entrants"), json=people, headers=bearer(venue.organizer))
    assert answer.status_code == 200, answer.text
    for i in range(120):
        answer = await venue.mark(venue.recorder, {"dd": "2.0"}, entrant=f"P{i:03d}")
        assert answer.status_code == 201
    assert len((await venue.standings(round="prelim")).json()["rows"]) == 100
    assert len((await venue.standings(round="prelim", limit="1000")).json()["rows"]) == 120


async def test_a_bad_limit_is_422(ranked: Venue) -> None:
    for limit in ("0", "-1", "1001", "abc", "", "2.5", " 5"):
        assert_error(await ranked.standings(round="prelim", limit=limit), 422, "limit")


async def test_an_unknown_round_is_422_and_an_unknown_contest_404(ranked: Venue) -> None:
    assert_error(await ranked.standings(round="semi"), 422, "round")
    assert_error(await ranked.client.get("/api/contests/nope/standings"), 404, "slug")


async def test_judges_added_after_the_board_was_first_shown_count(venue: Venue) -> None:
    """The organizer opens the screen, then creates the judges: their marks must rank the entrants."""
    slug = new_slug("late")
    toml = contest_toml(slug).replace('judges = ["J1", "J2", "CJ"]\n', "")
    client = venue.client
    headers = bearer(venue.organizer)
    assert (await client.post("/api/contests", content=toml.encode(), headers=headers)).status_code == 201
    people = [{"code": "E1", "name": "甲"}, {"code": "E2", "name": "乙"}]
    assert (await client.put(f"/api/contests/{slug}/entrants", json=people, headers=headers)).status_code == 200
    assert (await client.get(f"/api/contests/{slug}/standings", params={"round": "prelim"})).json()["rows"] == []
    answer = await client.post(f"/api/contests/{slug}/judges", json=[{"code": "J1"}, {"code": "J2"}], headers=headers)
    tokens = {j["code"]: j["token"] for j in answer.json()}
    for token in tokens.values():
        for entrant, value in (("E1", "8"), ("E2", "7")):
            body = {"entrant": entrant, "round": "prelim", "values": {"execution": value}, "client_id": client_id()}
            assert (
                await client.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(token))
            ).status_code == 201
    payload = (await client.get(f"/api/contests/{slug}/standings", params={"round": "prelim"})).json()
    assert [(r["rank"], r["entrant"], r["total"]) for r in payload["rows"]] == [(1, "E1", "8.00"), (2, "E2", "7.00")]


async def test_a_new_contest_starts_open_and_live(venue: Venue) -> None:
    slug = new_slug("fresh")
    await setup_contest(venue.client, venue.organizer, slug)
    for round_key in ("prelim", "final"):
        payload = (await venue.client.get(f"/api/contests/{slug}/standings", params={"round": round_key})).json()
        assert (payload["status"], payload["board"], payload["rows"]) == ("open", "live", [])
