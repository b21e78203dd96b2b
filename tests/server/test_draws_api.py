"""Blind codes through the real app (contest/web/draws_api.py): a draw re-codes the entrants, judges' queues and the
public standings speak in drawn codes without names until the decryption, which is refused before every round is
locked and then logged (who, when, why); redraws and withdrawals only before the first mark."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from starlette.applications import Starlette

from tests.server.conftest import ENTRANTS, Venue, assert_error, bearer, client_id

pytestmark = pytest.mark.asyncio
SQLITE = pytest.mark.parametrize("db_kind", ["sqlite"])  # the HTTP layer; the two-layer story runs on both

NAMES = [e["name"] for e in ENTRANTS]
ORGS = [e["organization"] for e in ENTRANTS]


async def draw(venue: Venue, layer: int, **extra: Any) -> dict[str, Any]:
    answer = await venue.client.post(
        venue.url("/draws"), json={"layer": layer, **extra}, headers=bearer(venue.organizer)
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def queue(venue: Venue, judge: str = "J1") -> dict[str, Any]:
    answer = await venue.client.get("/judge/api/queue?round=prelim", headers=bearer(venue.judges[judge]))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def no_names(text: str) -> bool:
    return not any(n in text for n in NAMES + ORGS)


async def test_a_two_layer_draw_recodes_the_field_and_hides_names_until_decryption(venue: Venue) -> None:
    first = await draw(venue, 1, reason="检录抽签")
    assert sorted(c["from"] for c in first["codes"]) == ["E1", "E2", "E3", "E4"]
    seats = {c["from"]: c["to"] for c in first["codes"]}
    assert sorted(seats.values()) == ["01", "02", "03", "04"]
    second = await draw(venue, 2)
    sealed = {c["from"]: c["to"] for c in second["codes"]}
    assert sorted(sealed) == ["01", "02", "03", "04"] and len(set(sealed.values())) == 4
    assert all(len(code) == 3 and code.isdigit() for code in sealed.values())
    final = {own: sealed[seat] for own, seat in seats.items()}  # E1 -> its seat -> its sealed code

    # the judges' queue: the sealed codes only, no names, even though the contest file is not blind
    mine = await queue(venue)
    assert sorted(e["code"] for e in mine["entrants"]) == sorted(final.values())
    assert mine["contest"]["blind"] is True
    assert no_names(str(mine)) and "E1" not in {e["code"] for e in mine["entrants"]}

    # marks go by the sealed code; the public standing shows codes, organizers the names
    for judge in ("J1", "J2", "J3"):
        body = {"entrant": final["E1"], "round": "prelim", "item": 1, "values": {"execution": "8"}}
        answer = await venue.client.post(
            venue.url("/marks"), json={**body, "client_id": client_id()}, headers=bearer(venue.judges[judge])
        )
        assert answer.status_code == 201, answer.text
    public = await venue.standings(round="prelim")
    assert public.status_code == 200 and no_names(public.text)
    assert final["E1"] in {r["entrant"] for r in public.json()["rows"]}
    organizer = (await venue.standings(venue.organizer, round="prelim")).json()
    assert {r["entrant"]: r["name"] for r in organizer["rows"]}[final["E1"]] == "林浩然"

    # after the first mark: no redraw, no withdrawal
    answer = await venue.client.post(venue.url("/draws"), json={"layer": 1}, headers=bearer(venue.organizer))
    assert "marks" in assert_error(answer, 409, "layer")["message"]
    answer = await venue.client.post(
        venue.url("/draws/withdraw"), json={"reason": "oops"}, headers=bearer(venue.organizer)
    )
    assert_error(answer, 409, "draw")

    # decryption: refused while a round is open, then logged; names everywhere after it
    decrypt = venue.url("/decrypt")
    answer = await venue.client.post(decrypt, json={"reason": "成绩复核完毕"}, headers=bearer(venue.organizer))
    assert "prelim" in assert_error(answer, 409, "status")["message"]
    for key in ("prelim", "final"):
        assert (await venue.round(key, status="locked")).status_code == 200
    answer = await venue.client.post(decrypt, json={"reason": ""}, headers=bearer(venue.organizer))
    assert_error(answer, 422, "reason")
    answer = await venue.client.post(decrypt, json={"reason": "x"}, headers=bearer(venue.judges["CJ"]))
    assert_error(answer, 403)
    assert no_names((await venue.standings(round="prelim")).text)  # still sealed after the refusals
    answer = await venue.client.post(decrypt, json={"reason": "成绩复核完毕"}, headers=bearer(venue.organizer))
    assert answer.status_code == 200, answer.text
    logged = answer.json()["decrypted"]
    assert logged["reason"] == "成绩复核完毕" and logged["by"].startswith("organizer") and logged["at"].endswith("Z")

    public = (await venue.standings(round="prelim")).json()
    assert {r["entrant"]: r["name"] for r in public["rows"]}[final["E1"]] == "林浩然"
    assert "林浩然" in str(await queue(venue))
    state = (await venue.client.get(venue.url("/draws"), headers=bearer(venue.organizer))).json()
    assert state["decrypted"] is True and state["sealed"] is False and state["layers"] == [1, 2]
    assert [e["action"] for e in state["events"]] == ["decrypt"]
    assert [(d["layer"], d["standing"], d["reason"]) for d in state["draws"]] == [(1, True, "检录抽签"), (2, True, "")]
    answer = await venue.client.post(decrypt, json={"reason": "again"}, headers=bearer(venue.organizer))
    assert_error(answer, 409)


@SQLITE
async def test_redraw_and_withdraw_before_marks_and_the_mapping_is_logged(venue: Venue) -> None:
    await draw(venue, 1)
    again = await draw(venue, 1, prefix="A")
    assert sorted(c["from"] for c in again["codes"]) == ["E1", "E2", "E3", "E4"]  # from the own codes, not the old
    assert sorted(c["to"] for c in again["codes"]) == ["A01", "A02", "A03", "A04"]
    mapping = await venue.client.get(venue.url("/draws/mapping"), headers=bearer(venue.organizer))
    assert mapping.status_code == 200 and mapping.headers["cache-control"] == "no-store"
    rows = mapping.json()["rows"]
    assert [r["code"] for r in rows] == ["A01", "A02", "A03", "A04"]
    assert sorted(r["name"] for r in rows) == sorted(NAMES) and sorted(r["own"] for r in rows) == [
        "E1",
        "E2",
        "E3",
        "E4",
    ]
    for token in (None, venue.judges["CJ"], venue.recorder):
        answer = await venue.client.get(venue.url("/draws/mapping"), headers=bearer(token))
        assert answer.status_code in (401, 403) and no_names(answer.text)

    # the entrant list keeps its drawn codes while the draw stands
    answer = await venue.client.put(venue.url("/entrants"), json=ENTRANTS, headers=bearer(venue.organizer))
    assert_error(answer, 409, "code")
    answer = await venue.client.post(
        venue.url("/draws/withdraw"), json={"reason": "报名有变"}, headers=bearer(venue.organizer)
    )
    assert answer.status_code == 200, answer.text
    assert sorted(e["code"] for e in (await queue(venue))["entrants"]) == ["E1", "E2", "E3", "E4"]
    assert "林浩然" in str(await queue(venue))  # not blind, no draw: names as before
    state = (await venue.client.get(venue.url("/draws"), headers=bearer(venue.organizer))).json()
    assert [e["action"] for e in state["events"]] == ["view", "withdraw"]
    assert [d["standing"] for d in state["draws"]] == [False, False] and state["layers"] == []


@SQLITE
async def test_bad_draw_requests_change_nothing(venue: Venue) -> None:
    before = await venue.fingerprint()
    for body, field in (
        ({"layer": 3}, "layer"),
        ({"layer": "1"}, "layer"),
        ({}, "layer"),
        ({"layer": 1, "prefix": "<b>"}, "prefix"),
        ({"layer": 1, "prefix": "TOOLONGPREFIX"}, "prefix"),
        ({"layer": 1, "bogus": 1}, "bogus"),
    ):
        answer = await venue.client.post(venue.url("/draws"), json=body, headers=bearer(venue.organizer))
        assert_error(answer, 422, field)
    answer = await venue.client.post(venue.url("/draws"), json={"layer": 2}, headers=bearer(venue.organizer))
    assert_error(answer, 409, "layer")  # layer 2 needs layer 1
    answer = await venue.client.post(venue.url("/draws"), json={"layer": 1}, headers=bearer(venue.judges["J1"]))
    assert_error(answer, 403)
    answer = await venue.client.post("/api/contests/no-such/draws", json={"layer": 1}, headers=bearer(venue.organizer))
    assert_error(answer, 404)
    answer = await venue.client.post(venue.url("/decrypt"), json={"reason": "x"}, headers=bearer(venue.organizer))
    assert_error(answer, 409)  # not blind, never drawn: nothing to decrypt
    assert await venue.fingerprint() == before
    state = (await venue.client.get(venue.url("/draws"), headers=bearer(venue.organizer))).json()
    assert state["draws"] == [] and state["events"] == []


@SQLITE
async def test_the_console_draws_prints_a_sealed_pdf_and_decrypts_after_the_lock(app: Starlette, venue: Venue) -> None:
    from tests.server.test_admin_core import sign_in

    csrf = await sign_in(venue.client, venue.organizer)
    page = venue.url("/draws").replace("/api/", "/admin/")
    assert (await venue.client.get(page)).status_code == 200
    forged = await venue.client.post(page, data={"action": "draw", "layer": "1"})
    assert forged.status_code == 403 and (await queue(venue))["entrants"][0]["code"] == "E1"  # no form token: nothing
    garbage = await venue.client.post(page, data={"csrf": csrf, "action": "draw", "layer": "9", "prefix": "<x>"})
    assert garbage.status_code == 422 and 'role="alert"' in garbage.text
    for layer in ("1", "2"):
        answer = await venue.client.post(page, data={"csrf": csrf, "action": "draw", "layer": layer})
        assert answer.status_code == 303, answer.text
    codes = sorted(e["code"] for e in (await queue(venue))["entrants"])
    assert all(len(c) == 3 for c in codes)

    sealed = await venue.client.get(f"{page}/sealed")
    assert sealed.status_code == 200 and sealed.headers["cache-control"] == "no-store"
    assert all(n in sealed.text for n in NAMES) and all(c in sealed.text for c in codes)
    pdf = await venue.client.get(f"{page}/sealed.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join((p.extract_text() or "").replace("\x00", "") for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert all(n in text for n in NAMES) and all(c in text for c in codes)  # every entrant on the sealed sheet
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as chief:
        assert (await chief.get(f"/j/{venue.judges['CJ']}")).status_code == 303  # the chief judge's device
        for path in ("/sealed", "/sealed.pdf", ""):
            answer = await chief.get(f"{page}{path}")
            assert answer.status_code in (303, 401, 403) and no_names(answer.text)

    early = await venue.client.post(page, data={"csrf": csrf, "action": "decrypt", "reason": "复核完毕"})
    assert early.status_code == 409 and "prelim" in early.text
    for key in ("prelim", "final"):
        assert (await venue.round(key, status="locked")).status_code == 200
    done = await venue.client.post(page, data={"csrf": csrf, "action": "decrypt", "reason": "复核完毕"})
    assert done.status_code == 303, done.text
    assert "林浩然" in str(await queue(venue))  # the judges' queue names the entrants now
    log = (await venue.client.get(page)).text
    assert "复核完毕" in log and log.count("organizer (token") >= 5  # two draws, a view, a print, the decryption
