"""Idempotent replays and corrections, on SQLite and PostgreSQL.

A tablet that lost its connection sends the same submission again with the same client_id: the server answers
200 and stores nothing twice. The same client_id with other values is a conflict (409). A new value for a mark
already given is a correction: a new version that keeps the old value, who made it and why.
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest

from tests.server.conftest import Venue, assert_error, bearer, client_id

pytestmark = pytest.mark.asyncio


def body(values: dict[str, Any], *, cid: str, entrant: str = "E1", item: int = 1, **extra: Any) -> dict[str, Any]:
    return {"entrant": entrant, "round": "prelim", "item": item, "values": values, "client_id": cid, **extra}


async def post(venue: Venue, token: str, data: dict[str, Any]) -> Any:
    return await venue.client.post(venue.url("/marks"), json=data, headers=bearer(token))


async def test_the_same_client_id_twice_is_stored_once(venue: Venue) -> None:
    j1 = venue.judges["J1"]
    data = body({"execution": "8.5"}, cid="tablet-1:0001")
    first = await post(venue, j1, data)
    assert first.status_code == 201, first.text
    assert first.json() == {"stored": True, "version": first.json()["version"], "corrected": []}
    version = first.json()["version"]
    for _ in range(3):
        again = await post(venue, j1, data)
        assert again.status_code == 200, again.text
        assert again.json()["stored"] is False
        assert again.json()["version"] == version
    # the same numbers written differently are the same submission
    again = await post(venue, j1, body({"execution": "8.50"}, cid="tablet-1:0001"))
    assert again.status_code == 200, again.text
    again = await post(venue, j1, body({"execution": 8.5}, cid="tablet-1:0001"))
    assert again.status_code == 200, again.text
    marks = await venue.history()
    assert [(m["version"], m["entrant"], m["criterion"], m["judge"], m["new"]) for m in marks] == [
        (version, "E1", "execution", "J1", "8.5")
    ]
    assert marks[0]["client_id"] == "tablet-1:0001"
    assert await venue.version() == version


async def test_the_same_client_id_with_other_values_is_409(venue: Venue) -> None:
    j1 = venue.judges["J1"]
    assert (await post(venue, j1, body({"execution": "8.5"}, cid="c-1"))).status_code == 201
    before = await venue.fingerprint()
    for changed in (
        body({"execution": "9"}, cid="c-1"),
        body({"execution": "8.5"}, cid="c-1", entrant="E2"),
        body({"execution": "8.5"}, cid="c-1", item=2),
        body({"execution": "8.5"}, cid="c-1", round="final"),
    ):
        assert_error(await post(venue, j1, changed), 409, "client_id")
    assert await venue.fingerprint() == before


async def test_a_client_id_replayed_by_someone_else_is_not_their_mark(venue: Venue) -> None:
    """Two tablets that number their submissions the same way (or one cloned from the other): J2's mark must be
    stored or refused, never reported stored while it is not."""
    data = body({"execution": "8.5"}, cid="tablet:0001")
    assert (await post(venue, venue.judges["J1"], data)).status_code == 201
    answer = await post(venue, venue.judges["J2"], data)
    if answer.status_code in (200, 201):
        stored = {(m["judge"], m["new"]) for m in await venue.history()}
        assert ("J2", "8.5") in stored, "J2 was told the mark is stored, but it is not"
    else:
        assert_error(answer, 409, "client_id")


async def test_a_replay_is_answered_even_after_the_round_is_locked(venue: Venue) -> None:
    """The tablet's first try was stored, its answer lost; the chief locked the round; the retry must still be
    told "stored", not "refused", or the tablet would keep a mark it believes was never taken."""
    j1 = venue.judges["J1"]
    data = body({"execution": "7"}, cid="late-retry")
    first = await post(venue, j1, data)
    assert first.status_code == 201
    assert (await venue.round("prelim", venue.chief, status="locked")).status_code == 200
    again = await post(venue, j1, data)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == first.json()["version"]
    assert len(await venue.history()) == 1


async def test_concurrent_replays_store_once(venue: Venue) -> None:
    """Twenty copies of one submission at the same instant (a tablet retrying on a flaky network), five times
    over: one 201, the rest 200, one version stored each time."""
    j1 = venue.judges["J1"]
    outcomes = []
    for attempt in range(5):
        entrant, item = ("E1", "E2", "E3", "E4", "E1")[attempt], 1 + attempt // 4
        data = body({"execution": "6.5"}, cid=f"storm-{attempt}", entrant=entrant, item=item)
        answers = await asyncio.gather(*(post(venue, j1, data) for _ in range(20)))
        outcomes.append((sorted(a.status_code for a in answers), {a.text for a in answers if a.status_code >= 400}))
    assert all(statuses == [200] * 19 + [201] for statuses, _ in outcomes), outcomes
    marks = await venue.history()
    assert sorted(m["client_id"] for m in marks) == [f"storm-{i}" for i in range(5)]


async def test_concurrent_submissions_sharing_a_client_id_but_not_values_are_409(
    venue: Venue, request: pytest.FixtureRequest
) -> None:
    """Two different submissions racing with one client_id (a tablet bug, or two tablets cloned from one image):
    one is stored; copies of it are replays (200); the other is a conflict (409), never "stored" (200)."""
    j1 = venue.judges["J1"]
    outcomes = []
    for attempt in range(5):
        entrant = ("E1", "E2", "E3", "E4", "E1")[attempt]
        item = 1 + attempt // 4
        cid = f"clone-{attempt}"
        bodies = [body({"execution": ("6.5", "7")[i % 2]}, cid=cid, entrant=entrant, item=item) for i in range(20)]
        answers = await asyncio.gather(*(post(venue, j1, b) for b in bodies))
        stored = next(m for m in await venue.history() if m["client_id"] == cid)["new"]
        for sent, answer in zip(bodies, answers, strict=True):
            same = sent["values"]["execution"] == stored
            outcomes.append((answer.status_code in (200, 201)) if same else (answer.status_code == 409))
        assert sorted(a.status_code for a in answers).count(201) == 1
    assert all(outcomes), f"{outcomes.count(False)} of {len(outcomes)} answers were wrong"
    assert len(await venue.history()) == 5


async def test_a_correction_is_a_new_version_with_the_old_value_who_and_why(venue: Venue) -> None:
    j1 = venue.judges["J1"]
    for code in ("J2", "J3"):  # the rest of the prelim panel: the item is complete
        assert (await post(venue, venue.judges[code], body({"execution": "8"}, cid=f"panel-{code}"))).status_code == 201
    first = await post(venue, j1, body({"execution": "8"}, cid="c-1"))
    assert first.status_code == 201
    rows = (await venue.standings(round="prelim")).json()["rows"]
    assert [(r["entrant"], r["rounds"]["prelim"]) for r in rows if r["entrant"] == "E1"] == [("E1", "8.00")]
    assert_error(await post(venue, j1, body({"execution": "8.5"}, cid="c-2")), 422, "reason")
    fixed = await post(venue, j1, body({"execution": "8.5"}, cid="c-2", reason="按错了 / pressed 8 for 8.5"))
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["corrected"] == ["execution"]
    assert fixed.json()["version"] > first.json()["version"]
    # the correction itself replays like any submission
    again = await post(venue, j1, body({"execution": "8.5"}, cid="c-2", reason="按错了 / pressed 8 for 8.5"))
    assert again.status_code == 200 and again.json()["version"] == fixed.json()["version"]

    marks = [m for m in await venue.history() if m["judge"] == "J1"]
    assert [(m["old"], m["new"], m["by"], m["by_judge"], m["reason"]) for m in marks] == [
        (None, "8", "judge", "J1", ""),
        ("8", "8.5", "judge", "J1", "按错了 / pressed 8 for 8.5"),
    ]
    assert [m["version"] for m in marks] == [first.json()["version"], fixed.json()["version"]]
    assert all(m["at"].endswith("Z") and m["ip"] == "10.0.0.7" for m in marks)

    # the board uses the newest version: (8.5 + 8 + 8) / 3 x dd 1.0, half up
    rows = (await venue.standings(round="prelim")).json()["rows"]
    assert [(r["entrant"], r["rounds"]["prelim"]) for r in rows if r["entrant"] == "E1"] == [("E1", "8.17")]

    # organizers export the history for Excel
    exported = await venue.client.get(venue.url("/history"), params={"format": "csv"}, headers=bearer(venue.organizer))
    assert exported.status_code == 200
    table = [r for r in csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))) if r["judge"] == "J1"]
    assert [(r["old"], r["new"], r["reason"]) for r in table] == [
        ("", "8", ""),
        ("8", "8.5", "按错了 / pressed 8 for 8.5"),
    ]


async def test_a_paper_sheet_correction_by_the_organizer_names_the_judge(venue: Venue) -> None:
    assert (await post(venue, venue.judges["J2"], body({"execution": "5"}, cid="j2"))).status_code == 201
    fixed = await post(
        venue, venue.organizer, body({"execution": "9"}, cid="paper", judge="J2", reason="纸质评分表为9 / sheet says 9")
    )
    assert fixed.status_code == 201, fixed.text
    last = (await venue.history())[-1]
    assert (last["judge"], last["old"], last["new"], last["by"], last["by_judge"]) == (
        "J2",
        "5",
        "9",
        "organizer",
        "J2",
    )


async def test_corrections_of_entered_values_keep_their_history(venue: Venue) -> None:
    rec = venue.recorder
    assert (await post(venue, rec, body({"dd": "3.1"}, cid="dd-1"))).status_code == 201
    assert_error(await post(venue, rec, body({"dd": "3.3"}, cid="dd-2")), 422, "reason")
    assert (
        await post(venue, venue.chief, body({"dd": "3.3"}, cid="dd-2", reason="动作代码 / dive 5253B"))
    ).status_code == 201
    marks = await venue.history()
    assert [(m["criterion"], m["judge"], m["old"], m["new"], m["by"]) for m in marks] == [
        ("dd", "", None, "3.1", "recorder"),
        ("dd", "", "3.1", "3.3", "judge"),
    ]


async def test_replaying_a_correction_that_resends_an_unchanged_value_is_200(venue: Venue) -> None:
    """The chief judge's tablet sends the whole item of the final: execution changed, dd did not."""
    cj = venue.chief
    first = body({"execution": "8", "dd": "2.0"}, cid="cj-1", round="final")
    assert (await post(venue, cj, first)).status_code == 201
    data = body({"execution": "8.5", "dd": "2.0"}, cid="cj-2", round="final", reason="复核 / reviewed")
    fixed = await post(venue, cj, data)
    assert fixed.status_code == 201, fixed.text
    before = await venue.fingerprint()
    again = await post(venue, cj, data)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == fixed.json()["version"]
    assert await venue.fingerprint() == before


async def test_every_version_is_numbered_once_in_order(venue: Venue) -> None:
    """Marks, corrections and round changes share one sequence: the board's version."""
    versions = []
    for i, token in enumerate((venue.judges["J1"], venue.judges["J2"], venue.judges["J3"])):
        answer = await post(venue, token, body({"execution": str(5 + i)}, cid=f"v-{i}", entrant="E2"))
        versions.append(answer.json()["version"])
    lock = await venue.round("prelim", status="locked")
    versions.append(lock.json()["version"])
    unlock = await venue.round("prelim", status="open", reason="重新打开 / reopen")
    versions.append(unlock.json()["version"])
    answer = await post(venue, venue.judges["J1"], body({"execution": "6"}, cid=client_id(), entrant="E2", reason="r"))
    versions.append(answer.json()["version"])
    assert versions == sorted(set(versions))
    assert await venue.version() == versions[-1]


async def test_the_same_client_id_for_another_judges_paper_sheet_is_409(venue: Venue) -> None:
    """An organizer typing in paper sheets reuses a client_id by mistake for the next judge, with the same value:
    refused, not taken for a replay that would silently drop the second judge's mark."""
    data = body({"execution": "8"}, cid="desk-1:0001", judge="J1")
    assert (await post(venue, venue.organizer, data)).status_code == 201
    refused = await post(venue, venue.organizer, {**data, "judge": "J2"})
    assert_error(refused, 409, "client_id")
    assert [m["judge"] for m in await venue.history()] == ["J1"]
