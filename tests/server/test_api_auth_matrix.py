"""Every endpoint against every role (SPEC section 5): who may do what, answered 2xx/401/403, and a refused request
changes nothing. Role logic does not depend on the database, so these run on SQLite; the PostgreSQL runs of the
other modules cover the same endpoints there.

Roles: none (no credentials), bad (a token nobody issued), organizer, recorder, judge (J1), chief (the chief judge
CJ of this contest), outsider (X1, the chief judge of another contest).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import update
from starlette.applications import Starlette

from contest.db.models import Token
from contest.services.principals import token_hash
from tests.server.conftest import ENTRANTS, Venue, assert_error, bearer, client_id, contest_toml, new_slug

pytestmark = [pytest.mark.asyncio, pytest.mark.parametrize("db_kind", ["sqlite"])]

ROLES = ("none", "bad", "organizer", "recorder", "judge", "chief", "outsider")

Action = Callable[[Venue, str | None, str], Awaitable[httpx.Response]]


async def create_contest(v: Venue, token: str | None, role: str) -> httpx.Response:
    slug = new_slug("new")
    v.tried_slug = slug
    headers = {**bearer(token), "content-type": "application/toml"}
    return await v.client.post("/api/contests", content=contest_toml(slug).encode(), headers=headers)


async def put_entrants(v: Venue, token: str | None, role: str) -> httpx.Response:
    people = [*ENTRANTS, {"code": "E5", "name": "新选手", "organization": "北京", "group": "A"}]
    return await v.client.put(v.url("/entrants"), json=people, headers=bearer(token))


async def create_judges(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.post(v.url("/judges"), json=[{"code": "N1", "name": "新裁判"}], headers=bearer(token))


async def mark_judged(v: Venue, token: str | None, role: str) -> httpx.Response:
    """A judged value with no "judge" field: a judge enters their own; an organizer must name the judge."""
    return await v.mark(token, {"execution": "8.5"})


async def mark_judged_for_j2(v: Venue, token: str | None, role: str) -> httpx.Response:
    """A judged value naming judge J2: organizers typing in J2's paper sheet; nobody else."""
    return await v.mark(token, {"execution": "8.5"}, judge="J2")


async def mark_judged_final(v: Venue, token: str | None, role: str) -> httpx.Response:
    """A judged value in the final, whose panel the contest names: J1, J2 and the chief judge CJ."""
    return await v.mark(token, {"execution": "8.5"}, round="final")


async def mark_entered(v: Venue, token: str | None, role: str) -> httpx.Response:
    """A value that is not judged (degree of difficulty): recorders, organizers and the chief judge."""
    return await v.mark(token, {"dd": "3.1"})


async def mark_both(v: Venue, token: str | None, role: str) -> httpx.Response:
    """A judged and an entered value at once in the final: only the chief judge (on its panel) enters both."""
    return await v.mark(token, {"execution": "8.5", "dd": "3.1"}, round="final")


async def mark_in_locked_round(v: Venue, token: str | None, role: str) -> httpx.Response:
    """What each role could enter in an open round, sent to a locked one: refused (403) for everyone."""
    if role == "organizer":
        return await v.mark(token, {"execution": "8.5"}, judge="J1")
    if role == "recorder":
        return await v.mark(token, {"dd": "3.1"})
    return await v.mark(token, {"execution": "8.5"})


async def lock(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.patch(v.url("/rounds/prelim"), json={"status": "locked"}, headers=bearer(token))


async def unlock_with_reason(v: Venue, token: str | None, role: str) -> httpx.Response:
    body = {"status": "open", "reason": "裁判三号录入错误 / J3 typed 5 for 8"}
    return await v.client.patch(v.url("/rounds/prelim"), json=body, headers=bearer(token))


async def unlock_without_reason(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.patch(v.url("/rounds/prelim"), json={"status": "open"}, headers=bearer(token))


async def freeze_board(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.patch(v.url("/rounds/prelim"), json={"board": "frozen"}, headers=bearer(token))


async def hide_board(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.patch(v.url("/rounds/prelim"), json={"board": "hidden"}, headers=bearer(token))


async def standings_live(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.get(v.url("/standings"), params={"round": "prelim"}, headers=bearer(token))


async def standings_frozen(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.get(v.url("/standings"), params={"round": "prelim"}, headers=bearer(token))


async def standings_hidden(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.get(v.url("/standings"), params={"round": "prelim"}, headers=bearer(token))


async def history(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.get(v.url("/history"), headers=bearer(token))


async def history_csv(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.get(v.url("/history"), params={"format": "csv"}, headers=bearer(token))


async def openapi(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.get("/api/openapi.json", headers=bearer(token))


async def healthz(v: Venue, token: str | None, role: str) -> httpx.Response:
    return await v.client.get("/healthz", headers=bearer(token))


#                       none bad  org  rec  judge chief outsider
MATRIX: dict[str, tuple[Action, tuple[int, ...]]] = {
    "create_contest": (create_contest, (401, 401, 201, 403, 403, 403, 403)),
    "put_entrants": (put_entrants, (401, 401, 200, 403, 403, 403, 403)),
    "create_judges": (create_judges, (401, 401, 201, 403, 403, 403, 403)),
    "mark_judged": (mark_judged, (401, 401, 422, 403, 201, 403, 403)),  # the chief is off the default panel
    "mark_judged_final": (mark_judged_final, (401, 401, 422, 403, 201, 201, 403)),
    "mark_judged_for_j2": (mark_judged_for_j2, (401, 401, 201, 403, 403, 403, 403)),
    "mark_entered": (mark_entered, (401, 401, 201, 201, 403, 201, 403)),
    "mark_both": (mark_both, (401, 401, 422, 403, 403, 201, 403)),
    "mark_in_locked_round": (mark_in_locked_round, (401, 401, 403, 403, 403, 403, 403)),
    "lock": (lock, (401, 401, 200, 403, 403, 200, 403)),
    "unlock_with_reason": (unlock_with_reason, (401, 401, 200, 403, 403, 200, 403)),
    "unlock_without_reason": (unlock_without_reason, (401, 401, 422, 403, 403, 422, 403)),
    "freeze_board": (freeze_board, (401, 401, 200, 403, 403, 403, 403)),
    "hide_board": (hide_board, (401, 401, 200, 403, 403, 403, 403)),
    "standings_live": (standings_live, (200, 401, 200, 200, 200, 200, 200)),
    "standings_frozen": (standings_frozen, (200, 401, 200, 200, 200, 200, 200)),
    "standings_hidden": (standings_hidden, (403, 401, 200, 403, 403, 403, 403)),
    "history": (history, (401, 401, 200, 403, 403, 403, 403)),
    "history_csv": (history_csv, (401, 401, 200, 403, 403, 403, 403)),
    "openapi": (openapi, (200, 200, 200, 200, 200, 200, 200)),
    "healthz": (healthz, (200, 200, 200, 200, 200, 200, 200)),
}

# what the organizer sets up before the request under test: PATCH body for round prelim
SETUP: dict[str, dict[str, str]] = {
    "mark_in_locked_round": {"status": "locked"},
    "unlock_with_reason": {"status": "locked"},
    "unlock_without_reason": {"status": "locked"},
    "standings_frozen": {"board": "frozen"},
    "standings_hidden": {"board": "hidden"},
}

# the field a refusal names: (action, status) for every role refused so, or (action, role) for one
FIELDS: dict[tuple[str, str | int], str] = {
    ("mark_judged", 422): "judge",
    ("mark_judged_final", 422): "judge",
    ("mark_both", 422): "judge",
    ("mark_in_locked_round", 403): "round",
    ("unlock_without_reason", 422): "reason",
    ("mark_judged", "chief"): "round",  # the chief is not on the prelim's panel
    ("mark_judged", "recorder"): "values.execution",
    ("mark_judged_final", "recorder"): "values.execution",
    ("mark_entered", "judge"): "values.dd",
    ("mark_both", "judge"): "values.dd",
    ("mark_judged_for_j2", "judge"): "judge",
    ("mark_judged_for_j2", "chief"): "judge",
    ("mark_judged", "outsider"): "slug",
    ("mark_entered", "outsider"): "slug",
}

CASES = [
    pytest.param(name, role, expected[i], id=f"{name}-{role}")
    for name, (_, expected) in MATRIX.items()
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("action", "role", "expected"), CASES)
async def test_role_matrix(venue: Venue, action: str, role: str, expected: int) -> None:
    run, _ = MATRIX[action]
    if action in SETUP:
        assert (await venue.round("prelim", **SETUP[action])).status_code == 200
    before = await venue.fingerprint()
    response = await run(venue, venue.tokens[role], role)
    if expected >= 400:
        codes = {401: "unauthorized", 403: "forbidden", 422: "invalid"}
        error = assert_error(response, expected, FIELDS.get((action, role), FIELDS.get((action, expected))))
        assert error["code"] == codes[expected]
        if expected == 401:
            assert error.get("field") == "authorization"
        assert await venue.fingerprint() == before, "a refused request changed something"
    else:
        assert response.status_code == expected, response.text
    await check_effect(venue, action, role, response, expected)


async def check_effect(v: Venue, action: str, role: str, response: httpx.Response, expected: int) -> None:
    """Allowed requests did what they say; refused ones stored nothing."""
    marks = await v.history()
    if action.startswith("mark_"):
        if expected != 201:
            assert marks == [], "a refused submission stored marks"
            return
        stored = {(m["criterion"], m["judge"]): m["new"] for m in marks}
        by_judge = {"judge": "J1", "chief": "CJ"}.get(role, "")
        if action in ("mark_judged", "mark_judged_final"):
            assert stored == {("execution", by_judge): "8.5"}
        elif action == "mark_judged_for_j2":
            assert stored == {("execution", "J2"): "8.5"}
        elif action == "mark_entered":
            assert stored == {("dd", ""): "3.1"}
        elif action == "mark_both":
            assert stored == {("execution", "CJ"): "8.5", ("dd", ""): "3.1"}
        assert all(m["by"] == ("judge" if role in ("judge", "chief") else role) for m in marks)
        assert all(m["old"] is None and m["reason"] == "" for m in marks)
        return
    assert marks == []
    if action == "create_contest":
        slug = v.tried_slug
        found = await v.client.get(f"/api/contests/{slug}/standings")
        if expected == 201:
            assert response.json() == {"slug": slug}
            assert found.status_code == 200
        else:
            assert_error(found, 404)
    elif action == "create_judges":
        again = await v.client.post(v.url("/judges"), json=[{"code": "N1"}], headers=bearer(v.organizer))
        if expected == 201:
            (judge,) = response.json()
            assert judge["code"] == "N1" and judge["token"] and judge["login_url"].endswith(judge["token"])
            assert_error(again, 409, "code")
        else:
            assert again.status_code == 201, "a refused request created the judge"
    elif action == "put_entrants":
        # E5 is on the list only if the request was taken
        answer = await v.mark(v.recorder, {"dd": "2.0"}, entrant="E5")
        if expected == 200:
            assert response.json() == {"count": 5}
            assert answer.status_code == 201, answer.text
        else:
            assert_error(answer, 422, "entrant")
    elif action in ("lock", "unlock_with_reason", "freeze_board", "hide_board") and expected == 200:
        state = response.json()
        want = {
            "lock": ("locked", "live"),
            "unlock_with_reason": ("open", "live"),
            "freeze_board": ("open", "frozen"),
            "hide_board": ("open", "hidden"),
        }[action]
        assert (state["round"], state["status"], state["board"]) == ("prelim", *want)
        assert isinstance(state["version"], int)
    elif action.startswith("standings") and expected == 200:
        body = response.json()
        assert body["round"] == "prelim" and isinstance(body["version"], int) and body["rows"] == []
    elif action == "history" and expected == 200:
        body = response.json()
        assert body["marks"] == [] and isinstance(body["rounds"], list)
    elif action == "history_csv" and expected == 200:
        assert response.headers["content-type"].startswith("text/csv")
        assert response.text.startswith("\ufeffversion,")
    elif action == "openapi":
        paths = response.json()["paths"]
        for path in (
            "/api/contests",
            "/api/contests/{slug}/entrants",
            "/api/contests/{slug}/judges",
            "/api/contests/{slug}/marks",
            "/api/contests/{slug}/rounds/{key}",
            "/api/contests/{slug}/standings",
        ):
            assert path in paths, f"{path} is not described"
    elif action == "healthz":
        assert response.json() == {"ok": True}


async def test_judge_off_the_rounds_panel_is_refused(venue: Venue) -> None:
    """J3 judges the prelim only: the final names its panel (J1, J2, CJ)."""
    assert (await venue.mark(venue.judges["J3"], {"execution": "7"}, round="prelim")).status_code == 201
    before = await venue.snapshot()
    assert_error(await venue.mark(venue.judges["J3"], {"execution": "7"}, round="final"), 403, "round")
    assert await venue.snapshot() == before
    # an organizer cannot type in J3's sheet for the final either
    assert_error(await venue.mark(venue.organizer, {"execution": "7"}, round="final", judge="J3"), 422, "judge")
    assert await venue.snapshot() == before
    assert (await venue.mark(venue.judges["J1"], {"execution": "7"}, round="final")).status_code == 201


async def test_a_judge_enters_only_their_own_marks(venue: Venue) -> None:
    before = await venue.snapshot()
    for token in (venue.judges["J1"], venue.chief):
        assert_error(await venue.mark(token, {"execution": "9"}, judge="J2"), 403, "judge")
    assert_error(await venue.mark(venue.chief, {"execution": "9"}), 403, "round")  # off the prelim's panel
    assert_error(await venue.mark(venue.judges["J1"], {"dd": "2.0"}), 403, "values.dd")
    assert_error(await venue.mark(venue.recorder, {"execution": "9"}, judge="J1"), 403, "values.execution")
    assert await venue.snapshot() == before
    # naming oneself is fine
    response = await venue.mark(venue.judges["J1"], {"execution": "9"}, judge="J1")
    assert response.status_code == 201, response.text


async def test_the_outsider_is_refused_here_but_a_chief_at_home(venue: Venue) -> None:
    """X1 is the chief judge of the other contest: everything there, nothing here."""
    other = f"/api/contests/{venue.other_slug}"
    body = {"entrant": "E1", "round": "prelim", "item": 1, "values": {"dd": "2.0"}}
    response = await venue.client.post(
        f"{other}/marks", json={**body, "client_id": client_id()}, headers=bearer(venue.outsider)
    )
    assert response.status_code == 201, response.text
    response = await venue.client.patch(
        f"{other}/rounds/prelim", json={"status": "locked"}, headers=bearer(venue.outsider)
    )
    assert response.status_code == 200, response.text
    before = await venue.snapshot()
    assert_error(
        await venue.client.post(
            venue.url("/marks"), json={**body, "client_id": client_id()}, headers=bearer(venue.outsider)
        ),
        403,
    )
    assert_error(await venue.round("prelim", venue.outsider, status="locked"), 403)
    assert await venue.snapshot() == before


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc", "bearer not-a-token"],
)
async def test_malformed_authorization_is_refused_never_ignored(venue: Venue, header: str) -> None:
    for response in (
        await venue.client.get(venue.url("/standings"), headers={"authorization": header}),
        await venue.client.get(venue.url("/history"), headers={"authorization": header}),
        await venue.client.post(
            venue.url("/marks"),
            json={"entrant": "E1", "round": "prelim", "values": {"dd": "2"}, "client_id": client_id()},
            headers={"authorization": header},
        ),
    ):
        assert_error(response, 401, "authorization")
    assert (await venue.history()) == []


async def test_a_revoked_token_is_refused(app: Starlette, venue: Venue) -> None:
    assert (await venue.mark(venue.judges["J2"], {"execution": "6"})).status_code == 201
    with app.state.db.begin() as session:
        session.execute(update(Token).where(Token.token_hash == token_hash(venue.judges["J2"])).values(revoked=True))
    before = await venue.snapshot()
    assert_error(await venue.mark(venue.judges["J2"], {"execution": "6.5"}, reason="fix"), 401, "authorization")
    assert await venue.snapshot() == before


async def test_judge_tokens_are_stored_hashed(app: Starlette, venue: Venue) -> None:
    from sqlalchemy import select

    with app.state.db() as session:
        stored = set(session.execute(select(Token.token_hash)).scalars())
    for token in (venue.organizer, venue.recorder, *venue.judges.values()):
        assert token not in stored
        assert token_hash(token) in stored


async def test_unknown_contest_is_404_for_every_role(venue: Venue) -> None:
    base = "/api/contests/no-such-contest"
    for token in (venue.organizer,):
        assert_error(await venue.client.get(f"{base}/standings", headers=bearer(token)), 404, "slug")
        assert_error(await venue.client.get(f"{base}/history", headers=bearer(token)), 404, "slug")
        assert_error(
            await venue.client.patch(f"{base}/rounds/prelim", json={"status": "locked"}, headers=bearer(token)),
            404,
            "slug",
        )
        assert_error(
            await venue.client.put(f"{base}/entrants", json=[{"code": "E1"}], headers=bearer(token)), 404, "slug"
        )
        assert_error(await venue.client.post(f"{base}/judges", json=[{"code": "J1"}], headers=bearer(token)), 404)
    for token in (venue.organizer, venue.recorder):
        body = {"entrant": "E1", "round": "prelim", "values": {"dd": "2"}, "client_id": client_id()}
        assert_error(await venue.client.post(f"{base}/marks", json=body, headers=bearer(token)), 404, "slug")
    assert_error(await venue.client.get(f"{base}/standings"), 404, "slug")
